// Things that live beside an image, written through the registry API as the tools that make them do:
// - a cosign-style signature: an OCI manifest under the tag `sha256-<hex>.sig` whose one layer is
//   the "simple signing" payload naming the image digest, the signature in an annotation;
// - an OCI referrer (an SBOM-like artifact whose `subject` is the image) pushed by digest, and, for
//   registries without the referrers API (Distribution 2.8), the OCI tag schema's fallback index
//   under `sha256-<hex>` listing it.
// Nothing here is signed for real: the tests check these are copied byte for byte, not verified.
import { randomBytes } from 'node:crypto';
import { BasicAuth, MEDIA_TYPES, sha256Digest } from './registry-http';
import { getManifest, putManifest, uploadBlob } from './fixtures';

export const COSIGN_SIGNATURE_LAYER = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const OCI_EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest('{}'), size: 2 } as const;

export interface PushedArtifact {
  /** Digest of the artifact manifest. */
  digest: string;
  /** The tag it was written under (cosign), if any. */
  tag?: string;
  manifest: Buffer;
  mediaType: string;
  blobDigests: string[];
}

/** `sha256:abc` → `sha256-abc` */
export function digestTag(digest: string): string {
  return digest.replace(':', '-');
}

/** A cosign-style signature of `imageDigest` in `repo`: tag `sha256-<hex>.sig`. */
export async function pushCosignSignature(
  registryUrl: string,
  repo: string,
  imageDigest: string,
  opts: { auth?: BasicAuth; identity?: string } = {},
): Promise<PushedArtifact> {
  const payload = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': opts.identity ?? repo },
        image: { 'docker-manifest-digest': imageDigest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const config = Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [sha256Digest(payload)] } }));
  const payloadDigest = await uploadBlob(registryUrl, repo, payload, opts.auth);
  const configDigest = await uploadBlob(registryUrl, repo, config, opts.auth);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, size: config.length, digest: configDigest },
      layers: [
        {
          mediaType: COSIGN_SIGNATURE_LAYER,
          size: payload.length,
          digest: payloadDigest,
          annotations: { 'dev.cosignproject.cosign/signature': randomBytes(70).toString('base64') },
        },
      ],
    }),
  );
  const tag = `${digestTag(imageDigest)}.sig`;
  const digest = await putManifest(registryUrl, repo, tag, manifest, MEDIA_TYPES.ociManifest, opts.auth);
  return { digest, tag, manifest, mediaType: MEDIA_TYPES.ociManifest, blobDigests: [configDigest, payloadDigest] };
}

/**
 * An OCI 1.1 artifact whose subject is the image (by digest), and the tag schema's fallback index
 * `sha256-<hex>` listing it (merged with what the tag already lists).
 */
export async function pushReferrer(
  registryUrl: string,
  repo: string,
  subject: { digest: string; mediaType: string; size: number },
  opts: { auth?: BasicAuth; artifactType?: string; content?: string } = {},
): Promise<PushedArtifact & { fallbackTag: string; fallbackDigest: string }> {
  const artifactType = opts.artifactType ?? 'application/vnd.example.sbom.v1+json';
  const content = Buffer.from(opts.content ?? JSON.stringify({ sbom: 'imgpromo test', subject: subject.digest, nonce: randomBytes(6).toString('hex') }));
  await uploadBlob(registryUrl, repo, Buffer.from('{}'), opts.auth);
  const contentDigest = await uploadBlob(registryUrl, repo, content, opts.auth);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType,
      config: OCI_EMPTY,
      layers: [{ mediaType: artifactType, size: content.length, digest: contentDigest }],
      subject: { mediaType: subject.mediaType, size: subject.size, digest: subject.digest },
      annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
    }),
  );
  const digest = await putManifest(registryUrl, repo, sha256Digest(manifest), manifest, MEDIA_TYPES.ociManifest, opts.auth);
  const fallbackTag = digestTag(subject.digest);
  const existing = await getManifest(registryUrl, repo, fallbackTag, opts.auth);
  const index = existing
    ? (JSON.parse(existing.bytes.toString()) as { manifests: unknown[] })
    : { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] as unknown[] };
  index.manifests.push({ mediaType: MEDIA_TYPES.ociManifest, size: manifest.length, digest, artifactType });
  const fallbackDigest = await putManifest(registryUrl, repo, fallbackTag, Buffer.from(JSON.stringify(index)), MEDIA_TYPES.ociIndex, opts.auth);
  return { digest, manifest, mediaType: MEDIA_TYPES.ociManifest, blobDigests: [OCI_EMPTY.digest, contentDigest], fallbackTag, fallbackDigest };
}
