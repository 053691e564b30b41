// Images for the benchmark: one layer of a given size uploaded once per repository, and as many
// distinct images on it as there are rounds (each round promotes a digest the target never held).
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MEDIA_TYPES, putManifest, sha256Digest, uploadBlob } from '../harness';
import { makeTar } from '../harness/tar';

export interface Layer {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly diffId: string;
}

/** A layer of about `size` bytes of random content (it does not compress, like real binaries). */
export function makeLayer(size: number): Layer {
  const tar = makeTar({ 'payload.bin': randomBytes(size) }, { mtime: 1_767_225_600 });
  const bytes = gzipSync(tar, { level: 1 });
  return { bytes, digest: sha256Digest(bytes), diffId: sha256Digest(tar) };
}

/** Uploads the layer (once) and an image on it whose config is unique: a digest of its own. */
export async function imageOn(registryUrl: string, repo: string, tag: string, layer: Layer, created: string): Promise<string> {
  await uploadBlob(registryUrl, repo, layer.bytes);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created,
      config: { Env: ['PATH=/usr/bin:/bin'], Labels: { 'bench.nonce': randomBytes(6).toString('hex') } },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, created_by: 'imgpromo bench' }],
    }),
  );
  const configDigest = await uploadBlob(registryUrl, repo, config);
  const manifest = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.dockerManifest,
        config: { mediaType: MEDIA_TYPES.dockerConfig, size: config.length, digest: configDigest },
        layers: [{ mediaType: MEDIA_TYPES.dockerLayerGzip, size: layer.bytes.length, digest: layer.digest }],
      },
      null,
      3,
    ), // as the engine writes it: a pushed Docker image comes back with the same digest
  );
  return putManifest(registryUrl, repo, tag, manifest, MEDIA_TYPES.dockerManifest);
}
