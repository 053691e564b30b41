// What a manifest refers to, for copying it: the blobs of an image manifest (config and layers),
// the child manifests of an index, and the `subject` of an OCI referrer. Pure: bytes in, facts out.
import { PromotionError } from '../core/errors';
import { isIndexMediaType, MediaTypes } from './mediaTypes';

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  /** Where a foreign / non-distributable layer lives instead of the registry. */
  readonly urls?: readonly string[];
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}

export interface ManifestRefs {
  readonly kind: 'index' | 'image';
  /** The manifest's own media type: the registry's Content-Type, else the `mediaType` field. */
  readonly mediaType: string;
  /** Image: config then layers (blobs). Empty for an index. */
  readonly blobs: readonly Descriptor[];
  /** Index: the child manifests. Empty for an image. */
  readonly manifests: readonly Descriptor[];
  /** OCI 1.1 `subject`: the manifest this one refers to (a signature, SBOM, attestation…). */
  readonly subject?: Descriptor;
  readonly artifactType?: string;
}

/** Docker's foreign layers (Windows base images) are not stored in registries. */
const FOREIGN_LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

/** A layer that lives outside the registry (it names URLs): copying may skip it when the source lacks it. */
export function isForeignLayer(d: Descriptor): boolean {
  return FOREIGN_LAYER_TYPES.has(d.mediaType) || (d.urls?.length ?? 0) > 0;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Record<keyof Descriptor, unknown>> | null;
  if (!d || typeof d !== 'object' || typeof d.digest !== 'string' || !DIGEST.test(d.digest)) {
    throw new PromotionError('protocol', `the manifest has a ${where} without a valid digest`);
  }
  const size = typeof d.size === 'number' && Number.isFinite(d.size) && d.size >= 0 ? d.size : -1;
  return {
    mediaType: typeof d.mediaType === 'string' ? d.mediaType : '',
    digest: d.digest,
    size,
    ...(Array.isArray(d.urls) ? { urls: d.urls.filter((u): u is string => typeof u === 'string') } : {}),
    ...(typeof d.artifactType === 'string' ? { artifactType: d.artifactType } : {}),
    ...(d.annotations && typeof d.annotations === 'object' ? { annotations: d.annotations as Record<string, string> } : {}),
    ...(d.platform && typeof d.platform === 'object' ? { platform: d.platform as Descriptor['platform'] & object } : {}),
  };
}

/** Reads what a manifest or index refers to. Throws PromotionError('protocol') for what it cannot copy. */
export function parseManifestRefs(bytes: Buffer | string, contentType = ''): ManifestRefs {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new PromotionError('protocol', 'the manifest is not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new PromotionError('protocol', 'the manifest is not a JSON object');
  const declared = typeof json['mediaType'] === 'string' ? json['mediaType'] : '';
  const mediaType = contentType && contentType !== 'application/json' ? contentType : declared || contentType;
  if (json['schemaVersion'] === 1 || /manifest\.v1\+(pretty)?jws|distribution\.manifest\.v1\+json/.test(mediaType)) {
    throw new PromotionError('protocol', 'the image uses the deprecated Docker schema 1 manifest format, which cannot be copied keeping its digest');
  }
  const subject = json['subject'] !== undefined ? descriptor(json['subject'], 'subject') : undefined;
  const artifactType = typeof json['artifactType'] === 'string' ? json['artifactType'] : undefined;
  const extra = { ...(subject ? { subject } : {}), ...(artifactType ? { artifactType } : {}) };
  if (isIndexMediaType(mediaType) || (!mediaType && Array.isArray(json['manifests']))) {
    const manifests = Array.isArray(json['manifests']) ? json['manifests'].map((m, i) => descriptor(m, `manifests[${i}]`)) : [];
    return { kind: 'index', mediaType: mediaType || MediaTypes.ociIndex, blobs: [], manifests, ...extra };
  }
  if (json['config'] !== undefined || Array.isArray(json['layers'])) {
    const blobs: Descriptor[] = [];
    if (json['config'] !== undefined) blobs.push(descriptor(json['config'], 'config'));
    if (Array.isArray(json['layers'])) json['layers'].forEach((l, i) => blobs.push(descriptor(l, `layers[${i}]`)));
    // The older OCI artifact manifest (`application/vnd.oci.artifact.manifest.v1+json`) used `blobs`.
    return { kind: 'image', mediaType: mediaType || MediaTypes.ociManifest, blobs, manifests: [], ...extra };
  }
  if (Array.isArray(json['blobs'])) {
    return { kind: 'image', mediaType, blobs: json['blobs'].map((b, i) => descriptor(b, `blobs[${i}]`)), manifests: [], ...extra };
  }
  throw new PromotionError('protocol', `the manifest (${mediaType || 'no media type'}) is neither an image manifest nor an index`);
}

/** `sha256:abc…` → `sha256-abc…`: the tag prefix cosign and the OCI referrers tag schema use. */
export function digestTagPrefix(digest: string): string {
  return digest.replace(':', '-');
}

export type CosignKind = 'signature' | 'attestation' | 'sbom';

/** The tags cosign keeps beside an image: `sha256-<hex>.sig`, `.att`, `.sbom`. */
export function cosignTags(digest: string): { readonly tag: string; readonly kind: CosignKind }[] {
  const prefix = digestTagPrefix(digest);
  return [
    { tag: `${prefix}.sig`, kind: 'signature' },
    { tag: `${prefix}.att`, kind: 'attestation' },
    { tag: `${prefix}.sbom`, kind: 'sbom' },
  ];
}

/** The OCI referrers tag schema's fallback tag for a subject: `sha256-<hex>` (an index of referrers). */
export function referrersFallbackTag(digest: string): string {
  return digestTagPrefix(digest);
}

/**
 * An OCI index of referrers with `add` merged in (by digest, existing entries first): the bytes to
 * write under the fallback tag. `existing` undefined starts a new index.
 */
export function mergeReferrersIndex(existing: Buffer | undefined, add: readonly Descriptor[]): { bytes: Buffer; added: number } {
  const base = existing
    ? (JSON.parse(existing.toString('utf8')) as { manifests?: Descriptor[] } & Record<string, unknown>)
    : { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };
  const manifests = Array.isArray(base.manifests) ? [...base.manifests] : [];
  const seen = new Set(manifests.map((m) => m.digest));
  let added = 0;
  for (const d of add) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    manifests.push(d);
    added++;
  }
  return { bytes: Buffer.from(JSON.stringify({ ...base, manifests })), added };
}
