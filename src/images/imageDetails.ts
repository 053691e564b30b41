// What the tree's tooltips and the builds list need to know about a digest: platforms, creation
// time, labels. Content-addressed, so answers are cached by digest for the life of the session.
import type { Repository } from '../core/reference';
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
  manifests?: { digest: string; mediaType?: string; platform?: { os?: string; architecture?: string; variant?: string }; annotations?: Record<string, string> }[];
}

interface ConfigJson {
  created?: string;
  os?: string;
  architecture?: string;
  variant?: string;
  config?: { Labels?: Record<string, string> | null };
}

export class ImageDetailsCache {
  private readonly cache = new Map<string, Promise<ImageDetails>>();

  constructor(private readonly registry: RegistryClient, private readonly maxEntries = 2000) {}

  get(repo: Repository, digest: string, signal?: AbortSignal): Promise<ImageDetails> {
    const key = `${repo.registry}/${repo.path}@${digest}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = describeImage(this.registry, repo, digest, signal);
      // A failed lookup is not remembered: the next refresh tries again.
      pending.catch(() => this.cache.delete(key));
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, pending);
    }
    return pending;
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
    return {
      digest,
      mediaType,
      isIndex: true,
      platforms,
      labels: firstDetails?.labels ?? {},
      ...(firstDetails?.created ? { created: firstDetails.created } : {}),
      ...(firstDetails?.revision ? { revision: firstDetails.revision } : {}),
    };
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
