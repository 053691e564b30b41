// After a write that left the target on a digest nobody chose: put it back where it was.
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { errorMessage } from '../core/errors';
import { shortDigest } from '../core/reference';
import type { Manifest, RegistryClient } from '../registry/registryClient';
import type { Logger } from '../core/log';

export interface RestoreFacts {
  readonly previousManifest: Manifest | undefined;
  readonly previousDigest: string | null;
  /** What the target holds now. */
  readonly current: string | null;
  /** The digest the person chose. */
  readonly chosen: string;
}

export interface Restored {
  /** What the target was found holding. */
  readonly foundDigest: string | null;
  /** What it holds after the attempt to restore (undefined: unknown). */
  readonly finalDigest: string | null | undefined;
  readonly message: string;
}

export async function restoreTarget(services: { registry: RegistryClient; log: Logger }, config: PromotionConfig, target: EnvironmentConfig, facts: RestoreFacts): Promise<Restored> {
  const { previousManifest, previousDigest, current, chosen } = facts;
  const found = { foundDigest: current };
  if (current === previousDigest) return { ...found, finalDigest: current, message: `${target.name} still holds ${describe(previousDigest)}.` };
  if (current === chosen) return { ...found, finalDigest: current, message: `The write had completed: ${target.name} holds ${shortDigest(chosen)}.` };
  const log = services.log;
  try {
    if (previousManifest && previousDigest) {
      // Registry-side, byte for byte: the exact previous digest comes back.
      const restored = await services.registry.putManifest(target.repository, target.tag, previousManifest);
      log.warn(`restored ${target.name} to ${restored}`);
      return { ...found, finalDigest: restored, message: `${target.name} was put back to its previous digest ${shortDigest(previousDigest)}.` };
    }
    if (current) {
      // The target was empty: remove the manifest the write created so the tag is absent again —
      // unless another environment's tag shares it (deleting a manifest untags it everywhere).
      const sharing = await environmentsHolding(services.registry, config, target, current);
      if (sharing.length) {
        return { ...found, finalDigest: current, message: `${target.name} now points at ${current}, which nobody chose for it; ${sharing.join(', ')} hold${sharing.length === 1 ? 's' : ''} the same digest, so it was not deleted. Delete the tag ${target.tag} by hand.` };
      }
      await services.registry.deleteManifest(target.repository, current);
      log.warn(`removed ${current} so that ${target.name} is empty again`);
      return { ...found, finalDigest: null, message: `${target.name} was emptied again (it held nothing before).` };
    }
  } catch (error) {
    log.error(`could not restore ${target.name}: ${errorMessage(error)}`);
    return {
      ...found,
      finalDigest: current,
      message: `${target.name} now points at ${current}, which nobody chose, and could not be restored automatically (${errorMessage(error)}). Put it back by hand: ${previousDigest ? `retag ${previousDigest}` : `delete the tag ${target.tag}`}.`,
    };
  }
  return { ...found, finalDigest: current, message: '' };
}

async function environmentsHolding(registry: RegistryClient, config: PromotionConfig, except: EnvironmentConfig, digest: string): Promise<string[]> {
  const others = config.environments.filter((e) => e.name !== except.name && e.repository.registry === except.repository.registry && e.repository.path === except.repository.path);
  const held = await Promise.all(others.map((e) => registry.resolve(e.repository, e.tag).then((d) => d?.digest === digest, () => true)));
  return others.filter((_, i) => held[i]).map((e) => e.name);
}

function describe(digest: string | null | undefined): string {
  return digest ? shortDigest(digest) : 'nothing';
}
