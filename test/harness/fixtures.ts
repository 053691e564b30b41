// Images written straight through a registry's HTTP API — no engine, no docker CLI — so tests get
// real, pullable images fast and independently of the code under test.
//
// pushImage builds a real layer (gzip'd ustar holding the files), a config whose rootfs.diff_ids is
// the sha256 of the UNCOMPRESSED tar (the engine verifies it on pull), and a Docker schema 2 or OCI
// manifest; pushIndex writes one such image per platform, then an OCI index or Docker manifest
// list naming them. digestOf is the independent check of what a tag points at.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  BasicAuth,
  expectStatus,
  headerOf,
  isIndexMediaType,
  MANIFEST_ACCEPT,
  MEDIA_TYPES,
  registryBase,
  registryRequest,
  sha256Digest,
} from './registry-http';
import { makeTar } from './tar';

export type { BasicAuth } from './registry-http';
export { MEDIA_TYPES, MANIFEST_ACCEPT, sha256Digest } from './registry-http';
export { skopeoDigest, skopeoRaw } from './skopeo';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface PushImageOptions {
  /** Layer content: path -> text/bytes. Default: one small file unique to this push. */
  files?: Record<string, string | Buffer>;
  /** config.Labels */
  labels?: Record<string, string>;
  /** ISO date for `created` (config and history). Default: now. */
  created?: string;
  /** Default linux/amd64 (what the test engine pulls). */
  platform?: Platform;
  /** Manifest flavour: Docker schema 2 (default) or OCI. */
  mediaType?: 'docker' | 'oci';
  /** Basic auth for an htpasswd registry. */
  auth?: BasicAuth;
  /** config.Cmd / config.Env of the image. */
  cmd?: string[];
  env?: string[];
  /** Paths in `files` written executable (programs a container runs). */
  executable?: readonly string[];
  /** config.StopSignal (SIGKILL stops a container at once: `sleep` as PID 1 ignores SIGTERM). */
  stopSignal?: string;
}

export interface PushedImage {
  /** sha256 of the manifest bytes = what the registry answers in Docker-Content-Digest. */
  digest: string;
  configDigest: string;
  layerDigests: string[];
  /** sha256 of each uncompressed layer tar (config rootfs.diff_ids). */
  diffIds: string[];
  mediaType: string;
  /** The exact manifest bytes that were PUT. */
  manifest: Buffer;
  platform: Platform;
  /** `127.0.0.1:PORT/repo@sha256:…` */
  reference: string;
}

export interface PushIndexOptions {
  kind: 'oci' | 'docker';
  auth?: BasicAuth;
  created?: string;
  /** Labels for every platform image (per-platform labels add to these). */
  labels?: Record<string, string>;
}

export interface IndexPlatform extends Platform {
  files?: Record<string, string | Buffer>;
  labels?: Record<string, string>;
}

export interface PushedIndex {
  /** sha256 of the index bytes. */
  digest: string;
  mediaType: string;
  index: Buffer;
  manifests: PushedImage[];
  reference: string;
}

/** A repository name no other test uses: `t/<random>/<name>`. */
export function uniqueRepo(name = 'app', prefix = 't'): string {
  return `${prefix}/${randomBytes(5).toString('hex')}/${name}`;
}

/** `127.0.0.1:PORT` from `http://127.0.0.1:PORT`. */
function hostOf(registryUrl: string): string {
  return new URL(registryBase(registryUrl)).host;
}

/** Uploads one blob (monolithic: POST to open the upload, PUT the bytes with ?digest=). Skips blobs already there. */
export async function uploadBlob(registryUrl: string, repo: string, bytes: Buffer, auth?: BasicAuth): Promise<string> {
  const base = registryBase(registryUrl);
  const digest = sha256Digest(bytes);
  const head = await registryRequest(`${base}/v2/${repo}/blobs/${digest}`, { method: 'HEAD', auth });
  if (head.status === 200) return digest;
  const start = await registryRequest(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST', auth });
  expectStatus(start, [202], `start upload in ${repo}`);
  const location = headerOf(start, 'location');
  if (!location) throw new Error(`start upload in ${repo}: no Location header`);
  const target = new URL(location, base + '/');
  target.searchParams.set('digest', digest);
  const put = await registryRequest(target.toString(), {
    method: 'PUT',
    auth,
    body: bytes,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  expectStatus(put, [201], `upload blob ${digest} to ${repo}`);
  return digest;
}

/** PUTs manifest bytes under ref (tag or digest); returns the digest the registry reports. */
export async function putManifest(registryUrl: string, repo: string, ref: string, bytes: Buffer, mediaType: string, auth?: BasicAuth): Promise<string> {
  const res = await registryRequest(`${registryBase(registryUrl)}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    auth,
    body: bytes,
    headers: { 'Content-Type': mediaType },
  });
  expectStatus(res, [201], `put manifest ${repo}:${ref}`);
  const digest = headerOf(res, 'docker-content-digest') ?? sha256Digest(bytes);
  if (digest !== sha256Digest(bytes)) throw new Error(`registry stored ${repo}:${ref} as ${digest}, expected ${sha256Digest(bytes)}`);
  return digest;
}

/** Builds and pushes one real single-platform image; `tag` undefined pushes it by digest only. */
export async function pushImage(registryUrl: string, repo: string, tag: string | undefined, opts: PushImageOptions = {}): Promise<PushedImage> {
  const oci = opts.mediaType === 'oci';
  const platform: Platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const created = opts.created ?? new Date().toISOString();
  const files = opts.files ?? { 'hello.txt': `hello from ${repo}:${tag ?? '(digest)'} ${randomBytes(8).toString('hex')}\n` };

  const tar = makeTar(files, { mtime: Math.floor(Date.parse(created) / 1000) || 0, ...(opts.executable ? { executable: opts.executable } : {}) });
  const diffId = sha256Digest(tar);
  const layer = gzipSync(tar);
  const layerDigest = await uploadBlob(registryUrl, repo, layer, opts.auth);

  const config = {
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    created,
    author: 'imgpromo test harness',
    config: {
      Env: opts.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ...(opts.cmd ? { Cmd: opts.cmd } : {}),
      ...(opts.stopSignal ? { StopSignal: opts.stopSignal } : {}),
      Labels: opts.labels ?? {},
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: 'imgpromo test fixture: COPY files /' }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = await uploadBlob(registryUrl, repo, configBytes, opts.auth);

  const mediaType = oci ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest;
  const manifestBytes = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType,
        config: { mediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig, size: configBytes.length, digest: configDigest },
        layers: [{ mediaType: oci ? MEDIA_TYPES.ociLayerGzip : MEDIA_TYPES.dockerLayerGzip, size: layer.length, digest: layerDigest }],
      },
      null,
      3,
    ),
  );
  const digest = await putManifest(registryUrl, repo, tag ?? sha256Digest(manifestBytes), manifestBytes, mediaType, opts.auth);
  return {
    digest,
    configDigest,
    layerDigests: [layerDigest],
    diffIds: [diffId],
    mediaType,
    manifest: manifestBytes,
    platform,
    reference: `${hostOf(registryUrl)}/${repo}@${digest}`,
  };
}

/**
 * Pushes one image per platform (by digest), then an OCI index (`kind: 'oci'`) or Docker manifest
 * list (`kind: 'docker'`) listing them under `tag`.
 */
export async function pushIndex(registryUrl: string, repo: string, tag: string, platforms: IndexPlatform[], opts: PushIndexOptions): Promise<PushedIndex> {
  if (!platforms.length) throw new Error('pushIndex needs at least one platform');
  const oci = opts.kind === 'oci';
  const manifests: PushedImage[] = [];
  for (const p of platforms) {
    const platform: Platform = { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) };
    const id = `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}`;
    manifests.push(
      await pushImage(registryUrl, repo, undefined, {
        platform,
        mediaType: opts.kind,
        auth: opts.auth,
        created: opts.created,
        labels: { ...opts.labels, ...p.labels },
        files: p.files ?? { 'platform.txt': `${id} ${randomBytes(8).toString('hex')}\n` },
      }),
    );
  }
  const mediaType = oci ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerManifestList;
  const indexBytes = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType,
        manifests: manifests.map((m) => ({ mediaType: m.mediaType, size: m.manifest.length, digest: m.digest, platform: m.platform })),
      },
      null,
      3,
    ),
  );
  const digest = await putManifest(registryUrl, repo, tag, indexBytes, mediaType, opts.auth);
  return { digest, mediaType, index: indexBytes, manifests, reference: `${hostOf(registryUrl)}/${repo}@${digest}` };
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** Docker-Content-Digest (checked against the bytes). */
  digest: string;
}

/** GETs manifest bytes with the four manifest/index types accepted; undefined on 404. */
export async function getManifest(registryUrl: string, repo: string, ref: string, auth?: BasicAuth): Promise<FetchedManifest | undefined> {
  const res = await registryRequest(`${registryBase(registryUrl)}/v2/${repo}/manifests/${ref}`, { auth, headers: { Accept: MANIFEST_ACCEPT } });
  if (res.status === 404) return undefined;
  expectStatus(res, [200], `get manifest ${repo}:${ref}`);
  const digest = sha256Digest(res.body);
  const reported = headerOf(res, 'docker-content-digest');
  if (reported && reported !== digest) throw new Error(`manifest ${repo}:${ref}: Docker-Content-Digest ${reported} but bytes hash to ${digest}`);
  const mediaType = headerOf(res, 'content-type') ?? (JSON.parse(res.body.toString()) as { mediaType?: string }).mediaType ?? '';
  return { bytes: res.body, mediaType, digest };
}

/** Points `toTag` at what `fromRef` points at, registry-side (identical bytes, same digest). */
export async function tagExisting(registryUrl: string, repo: string, fromRef: string, toTag: string, auth?: BasicAuth): Promise<string> {
  const source = await getManifest(registryUrl, repo, fromRef, auth);
  if (!source) throw new Error(`tagExisting: ${repo}:${fromRef} does not exist`);
  return putManifest(registryUrl, repo, toTag, source.bytes, source.mediaType, auth);
}

/**
 * Copies an image or index (all platforms) byte-for-byte from one repository/registry to another:
 * blobs, child manifests by digest, then the top manifest under `toTag`. The digest is kept.
 */
export async function copyImage(
  from: { registryUrl: string; repo: string; ref: string; auth?: BasicAuth },
  to: { registryUrl: string; repo: string; tag: string; auth?: BasicAuth },
): Promise<string> {
  const top = await getManifest(from.registryUrl, from.repo, from.ref, from.auth);
  if (!top) throw new Error(`copyImage: ${from.repo}:${from.ref} does not exist`);
  const copyOne = async (m: FetchedManifest, ref: string): Promise<string> => {
    const parsed = JSON.parse(m.bytes.toString()) as { config?: { digest: string }; layers?: Array<{ digest: string }>; manifests?: Array<{ digest: string }> };
    if (isIndexMediaType(m.mediaType) || parsed.manifests) {
      for (const child of parsed.manifests ?? []) {
        const fetched = await getManifest(from.registryUrl, from.repo, child.digest, from.auth);
        if (!fetched) throw new Error(`copyImage: child manifest ${child.digest} missing`);
        await copyOne(fetched, child.digest);
      }
    } else {
      for (const blob of [parsed.config, ...(parsed.layers ?? [])]) {
        if (!blob) continue;
        const res = await registryRequest(`${registryBase(from.registryUrl)}/v2/${from.repo}/blobs/${blob.digest}`, { auth: from.auth });
        expectStatus(res, [200], `get blob ${blob.digest}`);
        await uploadBlob(to.registryUrl, to.repo, res.body, to.auth);
      }
    }
    return putManifest(to.registryUrl, to.repo, ref, m.bytes, m.mediaType, to.auth);
  };
  return copyOne(top, to.tag);
}

/**
 * The digest a tag (or digest) points at, from `HEAD /v2/<repo>/manifests/<ref>` with Accept listing
 * the OCI and Docker manifest and index types; undefined when the registry answers 404.
 * The INDEPENDENT check tests use.
 */
export async function digestOf(registryUrl: string, repo: string, ref: string, auth?: BasicAuth): Promise<string | undefined> {
  const res = await registryRequest(`${registryBase(registryUrl)}/v2/${repo}/manifests/${ref}`, {
    method: 'HEAD',
    auth,
    headers: { Accept: MANIFEST_ACCEPT },
  });
  if (res.status === 404) return undefined;
  expectStatus(res, [200], `HEAD manifest ${repo}:${ref}`);
  const digest = headerOf(res, 'docker-content-digest');
  if (!digest) throw new Error(`HEAD manifest ${repo}:${ref}: no Docker-Content-Digest header`);
  return digest;
}

/** The repository's tags (`GET /v2/<repo>/tags/list`); [] when the repository does not exist. */
export async function listTags(registryUrl: string, repo: string, auth?: BasicAuth): Promise<string[]> {
  const res = await registryRequest(`${registryBase(registryUrl)}/v2/${repo}/tags/list`, { auth });
  if (res.status === 404) return [];
  expectStatus(res, [200], `list tags of ${repo}`);
  return ((JSON.parse(res.body.toString()) as { tags?: string[] | null }).tags ?? []).sort();
}

/** `DELETE /v2/<repo>/manifests/<digest>` (the registry also drops every tag pointing at it). */
export async function deleteManifest(registryUrl: string, repo: string, digest: string, auth?: BasicAuth): Promise<void> {
  const res = await registryRequest(`${registryBase(registryUrl)}/v2/${repo}/manifests/${digest}`, { method: 'DELETE', auth });
  expectStatus(res, [202], `delete manifest ${repo}@${digest}`);
}
