// An in-process fake registry (a small node:http server) for protocol faults a real registry will
// not produce: hostile or broken answers. It serves a minimal Distribution API from memory
// (manifests by tag and digest, blobs, uploads, tag lists; go-containerregistry's pkg/registry is
// the model) and lets a test take over any request with `intercept`. It records every request
// (method, path, whether it carried Authorization) and counts TCP connections.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { registerResource } from './cleanup';

export interface FakeRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly authorization: string | undefined;
  readonly headers: IncomingMessage['headers'];
}

/** Answer the request yourself and return true; false lets the fake registry answer it. */
export type Intercept = (req: IncomingMessage, res: ServerResponse, fake: FakeRegistry) => boolean | Promise<boolean>;

export interface StoredManifest {
  readonly mediaType: string;
  readonly bytes: Buffer;
}

export interface FakeRegistry {
  /** `127.0.0.1:PORT` (loopback: the client speaks plain http to it). */
  readonly host: string;
  readonly url: string;
  readonly port: number;
  readonly requests: FakeRequest[];
  /** TCP connections accepted so far. */
  connections: number;
  /** By repository, reference (tag or digest). */
  readonly manifests: Map<string, Map<string, StoredManifest>>;
  readonly blobs: Map<string, Buffer>;
  intercept: Intercept | undefined;
  /** Stores a manifest under its digest and the tag; returns the digest. */
  putManifest(repo: string, tag: string | undefined, manifest: StoredManifest): string;
  stop(): Promise<void>;
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Reads a request body whole (the fake registry's own uploads are small). */
export async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeRegistry(options: { intercept?: Intercept } = {}): Promise<FakeRegistry> {
  const sockets = new Set<Socket>();
  const uploads = new Map<string, Buffer[]>();
  const fake: FakeRegistry = {
    host: '',
    url: '',
    port: 0,
    requests: [],
    connections: 0,
    manifests: new Map(),
    blobs: new Map(),
    intercept: options.intercept,
    putManifest(repo, tag, manifest) {
      const digest = sha256(manifest.bytes);
      const refs = fake.manifests.get(repo) ?? new Map<string, StoredManifest>();
      refs.set(digest, manifest);
      if (tag) refs.set(tag, manifest);
      fake.manifests.set(repo, refs);
      return digest;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      unregister();
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    fake.requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization, headers: req.headers });
    if (fake.intercept && (await fake.intercept(req, res, fake))) return;
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    if (path === '/v2/' || path === '/v2') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m) {
      const [, repo, ref] = m as unknown as [string, string, string];
      if (req.method === 'PUT') {
        const bytes = await bodyOf(req);
        const digest = fake.putManifest(repo, ref.includes(':') ? undefined : ref, { mediaType: req.headers['content-type'] ?? '', bytes });
        return void res.writeHead(201, { 'Docker-Content-Digest': digest, Location: `/v2/${repo}/manifests/${digest}` }).end();
      }
      const found = fake.manifests.get(repo)?.get(ref);
      if (!found)
        return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      const headers = { 'Content-Type': found.mediaType, 'Content-Length': String(found.bytes.length), 'Docker-Content-Digest': sha256(found.bytes) };
      return void res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : found.bytes);
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path);
    if (m) {
      const [, repo, id] = m as unknown as [string, string, string];
      if (req.method === 'POST') {
        const uuid = randomUUID();
        uploads.set(uuid, []);
        await bodyOf(req);
        return void res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${uuid}`, 'Content-Length': '0' }).end();
      }
      const parts = uploads.get(id);
      if (!parts) return void res.writeHead(404).end();
      parts.push(await bodyOf(req));
      if (req.method === 'PATCH') return void res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${id}`, 'Content-Length': '0' }).end();
      if (req.method === 'DELETE') {
        uploads.delete(id);
        return void res.writeHead(204).end();
      }
      const digest = url.searchParams.get('digest') ?? '';
      const bytes = Buffer.concat(parts);
      if (sha256(bytes) !== digest) return void res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"DIGEST_INVALID"}]}');
      fake.blobs.set(digest, bytes);
      uploads.delete(id);
      return void res.writeHead(201, { 'Docker-Content-Digest': digest, Location: `/v2/${repo}/blobs/${digest}`, 'Content-Length': '0' }).end();
    }
    m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    if (m) {
      const blob = fake.blobs.get(m[2]!);
      if (!blob) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'Content-Length': String(blob.length), 'Docker-Content-Digest': m[2]! }).end(req.method === 'HEAD' ? undefined : blob);
    }
    m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (m) {
      const refs = fake.manifests.get(m[1]!);
      if (!refs) return void res.writeHead(404).end();
      return void res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ name: m[1], tags: [...refs.keys()].filter((r) => !r.includes(':')).sort() }));
    }
    // Like Distribution 2.8: no referrers API.
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    fake.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  Object.assign(fake, { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, port });
  const unregister = registerResource(
    `fake registry :${port}`,
    () => fake.stop(),
    () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  );
  return fake;
}

/** A second server that only records what reaches it (to prove credentials never do). */
export async function startRecorder(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(404).end(),
): Promise<FakeRegistry> {
  return startFakeRegistry({
    intercept: (req, res) => {
      answer(req, res);
      return true;
    },
  });
}
