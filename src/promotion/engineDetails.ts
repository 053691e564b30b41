// The source image's details (labels, platform, creation time, revision) from the engine that holds
// it, instead of a config read from the registry: on the engine path that read is a round trip of
// its own. Only when the engine's image is provably the source digest's — its id is the config
// digest the manifest names (the config's own hash, so the same bytes) — otherwise undefined, and
// the caller reads the registry as before.
import type { EngineImage } from '../engine/engine';
import { REVISION_LABEL, type ImageDetails } from '../images/imageDetails';
import { isIndexMediaType } from '../registry/mediaTypes';
import type { Manifest } from '../registry/registryClient';

const CREATED_LABEL = 'org.opencontainers.image.created';

export function engineImageDetails(image: EngineImage, manifest: Manifest): ImageDetails | undefined {
  let json: { mediaType?: string; config?: { digest?: unknown }; manifests?: unknown };
  try {
    json = JSON.parse(manifest.bytes.toString('utf8')) as typeof json;
  } catch {
    return undefined;
  }
  const mediaType = manifest.mediaType || json.mediaType || '';
  // An index has no config of its own; the engine holds one platform of it at most.
  if (isIndexMediaType(mediaType) || Array.isArray(json.manifests)) return undefined;
  const configDigest = json.config?.digest;
  if (typeof configDigest !== 'string' || configDigest !== image.id) return undefined;
  const labels = image.labels;
  const created = image.created ?? labels[CREATED_LABEL];
  const revision = labels[REVISION_LABEL];
  const platform = image.os ? [[image.os, image.architecture ?? '?', image.variant].filter(Boolean).join('/')] : [];
  return {
    digest: manifest.digest,
    mediaType,
    isIndex: false,
    platforms: platform,
    labels,
    ...(created ? { created } : {}),
    ...(revision ? { revision } : {}),
  };
}
