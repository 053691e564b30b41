// The first phase of a promotion (and of Check Gates…): which digest moves, and what the target and the
// environment before it hold — one round trip, the reads side by side.
import { createHash } from 'node:crypto';
import { repositoryName } from '../core/reference';
import type { Manifest } from '../registry/registryClient';
import { Ended, sourceLabelOf, sourceRepositoryOf } from './ended';
import { previousEnvironment } from './plan';
import type { PromotionRequest, PromotionServices } from './promotionTypes';

export interface Ends {
  readonly digest: string;
  readonly targetDigest: string | null;
  /** What the environment before the target holds (undefined: not read, or not needed). */
  readonly previousHolds?: string | null;
  /** The source manifest, read here (the engine path describes the source from it without a config read). */
  readonly manifest?: Manifest;
}

/**
 * The digest to move (what the user picked, or what the source holds now), what the target holds,
 * and what the environment before it holds: one round trip, the reads side by side. A tag is read
 * with GET (the bytes are needed anyway), so the digest comes from the bytes themselves.
 */
export async function resolveEnds(
  request: PromotionRequest,
  services: Pick<PromotionServices, 'registry' | 'log'> & { remember?: (m: Manifest) => void },
  signal?: AbortSignal,
): Promise<Ends | Ended> {
  const { source, target, config } = request;
  const sourceRepo = sourceRepositoryOf(config, source);
  const registry = services.registry;
  const sourceTag = source.kind === 'build' ? source.tag : source.kind === 'environment' ? source.environment.tag : undefined;
  const previous = request.mode === 'rollback' ? undefined : previousEnvironment(config, target);
  const previousIsSource = previous && source.kind === 'environment' && source.environment.name === previous.name;
  const [picked, tagged, targetNow, previousNow] = await Promise.all([
    source.digest ? registry.getManifest(sourceRepo, source.digest, signal) : undefined,
    sourceTag !== undefined
      ? source.digest
        ? registry.resolve(sourceRepo, sourceTag, signal)
        : registry.getManifest(sourceRepo, sourceTag, signal)
      : undefined,
    registry.resolve(target.repository, target.tag, signal),
    previous && !(previousIsSource && !source.digest) ? registry.resolve(previous.repository, previous.tag, signal) : undefined,
  ]);
  const manifest = picked ?? (tagged && 'bytes' in tagged ? withOwnDigest(tagged as Manifest) : undefined);
  if (!source.digest && !manifest) {
    return new Ended(
      'blocked',
      source.kind === 'build'
        ? `There is no tag ${source.tag} in ${repositoryName(sourceRepo)}. Refresh the builds and pick one that exists.`
        : `${sourceLabelOf(source)} is empty: there is nothing to promote from it.`,
    );
  }
  if (manifest) services.remember?.(manifest);
  const digest = source.digest ?? manifest!.digest;
  if (source.kind !== 'digest' && source.digest && tagged && tagged.digest !== source.digest) {
    services.log.warn(`${sourceLabelOf(source)} now points at ${tagged.digest}, not the ${source.digest} that was picked; using the picked digest`);
  }
  const previousHolds = previous ? (previousIsSource && !source.digest ? digest : (previousNow?.digest ?? null)) : undefined;
  return {
    digest,
    targetDigest: targetNow?.digest ?? null,
    ...(previousHolds !== undefined ? { previousHolds } : {}),
    ...(manifest && manifest.digest === digest ? { manifest } : {}),
  };
}

/** A manifest read by tag: its digest is the hash of its bytes, whatever a header said. */
function withOwnDigest(manifest: Manifest): Manifest {
  const digest = `sha256:${createHash('sha256').update(manifest.bytes).digest('hex')}`;
  return digest === manifest.digest ? manifest : { ...manifest, digest };
}
