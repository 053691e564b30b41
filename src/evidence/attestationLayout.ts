// cosign's attestation layout (its specs/ATTESTATION_SPEC.md): the OCI manifest tagged
// `sha256-<hex>.att` beside the image, one layer per attestation, each a DSSE envelope annotated with
// its predicateType, so cosign, Kyverno and policy-controller read what this project writes. Pure.
import { createHash } from 'node:crypto';
import { MediaTypes } from '../registry/mediaTypes';
import { DSSE_ENVELOPE_MEDIA_TYPE } from './dsse';

const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const ANNOTATION_PREDICATE_TYPE = 'predicateType';
/** cosign puts the envelope's signature inside it and leaves this annotation empty on attestations. */
export const ANNOTATION_COSIGN_SIGNATURE = 'dev.cosignproject.cosign/signature';

/** Layers an `.att` manifest may have before this project stops adding to it (or reading all of it). */
export const MAX_ATTESTATION_LAYERS = 500;

export interface LayerDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

export function attestationTag(digest: string): string {
  return `${digest.replace(':', '-')}.att`;
}

export function sha256Of(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function envelopeLayer(envelopeBytes: Buffer, predicateType: string): LayerDescriptor {
  return {
    mediaType: DSSE_ENVELOPE_MEDIA_TYPE,
    digest: sha256Of(envelopeBytes),
    size: envelopeBytes.length,
    annotations: { [ANNOTATION_PREDICATE_TYPE]: predicateType, [ANNOTATION_COSIGN_SIGNATURE]: '' },
  };
}

export type ParsedAttestations =
  { readonly layers: readonly LayerDescriptor[]; readonly reason?: undefined } | { readonly layers?: undefined; readonly reason: string };

/** The layers of an `.att` manifest, or why it is not one this project may read or add to. */
export function attestationLayers(manifestBytes: Buffer): ParsedAttestations {
  let json: { layers?: unknown; config?: unknown };
  try {
    json = JSON.parse(manifestBytes.toString('utf8')) as typeof json;
  } catch {
    return { reason: 'its manifest is not JSON' };
  }
  if (!Array.isArray(json?.layers) || typeof json.config !== 'object') return { reason: 'it is not an image manifest with layers' };
  if (json.layers.length > MAX_ATTESTATION_LAYERS) return { reason: `it has ${json.layers.length} layers, more than the ${MAX_ATTESTATION_LAYERS} read here` };
  const layers: LayerDescriptor[] = [];
  for (const l of json.layers as Partial<LayerDescriptor>[]) {
    if (typeof l?.mediaType !== 'string' || typeof l.digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(l.digest) || !Number.isSafeInteger(l.size))
      return { reason: 'a layer of it is not a valid descriptor' };
    layers.push(l as LayerDescriptor);
  }
  return { layers };
}

export interface AttestationManifest {
  readonly manifest: { readonly mediaType: string; readonly bytes: Buffer };
  readonly config: { readonly digest: string; readonly bytes: Buffer };
}

/**
 * The `.att` manifest holding `layers` as cosign writes it: an OCI image manifest whose config is an
 * image config listing the layers' digests as its rootfs (what go-containerregistry's append makes).
 */
export function attestationManifest(layers: readonly LayerDescriptor[]): AttestationManifest {
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  const config = { mediaType: OCI_IMAGE_CONFIG, size: configBytes.length, digest: sha256Of(configBytes) };
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers }));
  return { manifest: { mediaType: MediaTypes.ociManifest, bytes }, config: { digest: config.digest, bytes: configBytes } };
}
