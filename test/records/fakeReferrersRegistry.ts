// An in-process registry that has the OCI referrers API (Distribution 2.8 in the harness has not):
// it indexes a PUT manifest's `subject` and answers `OCI-Subject`, and lists referrers at
// `GET /v2/<name>/referrers/<digest>`. Just enough of the Distribution API for the records path:
// blobs (HEAD, GET, POST+PUT monolithic upload), manifests (HEAD, GET, PUT by tag or digest), the
// tag list (one page). `referrersApi = false` turns it into a registry without the API (404, no
// OCI-Subject), as one that lost it; turned back on, one that gained it.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

interface StoredManifest {
  readonly mediaType: string;
  readonly bytes: Buffer;
}

export interface FakeReferrersRegistry {
  /** `127.0.0.1:PORT` (loopback: the client speaks plain HTTP to it). */
  readonly host: string;
  /** Every request as `METHOD path`, in order. */
  readonly requests: string[];
  /** Whether it has the referrers API now (default true). */
  referrersApi: boolean;
  /** Tags per repository. */
  tags(repo: string): Map<string, string>;
  putBlob(repo: string, bytes: Buffer): string;
  putManifest(repo: string, reference: string, mediaType: string, bytes: Buffer): string;
  close(): Promise<void>;
}

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export async function startFakeReferrersRegistry(): Promise<FakeReferrersRegistry> {
  const blobs = new Map<string, Map<string, Buffer>>();
  const manifests = new Map<string, Map<string, StoredManifest>>();
  const tags = new Map<string, Map<string, string>>();
  const uploads = new Map<string, string>();
  const requests: string[] = [];
  const of = <T>(map: Map<string, Map<string, T>>, repo: string): Map<string, T> => map.get(repo) ?? map.set(repo, new Map()).get(repo)!;

  const storeManifest = (repo: string, reference: string, mediaType: string, bytes: Buffer): string => {
    const digest = sha256(bytes);
    of(manifests, repo).set(digest, { mediaType, bytes });
    if (!reference.startsWith('sha256:')) of(tags, repo).set(reference, digest);
    return digest;
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push(`${req.method} ${url.pathname}`);
      const send = (status: number, headers: Record<string, string> = {}, content?: Buffer): void => {
        res.writeHead(status, { ...headers, ...(content ? { 'Content-Length': String(content.length) } : { 'Content-Length': '0' }) });
        res.end(req.method === 'HEAD' ? undefined : content);
      };
      if (url.pathname === '/v2/' || url.pathname === '/v2') return send(200);
      const tagList = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
      if (tagList)
        return send(200, { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ name: tagList[1], tags: [...of(tags, tagList[1]!).keys()] })));
      const m = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/(.+)$/.exec(url.pathname);
      const u = /^\/v2\/(.+)\/blobs\/uploads\/(.*)$/.exec(url.pathname);
      if (u) {
        const repo = u[1]!;
        if (req.method === 'POST') {
          const id = randomUUID();
          uploads.set(id, repo);
          return send(202, { Location: `/v2/${repo}/blobs/uploads/${id}` });
        }
        if (req.method === 'PUT' && uploads.get(u[2]!) === repo) {
          const digest = url.searchParams.get('digest') ?? '';
          if (sha256(body) !== digest) return send(400, { 'Content-Type': 'application/json' }, Buffer.from('{"errors":[{"code":"DIGEST_INVALID"}]}'));
          uploads.delete(u[2]!);
          of(blobs, repo).set(digest, body);
          return send(201, { 'Docker-Content-Digest': digest, Location: `/v2/${repo}/blobs/${digest}` });
        }
        if (req.method === 'DELETE') return send(204);
        return send(404);
      }
      if (!m) return send(404);
      const [, repo, kind, ref] = m as unknown as [string, string, string, string];
      if (kind === 'blobs') {
        const blob = of(blobs, repo).get(ref);
        if (!blob) return send(404);
        return send(200, { 'Docker-Content-Digest': ref, 'Content-Type': 'application/octet-stream' }, blob);
      }
      if (kind === 'referrers' && !registry.referrersApi) return send(404, { 'Content-Type': 'text/plain' }, Buffer.from('404 page not found'));
      if (kind === 'referrers') {
        const list = [...of(manifests, repo).entries()].flatMap(([digest, stored]) => {
          const json = JSON.parse(stored.bytes.toString('utf8')) as {
            subject?: { digest?: string };
            artifactType?: string;
            config?: { mediaType?: string };
            annotations?: Record<string, string>;
          };
          if (json.subject?.digest !== ref) return [];
          return [
            {
              mediaType: stored.mediaType,
              digest,
              size: stored.bytes.length,
              artifactType: json.artifactType ?? json.config?.mediaType,
              ...(json.annotations ? { annotations: json.annotations } : {}),
            },
          ];
        });
        return send(
          200,
          { 'Content-Type': 'application/vnd.oci.image.index.v1+json' },
          Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: list })),
        );
      }
      if (req.method === 'PUT') {
        const mediaType = req.headers['content-type'] ?? '';
        const json = JSON.parse(body.toString('utf8')) as { subject?: { digest?: string }; config?: { digest?: string }; layers?: { digest?: string }[] };
        for (const d of [json.config, ...(json.layers ?? [])])
          if (d?.digest && !of(blobs, repo).has(d.digest))
            return send(400, { 'Content-Type': 'application/json' }, Buffer.from('{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN"}]}'));
        const digest = storeManifest(repo, ref, mediaType, body);
        return send(201, { 'Docker-Content-Digest': digest, ...(json.subject?.digest && registry.referrersApi ? { 'OCI-Subject': json.subject.digest } : {}) });
      }
      const digest = ref.startsWith('sha256:') ? ref : of(tags, repo).get(ref);
      const stored = digest ? of(manifests, repo).get(digest) : undefined;
      if (!stored || !digest) return send(404, { 'Content-Type': 'application/json' }, Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'));
      return send(200, { 'Docker-Content-Digest': digest, 'Content-Type': stored.mediaType }, stored.bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const registry: FakeReferrersRegistry = {
    host: `127.0.0.1:${port}`,
    referrersApi: true,
    requests,
    tags: (repo) => of(tags, repo),
    putBlob: (repo, bytes) => {
      const digest = sha256(bytes);
      of(blobs, repo).set(digest, bytes);
      return digest;
    },
    putManifest: storeManifest,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return registry;
}
