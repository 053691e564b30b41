// Through the engine, the last look at the target and the environment's hold goes beside the push
// rather than before it: a push writes nothing until its manifest, after its own round trips (the
// registry's ping, the blob checks), while the look, sent first, answers in one, so the person waits
// for the push alone. When the look finds the target moved or held (or cannot read it), the push is
// stopped, and a manifest that landed first is put back (read back) to what the target held before
// it; the caller then makes the last look the usual way (the person asked, the hold blocks).
import type { EnvironmentConfig } from '../config/types';
import { linkedSignal } from '../core/linkedSignal';
import type { Logger } from '../core/log';
import { heldDigest } from '../core/reference';
import type { RegistryClient } from '../registry/registryClient';
import { holdTag } from '../records/holds';
import type { HoldRead } from './gateEvaluation';
import { holdPlacedMeanwhile } from './holdRecheck';
import type { Move } from './moves';
import type { PromotionServices } from './promotionTypes';
import { restoreTarget, type Restored } from './restore';
import type { Committed } from './transfer';

/** The target's tag and the environment's hold, read beside the push. */
export interface QuietLook {
  readonly now: string | null;
  readonly held: boolean;
}

export interface BesideLookDeps {
  readonly registry: RegistryClient;
  readonly log: Logger;
  readonly signal: AbortSignal | undefined;
}

export type BesideLookResult =
  | { readonly kind: 'committed'; readonly committed: Committed }
  /** The push was stopped (and put back when it had landed, `putBack` says so): look again the usual way. */
  | { readonly kind: 'look-again'; readonly putBack?: string }
  /** It landed and could not be put back: what the target holds is in `restored`. */
  | { readonly kind: 'not-put-back'; readonly restored: Restored };

/**
 * The last look without asking anyone: what the target holds now, and whether a hold was placed (or
 * could not be read). When the gates found no hold document, the hold tag appearing is enough to stop
 * the push (one request, where reading a new document takes two); the last look made afterwards, the
 * usual way, reads what it says.
 */
export async function quietLook(
  services: Pick<PromotionServices, 'registry' | 'readHold'>,
  move: Move,
  environment: EnvironmentConfig,
  mode: 'promotion' | 'rollback',
  holdAtGates: HoldRead | 'not-read',
  signal?: AbortSignal,
): Promise<QuietLook> {
  const { repository, tag } = move.target;
  const held = (): Promise<boolean> => {
    if (!services.readHold || mode === 'rollback') return Promise.resolve(false);
    if (holdAtGates === undefined) return services.registry.resolve(environment.repository, holdTag(environment), signal).then((d) => d !== undefined);
    return holdPlacedMeanwhile(services, environment, mode, signal).then((h) => h !== undefined);
  };
  const [now, isHeld] = await Promise.all([services.registry.resolve(repository, tag, signal).then((d) => d?.digest ?? null), held()]);
  return { now, held: isHeld };
}

/** The push of `move` (prepared: the engine holds and tagged the image) with the look already sent. */
export async function pushBesideLook(deps: BesideLookDeps, move: Move, look: Promise<QuietLook>): Promise<BesideLookResult> {
  const stopper = new AbortController();
  const linked = linkedSignal([deps.signal, stopper.signal]);
  try {
    const pushing = move.transfer!.commit(linked.signal);
    pushing.catch(() => undefined); // awaited below, whichever way the look goes
    const seen = await look.catch(() => undefined);
    if (deps.signal?.aborted) return { kind: 'committed', committed: await pushing };
    // Our own digest: the push landed before the look read the tag (a slow answer); it holds what was chosen.
    if (seen && !seen.held && (seen.now === move.previousDigest || seen.now === move.digest)) {
      if (seen.now !== move.previousDigest) deps.log.info(`${move.prefix}the last look read ${move.target.tag} after the push had landed`);
      return { kind: 'committed', committed: await pushing };
    }
    stopper.abort();
    const what = seen ? (seen.held ? 'was held' : `moved to ${heldDigest(seen.now)}`) : 'could not be read';
    deps.log.warn(`${move.prefix}${move.target.name} ${what} while the push started: push stopped`);
    await pushing.catch(() => undefined);
    return await putBackStoppedPush(deps, move, seen && seen.now !== move.digest ? seen.now : (move.previousDigest ?? null));
  } finally {
    linked.dispose();
  }
}

/** A stopped push whose manifest had landed goes back to what the target held before it (`before`), read back. */
async function putBackStoppedPush(deps: BesideLookDeps, move: Move, before: string | null): Promise<BesideLookResult> {
  const { repository, tag } = move.target;
  const current = (await deps.registry.resolve(repository, tag, deps.signal))?.digest ?? null;
  if (current !== move.digest || before === move.digest) return { kind: 'look-again' }; // it had not landed
  const restored = await restoreTarget(deps, move.request.config, move.target, {
    previousDigest: before,
    current,
    chosen: move.digest,
    wrote: move.digest,
    undo: true,
  });
  deps.log.warn(`${move.prefix}the stopped push had landed: ${restored.message}`);
  if (restored.finalDigest !== before) return { kind: 'not-put-back', restored };
  return { kind: 'look-again', putBack: `The push had landed before it could be stopped; ${tag} was put back to ${heldDigest(before)}` };
}
