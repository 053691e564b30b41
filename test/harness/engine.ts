// A minimal Docker Engine API client for tests, written straight on Node's http (no docker CLI, no
// dockerode, nothing shared with src/), so tests can check what the code under test did to an
// engine independently of it.
import { request, IncomingHttpHeaders } from 'node:http';
import type { BasicAuth } from './registry-http';

export type { BasicAuth } from './registry-http';

export interface EngineResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One JSON line of a streamed engine answer (pull, push, build…). */
export type StreamLine = Record<string, unknown> & {
  status?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { Tag?: string; Digest?: string; Size?: number };
};

export interface StreamResult {
  /** HTTP status of the response (200 even when the operation failed inside the stream). */
  status: number;
  lines: StreamLine[];
  /** The first `error`/`errorDetail.message` in the stream, or a non-200 body. */
  error?: string;
  /** The `aux.Digest` of a push, or the digest in a pull's "Digest: sha256:…" status line. */
  digest?: string;
}

export interface EngineRequestOptions {
  body?: Buffer | string | object;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Where `unix:///path/docker.sock` or `tcp://host:port` points. */
export function parseEngineHost(host: string): { socketPath?: string; hostname?: string; port?: number } {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('tcp://') || host.startsWith('http://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    return { hostname: url.hostname, port: Number(url.port || 2375) };
  }
  throw new Error(`unsupported engine address ${host} (unix:// or tcp://)`);
}

function send(
  host: string,
  method: string,
  path: string,
  opts: EngineRequestOptions,
  onResponse: (res: import('node:http').IncomingMessage) => void,
  reject: (err: Error) => void,
): void {
  const target = parseEngineHost(host);
  let payload: Buffer | undefined;
  const headers: Record<string, string> = { ...opts.headers };
  if (Buffer.isBuffer(opts.body) || typeof opts.body === 'string') {
    payload = Buffer.from(opts.body);
  } else if (opts.body !== undefined) {
    payload = Buffer.from(JSON.stringify(opts.body));
    headers['Content-Type'] ??= 'application/json';
  }
  if (payload) headers['Content-Length'] = String(payload.length);
  const req = request({ ...target, host: target.hostname, method, path, headers: { Host: 'docker', ...headers } }, onResponse);
  req.setTimeout(opts.timeoutMs ?? 60000, () => req.destroy(new Error(`engine ${method} ${path} timed out`)));
  req.on('error', reject);
  req.end(payload);
}

/** One request; the whole body is buffered. */
export function engineRequest(host: string, method: string, path: string, opts: EngineRequestOptions = {}): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    send(
      host,
      method,
      path,
      opts,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
      reject,
    );
  });
}

/** True when the engine answers `GET /_ping` with OK. */
export async function enginePing(host: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await engineRequest(host, 'GET', '/_ping', { timeoutMs });
    return res.status === 200 && res.body.toString().trim() === 'OK';
  } catch {
    return false;
  }
}

/** Reads a streamed JSON-lines answer to its very end. */
export function engineStream(host: string, method: string, path: string, opts: EngineRequestOptions = {}): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    send(
      host,
      method,
      path,
      { timeoutMs: 300000, ...opts },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          const result: StreamResult = { status, lines: [] };
          if (status !== 200) {
            let message = text.trim();
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? message;
            } catch {
              /* plain text */
            }
            result.error = `HTTP ${status}: ${message}`;
            resolve(result);
            return;
          }
          for (const raw of text.split(/\r?\n/)) {
            const line = raw.trim();
            if (!line) continue;
            let parsed: StreamLine;
            try {
              parsed = JSON.parse(line) as StreamLine;
            } catch {
              parsed = { unparsed: line };
            }
            result.lines.push(parsed);
            const error = parsed.error ?? parsed.errorDetail?.message;
            if (error !== undefined && result.error === undefined) result.error = String(error);
            if (parsed.aux?.Digest) result.digest = parsed.aux.Digest;
            const m = typeof parsed.status === 'string' ? /^Digest: (sha256:[0-9a-f]{64})/.exec(parsed.status) : null;
            if (m && !result.digest) result.digest = m[1];
          }
          resolve(result);
        });
      },
      reject,
    );
  });
}

/** The X-Registry-Auth header value: URL-safe base64 (with padding, as the engine decodes it) of the auth JSON. */
export function registryAuthHeader(auth?: BasicAuth & { serveraddress?: string }): string {
  const json = JSON.stringify(auth ? { username: auth.username, password: auth.password, serveraddress: auth.serveraddress ?? '' } : {});
  return Buffer.from(json).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Splits `host:port/repo:tag` / `host:port/repo@sha256:…` into name and tag-or-digest. */
export function splitReference(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { name: ref.slice(0, at), digest: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref };
}

/** An image name or reference as a URL path segment ('/' kept, the engine's router expects it raw). */
function pathName(ref: string): string {
  return ref.split('/').map(encodeURIComponent).join('/');
}

/** `POST /images/create?fromImage=ref` read to its end; throws on an error status or error line. */
export async function enginePull(host: string, ref: string, auth?: BasicAuth): Promise<StreamResult> {
  const result = await engineStream(host, 'POST', `/images/create?fromImage=${encodeURIComponent(ref)}`, {
    headers: { 'X-Registry-Auth': registryAuthHeader(auth) },
  });
  if (result.error !== undefined) throw new Error(`engine pull ${ref} failed: ${result.error}`);
  return result;
}

/**
 * `POST /images/{name}/push?tag=…` read to its end. Does NOT throw on an error line: the result's
 * `status` (usually 200) and `error` let a test see exactly how the engine reported a failure.
 */
export async function enginePush(host: string, ref: string, auth?: BasicAuth): Promise<StreamResult> {
  const { name, tag } = splitReference(ref);
  const query = tag ? `?tag=${encodeURIComponent(tag)}` : '';
  return engineStream(host, 'POST', `/images/${pathName(name)}/push${query}`, {
    headers: { 'X-Registry-Auth': registryAuthHeader(auth) },
  });
}

/** `POST /images/{source}/tag?repo=…&tag=…`. */
export async function engineTag(host: string, source: string, target: string): Promise<void> {
  const { name, tag } = splitReference(target);
  const res = await engineRequest(host, 'POST', `/images/${pathName(source)}/tag?repo=${encodeURIComponent(name)}&tag=${encodeURIComponent(tag ?? 'latest')}`);
  if (res.status !== 201) throw new Error(`engine tag ${source} ${target}: HTTP ${res.status} ${res.body.toString()}`);
}

/** `GET /images/{ref}/json`, or undefined when the engine has no such image. */
export async function engineInspectImage(host: string, ref: string): Promise<Record<string, unknown> | undefined> {
  const res = await engineRequest(host, 'GET', `/images/${pathName(ref)}/json`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`engine inspect ${ref}: HTTP ${res.status} ${res.body.toString()}`);
  return JSON.parse(res.body.toString()) as Record<string, unknown>;
}

/** `DELETE /images/{ref}`; a missing image is not an error. */
export async function engineRemoveImage(host: string, ref: string, force = true): Promise<void> {
  const res = await engineRequest(host, 'DELETE', `/images/${pathName(ref)}?force=${force}`);
  if (res.status !== 200 && res.status !== 404) throw new Error(`engine rmi ${ref}: HTTP ${res.status} ${res.body.toString()}`);
}

/** `GET /distribution/{ref}/json` (the registry digest and platforms, seen through the engine). */
export async function engineDistribution(host: string, ref: string, auth?: BasicAuth): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await engineRequest(host, 'GET', `/distribution/${pathName(ref)}/json`, {
    headers: { 'X-Registry-Auth': registryAuthHeader(auth) },
  });
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body.toString()) as Record<string, unknown>;
  } catch {
    body = { message: res.body.toString() };
  }
  return { status: res.status, body };
}
