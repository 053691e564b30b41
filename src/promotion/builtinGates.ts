// The checks every promotion passes, whatever the config says.
import type { EnvironmentConfig } from '../config/types';
import { repositoryName, shortDigest, type Repository } from '../core/reference';
import { failed, passed, type GateResult } from '../gates/gate';
import type { ImageDetails } from '../images/imageDetails';
import { describeHold, isHeld, type HoldDocument } from '../records/holds';
import { describeMediaType } from '../registry/mediaTypes';
import type { SignedArrival } from './signedArrival';
import { ENGINE_RECOMPRESSES, engineKeepsDigest, type TransportChoice } from './transport';

const BUILTIN = 'builtin';

/** (a) Environment N+1 takes only what environment N holds now; the first takes any build. */
export function orderingGate(
  target: EnvironmentConfig,
  previous: EnvironmentConfig | undefined,
  previousDigest: string | null | undefined,
  digest: string,
  /** With promotionKeys: whether the move into `previous` is signed (signedArrival.ts). */
  signed?: SignedArrival,
): GateResult {
  const name = 'promotion order';
  if (!previous) return passed(name, BUILTIN, `${target.name} is the first environment: it takes any build`);
  if (!previousDigest) return failed(name, BUILTIN, `${previous.name} is empty: promote into ${previous.name} before ${target.name}`);
  if (previousDigest !== digest) {
    return failed(
      name,
      BUILTIN,
      `${target.name} takes only what ${previous.name} holds now (${shortDigest(previousDigest)}); ${shortDigest(digest)} has not been through ${previous.name}. Promote it into ${previous.name} first`,
    );
  }
  if (signed && !signed.signed)
    return failed(name, BUILTIN, `${previous.name} holds ${shortDigest(digest)}, but not as signed promoted there (promotionKeys): ${signed.problem}`);
  return passed(name, BUILTIN, `${previous.name} holds ${shortDigest(digest)}${signed ? `, signed as promoted there (${signed.detail})` : ''}`);
}

/** (b) Promotion never builds: the digest must already be in the source repository. */
export function sourceExistsGate(repo: Repository, digest: string, exists: boolean): GateResult {
  const name = 'source exists';
  return exists
    ? passed(name, BUILTIN, `${repositoryName(repo)}@${shortDigest(digest)} is in the registry`)
    : failed(name, BUILTIN, `${repositoryName(repo)}@${digest} is not in the registry (promotion never builds; push the build first)`);
}

/**
 * (c) The way the digest travels must keep it. Through the Docker engine only a single-platform
 * Docker manifest does: an index comes back as one platform and an OCI manifest is rewritten as a
 * Docker one (seen with engine 20.10: an OCI manifest sha256:cf97… was pushed as sha256:446d…).
 * A registry-side copy moves the manifest bytes themselves.
 */
export function transportKeepsDigestGate(
  choice: TransportChoice,
  details: Pick<ImageDetails, 'mediaType' | 'isIndex' | 'platforms'>,
  digest: string,
  crossRegistry = false,
): GateResult {
  const name = 'digest survives the transport';
  if (choice.transport === 'registry') {
    const what = details.isIndex ? `all ${details.platforms.length} platforms, ` : '';
    return passed(name, BUILTIN, `registry-side copy: the manifest bytes move as they are (${what}${choice.reason})`);
  }
  const forced = 'imagePromotion.transport is "engine"; set it to "auto" or "registry" to copy registry-side';
  if (details.isIndex) {
    const platforms = details.platforms.length ? `: ${details.platforms.join(', ')}` : '';
    return failed(
      name,
      BUILTIN,
      `${shortDigest(digest)} is a multi-platform image (${describeMediaType(details.mediaType)}, ${details.platforms.length} platforms${platforms}). The Docker engine pulls and pushes one platform, so the target would get a different digest. ${forced}`,
    );
  }
  if (!engineKeepsDigest(details)) {
    return failed(
      name,
      BUILTIN,
      `${shortDigest(digest)} is an ${describeMediaType(details.mediaType)}; the Docker engine would push it as a Docker manifest with a different digest. ${forced}`,
    );
  }
  const risk = crossRegistry
    ? `; into another registry ${ENGINE_RECOMPRESSES.replace(/^the engine would/, 'the engine may')}: the digest is verified afterwards and the target put back if it changed`
    : '';
  return passed(
    name,
    BUILTIN,
    `single-platform Docker manifest${details.platforms[0] ? ` (${details.platforms[0]})` : ''} through the Docker engine (${choice.reason})${risk}`,
  );
}

/**
 * Rollback takes a digest the environment held before, instead of the promotion order. Evidence is a
 * recorded arrival, or a record that read it there before a write: what was there before the tool was
 * adopted is the rollback people need most.
 */
export function heldBeforeGate(target: EnvironmentConfig, digest: string, arrivedAt: number | undefined, heldAt?: number): GateResult {
  const name = 'held before';
  if (arrivedAt !== undefined) return passed(name, BUILTIN, `${target.name} held ${shortDigest(digest)} (arrived ${new Date(arrivedAt).toISOString()})`);
  if (heldAt !== undefined)
    return passed(
      name,
      BUILTIN,
      `${target.name} held ${shortDigest(digest)} (recorded there ${new Date(heldAt).toISOString()}, before a promotion replaced it)`,
    );
  return failed(name, BUILTIN, `the history has no record of ${target.name} holding ${shortDigest(digest)}: a rollback can only go back to a digest it held`);
}

/** The engine must answer before anyone is asked to confirm. */
export function engineReachableGate(address: string, error: Error | undefined): GateResult {
  const name = 'Docker engine';
  return error ? failed(name, BUILTIN, error.message) : passed(name, BUILTIN, `reachable at ${address}`);
}

/**
 * (e) A hold stops every promotion into the environment (records/holds.ts); a rollback goes through it,
 * saying so: putting back what worked is what a hold is for. A hold that cannot be read blocks: the
 * registry that would take the tag does not answer for it.
 */
/** How long after a release the gate lists still say who released the hold (a colleague asking "why did it move?"). */
export const RELEASED_SHOWN_MS = 24 * 60 * 60 * 1000;

/**
 * The hold gate as gate lists show it (Check Gates, `check`, the confirmation, the record): only when
 * there is something to say — a hold, one that cannot be read, or one released in the last day. An
 * environment never held, or released long ago, gets no line: every promotion checks holds, so
 * "not held" on every list would say nothing.
 */
export function shownHoldGate(
  target: EnvironmentConfig,
  mode: 'promotion' | 'rollback',
  hold: HoldDocument | undefined | Error,
  now: number,
): GateResult | undefined {
  if (hold === undefined) return undefined;
  if (hold instanceof Error || isHeld(hold)) return holdGate(target, mode, hold);
  const at = Date.parse(hold.at);
  if (!(now - at < RELEASED_SHOWN_MS)) return undefined;
  const was = hold.released ? `: the hold ${hold.released.by} placed at ${hold.released.at} (${hold.released.reason})` : '';
  return passed('hold', BUILTIN, `${target.name} is not held: released by ${hold.by} at ${hold.at}${was}`);
}

export function holdGate(target: EnvironmentConfig, mode: 'promotion' | 'rollback', hold: HoldDocument | undefined | Error): GateResult {
  const name = 'hold';
  if (hold instanceof Error) return failed(name, BUILTIN, `whether ${target.name} is held could not be read: ${hold.message}`);
  if (!isHeld(hold)) return passed(name, BUILTIN, `${target.name} is not held`);
  if (mode === 'rollback') return passed(name, BUILTIN, `${target.name} is ${describeHold(hold)}; a rollback goes through a hold`);
  return failed(name, BUILTIN, `${target.name} is ${describeHold(hold)}. Release it first (image-promotion release ${target.name}, or Release Hold)`);
}
