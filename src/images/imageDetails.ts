// What the tree's tooltips and the builds list need to know about a digest: platforms, creation
// time, labels. Content-addressed, so answers are cached by digest: for the session in memory, and
// across sessions in a DetailsStore when one is given.
import type { Repository } from '../core/reference';
import type { DetailsStore } from './detailsStore';
import { isIndexMediaType } from '../registry/mediaTypes';
import type { RegistryClient } from '../registry/registryClient';

export const REVISION_LABEL = 'org.opencontainers.image.revision';
const CREATED_LABEL = 'org.opencontainers.image.created';

export interface ImageDetails {
  readonly digest: string;
  readonly mediaType: string;
  readonly isIndex: boolean;
  /** `os/architecture[/variant]`, one per platform (attestation manifests left out). */
  readonly platforms: readonly string[];
  readonly created?: string;
  readonly revision?: string;
  readonly labels: Readonly<Record<string, string>>;
}

interface ManifestJson {
  mediaType?: string;
  config?: { digest?: string };
  manifests?: {
    digest: string;
    mediaType?: string;
    platform?: { os?: string; architecture?: string; variant?: string };
    annotations?: Record<string, string>;
  }[];
}

interface ConfigJson {
  created?: string;
  os?: string;
  architecture?: string;
  variant?: string;
  config?: { Labels?: Record<string, string> | null };
}

/** Index details whose first platform could not be read (a passing failure, not the content). */
const incomplete = new WeakSet<ImageDetails>();

export class ImageDetailsCache {
  private readonly cache = new Map<string, Promise<ImageDetails>>();

  constructor(
    private readonly registry: RegistryClient,
    private readonly maxEntries = 2000,
    readonly store?: DetailsStore,
  ) {}

  /**
   * The details of a digest: from memory, the store, or the registry (through `via` when given, e.g.
   * a client that counts requests).
   */
  get(repo: Repository, digest: string, signal?: AbortSignal, via?: RegistryClient): Promise<ImageDetails> {
    const key = `${repo.registry}/${repo.path}@${digest}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.lookup(repo, digest, signal, via ?? this.registry);
      // A failed lookup is not remembered: the next refresh tries again.
      pending.catch(() => this.cache.delete(key));
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, pending);
    }
    return pending;
  }

  /** What is known without a request (the store must have been loaded). */
  peek(digest: string): ImageDetails | undefined {
    return this.store?.getDetails(digest);
  }

  private async lookup(repo: Repository, digest: string, signal: AbortSignal | undefined, registry: RegistryClient): Promise<ImageDetails> {
    if (this.store) {
      await this.store.load();
      const known = this.store.getDetails(digest);
      if (known) return known;
    }
    const details = await describeImage(registry, repo, digest, signal);
    // A platform that could not be read may be readable later: only complete answers are kept.
    if (!incomplete.has(details)) this.store?.putDetails(details);
    return details;
  }
}

export async function describeImage(registry: RegistryClient, repo: Repository, digest: string, signal?: AbortSignal): Promise<ImageDetails> {
  const manifest = await registry.getManifest(repo, digest, signal);
  if (!manifest) throw new Error(`${digest} is not in ${repo.registry}/${repo.path}`);
  const json = JSON.parse(manifest.bytes.toString('utf8')) as ManifestJson;
  const mediaType = manifest.mediaType || json.mediaType || '';
  if (isIndexMediaType(mediaType) || Array.isArray(json.manifests)) {
    const images = (json.manifests ?? []).filter((m) => m.platform && m.platform.os !== 'unknown' && !m.annotations?.['vnd.docker.reference.type']);
    const platforms = images.map((m) => platformName(m.platform!));
    // Creation time and labels come from the first platform's config: builds of one index share them.
    const first = images[0];
    const firstDetails = first ? await describeImage(registry, repo, first.digest, signal).catch(() => undefined) : undefined;
    const details: ImageDetails = {
      digest,
      mediaType,
      isIndex: true,
      platforms,
      labels: firstDetails?.labels ?? {},
      ...(firstDetails?.created ? { created: firstDetails.created } : {}),
      ...(firstDetails?.revision ? { revision: firstDetails.revision } : {}),
    };
    if (first && !firstDetails) incomplete.add(details);
    return details;
  }
  const configDigest = json.config?.digest;
  const config = configDigest ? (JSON.parse((await registry.getBlob(repo, configDigest, signal)).toString('utf8')) as ConfigJson) : {};
  const labels = config.config?.Labels ?? {};
  const created = config.created ?? labels[CREATED_LABEL];
  const revision = labels[REVISION_LABEL];
  return {
    digest,
    mediaType,
    isIndex: false,
    platforms: config.os ? [platformName(config)] : [],
    labels,
    ...(created ? { created } : {}),
    ...(revision ? { revision } : {}),
  };
}

function platformName(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? '?', p.architecture ?? '?', p.variant].filter(Boolean).join('/');
}
