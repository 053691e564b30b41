// Plain HTTP calls to a registry's /v2/ API, written straight on Node's http (nothing shared with
// src/), used by the fixtures and by the independent digest checks.
import { createHash } from 'node:crypto';
import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface BasicAuth {
  username: string;
  password: string;
}

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** The four manifest and index types, for Accept. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(', ');

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}

export function sha256Digest(bytes: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** `http://127.0.0.1:5000` from either that or `127.0.0.1:5000`. */
export function registryBase(registry: string): string {
  const withScheme = /^https?:\/\//.test(registry) ? registry : `http://${registry}`;
  return withScheme.replace(/\/+$/, '');
}

/** One request to a registry; basic auth is sent up front when given. */
export function registryRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer; auth?: BasicAuth; timeoutMs?: number } = {},
): Promise<RegistryResponse> {
  const target = new URL(url);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth) headers.Authorization = 'Basic ' + Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64');
  if (opts.body) headers['Content-Length'] = String(opts.body.length);
  else if (opts.method === 'PUT' || opts.method === 'POST') headers['Content-Length'] = '0';
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: opts.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30000, () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Throws with the registry's answer unless status is one of `ok`. */
export function expectStatus(res: RegistryResponse, ok: number[], what: string): void {
  if (!ok.includes(res.status)) {
    throw new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 500)}`);
  }
}

/** One header value as a string. */
export function headerOf(res: RegistryResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
