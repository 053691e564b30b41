// After a write whose verification failed: undo only what this promotion can prove it wrote, and
// never destroy what someone else wrote. The registry's Docker-Content-Digest for our own write
// (the push's aux line, the PUT's header) is the proof: when the target holds exactly that digest
// and it is not the one chosen, the registry rewrote our bytes and we put the target back. Any other
// digest was written by someone else (CI pushing the tag, a colleague's window) and is left alone,
// with who holds what said loudly. Distribution deletes manifests, not tags: a manifest that
// another tag of the repository references is never deleted.
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { heldDigest, shortDigest, type Repository } from '../core/reference';
import type { RegistryClient } from '../registry/registryClient';

export interface RestoreFacts {
  readonly previousDigest: string | null;
  /** What the target holds now. */
  readonly current: string | null;
  /** The digest the person chose. */
  readonly chosen: string;
  /** What the registry reported for our own write; undefined when the write reported nothing (or failed). */
  readonly wrote: string | undefined;
  /**
   * A move that succeeded is being undone (a later image of its release failed): the chosen digest
   * landing is then no reason to stop; our verified write is put back like any other of ours.
   */
  readonly undo?: boolean;
}

export interface Restored {
  /** What the target was found holding. */
  readonly foundDigest: string | null;
  /** What it holds after the attempt to restore (undefined: unknown). */
  readonly finalDigest: string | null | undefined;
  readonly message: string;
}

/** Tags looked at when deciding whether a manifest may be deleted, and when saying who holds what. */
const MAX_TAGS_CHECKED = 500;

export async function restoreTarget(
  services: { registry: RegistryClient; log: Logger },
  config: PromotionConfig,
  target: EnvironmentConfig,
  facts: RestoreFacts,
  signal?: AbortSignal,
): Promise<Restored> {
  const { previousDigest, current, chosen, wrote } = facts;
  const found = { foundDigest: current };
  if (current === previousDigest) return { ...found, finalDigest: current, message: `${target.name} still holds ${heldDigest(previousDigest)}.` };
  if (current === chosen && !facts.undo)
    return { ...found, finalDigest: current, message: `The write had completed: ${target.name} holds ${shortDigest(chosen)}.` };
  const { registry, log } = services;
  const repo = target.repository;
  const stored = (w: string): string => (facts.undo ? `Its move to ${shortDigest(w)} was undone` : `The registry stored ${shortDigest(w)} instead`);

  if (current === null || wrote === undefined || current !== wrote) {
    // Not provably ours: someone else wrote the tag after us (or removed it). Leave it.
    const holders = await whoHoldsWhat(registry, config, [current, chosen, previousDigest], signal);
    log.error(
      `${target.name} holds ${heldDigest(current)}, which this promotion did not write (it wrote ${heldDigest(wrote ?? null)}); left as it is. ${holders}`,
    );
    return {
      ...found,
      finalDigest: current,
      message: `${target.name} now holds ${heldDigest(current)}, which this promotion did not write: another writer moved ${target.tag} after it. It was left as it is — check with whoever pushed it before promoting again. ${holders}`,
    };
  }

  try {
    if (previousDigest) {
      // Byte for byte, the exact previous digest comes back (a manifest by digest never changes).
      const previous = await registry.getManifest(repo, previousDigest, signal);
      if (!previous) throw new Error(`the previous manifest ${previousDigest} is no longer in the registry`);
      const before = (await registry.resolve(repo, target.tag, signal))?.digest ?? null;
      if (before !== wrote) return await leftAlone(registry, config, target, current, before, chosen, previousDigest, log, signal);
      const restored = await registry.putManifest(repo, target.tag, previous, signal);
      log.warn(`restored ${target.name} to ${restored} (our write had landed ${wrote})`);
      return {
        ...found,
        finalDigest: restored,
        message: `${stored(wrote)}; ${target.name} was put back to its previous digest ${shortDigest(previousDigest)}.`,
      };
    }
    // The target was empty: the tag goes only by deleting the manifest, which also removes every
    // other tag on it. Only when no other tag references it.
    const others = (await tagsHolding(registry, repo, [wrote], target.tag, signal)).get(wrote) ?? [];
    if (others.length) {
      log.warn(`${target.name} holds ${wrote}, which the tags ${others.join(', ')} hold too: not deleted`);
      return {
        ...found,
        finalDigest: current,
        message: `${facts.undo ? `Its move to ${shortDigest(wrote)} could not be undone: ${shortDigest(wrote)} is what` : `The registry stored ${shortDigest(wrote)} instead, which`} the tag${others.length === 1 ? '' : 's'} ${others.join(', ')} of the repository hold${others.length === 1 ? 's' : ''} too, so it was not deleted (that would remove ${others.length === 1 ? 'it' : 'them'}). Remove the tag ${target.tag} by hand.`,
      };
    }
    const before = (await registry.resolve(repo, target.tag, signal))?.digest ?? null;
    if (before !== wrote) return await leftAlone(registry, config, target, current, before, chosen, previousDigest, log, signal);
    await registry.deleteManifest(repo, wrote, signal);
    log.warn(`removed ${wrote} (our write, no other tag on it) so that ${target.name} is empty again`);
    return {
      ...found,
      finalDigest: null,
      message: `${stored(wrote)}; ${target.name} was emptied again (it held nothing before).`,
    };
  } catch (error) {
    log.error(`could not restore ${target.name}: ${errorMessage(error)}`);
    return {
      ...found,
      finalDigest: current,
      message: `${target.name} now points at ${current}, ${facts.undo ? 'the digest this promotion moved there,' : 'which nobody chose,'} and could not be restored automatically (${errorMessage(error)}). Put it back by hand: ${previousDigest ? `retag ${previousDigest}` : `delete the tag ${target.tag}`}.`,
    };
  }
}

/** The tag moved again while we were about to undo our write: that is someone else's now. */
async function leftAlone(
  registry: RegistryClient,
  config: PromotionConfig,
  target: EnvironmentConfig,
  found: string | null,
  now: string | null,
  chosen: string,
  previous: string | null,
  log: Logger,
  signal?: AbortSignal,
): Promise<Restored> {
  const holders = await whoHoldsWhat(registry, config, [now, chosen, previous], signal);
  log.error(`${target.name} moved to ${heldDigest(now)} while our write was being undone; left as it is. ${holders}`);
  return {
    foundDigest: found,
    finalDigest: now,
    message: `${target.name} moved to ${heldDigest(now)} while this promotion was undoing its own write: another writer holds it now, and it was left as it is. ${holders}`,
  };
}

/** "Who holds what: staging and production hold sha256:aaaa…; the tags b2, latest hold sha256:cccc…." */
export async function whoHoldsWhat(
  registry: RegistryClient,
  config: PromotionConfig,
  digests: readonly (string | null)[],
  signal?: AbortSignal,
): Promise<string> {
  const wanted = [...new Set(digests.filter((d): d is string => !!d))];
  const held = await Promise.all(
    config.environments.map((e) =>
      registry.resolve(e.repository, e.tag, signal).then(
        (d) => d?.digest ?? null,
        () => undefined,
      ),
    ),
  );
  const parts: string[] = [];
  const byDigest = new Map<string, string[]>();
  config.environments.forEach((e, i) => {
    const d = held[i];
    if (d === undefined) parts.push(`${e.name} could not be read`);
    else if (d === null) parts.push(`${e.name} is empty`);
    else byDigest.set(d, [...(byDigest.get(d) ?? []), e.name]);
  });
  for (const [digest, names] of byDigest) parts.unshift(`${names.join(', ')} ${names.length === 1 ? 'holds' : 'hold'} ${shortDigest(digest)}`);
  const repos = new Map(config.environments.map((e) => [`${e.repository.registry}/${e.repository.path}`, e.repository] as const));
  for (const repo of repos.values()) {
    const tags = await tagsHolding(registry, repo, wanted, undefined, signal).catch(() => new Map<string, string[]>());
    for (const [digest, names] of tags)
      if (names.length)
        parts.push(
          `in ${repo.registry}/${repo.path} the tag${names.length === 1 ? '' : 's'} ${names.join(', ')} ${names.length === 1 ? 'holds' : 'hold'} ${shortDigest(digest)}`,
        );
  }
  return `Who holds what: ${parts.join('; ')}.`;
}

/** For each digest, the tags of the repository (except `except`) that point at it. */
async function tagsHolding(
  registry: RegistryClient,
  repo: Repository,
  digests: readonly string[],
  except: string | undefined,
  signal?: AbortSignal,
): Promise<Map<string, string[]>> {
  const tags = (await registry.listTags(repo, signal)).filter((t) => t !== except);
  if (tags.length > MAX_TAGS_CHECKED)
    throw new Error(`the repository has ${tags.length} tags; more than ${MAX_TAGS_CHECKED} cannot be checked for this digest`);
  const result = new Map<string, string[]>(digests.map((d) => [d, []]));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tags.length) {
      const tag = tags[next++]!;
      const digest = (await registry.resolve(repo, tag, signal))?.digest;
      if (digest && result.has(digest)) result.get(digest)!.push(tag);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, tags.length) }, worker));
  for (const list of result.values()) list.sort();
  return result;
}
