// http gates against a real HTTP server on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonPathProblem, lookupJsonPath, parseJsonPath } from '../../src/config/jsonPath';
import type { EnvironmentConfig, HttpGateConfig } from '../../src/config/types';
import { isCancelled } from '../../src/core/errors';
import { silentLogger, type Logger } from '../../src/core/log';
import { parseRepository } from '../../src/core/reference';
import type { GateContext } from '../../src/gates/gate';
import { HTTP_UNTRUSTED_METHOD_REASON, HTTP_UNTRUSTED_REASON, runHttpGate } from '../../src/gates/httpGate';
import { runConfiguredGates } from '../../src/gates/runGates';
import { REVISION_LABEL, type ImageDetails } from '../../src/images/imageDetails';

const DIGEST = `sha256:${'e'.repeat(64)}`;
const REVISION = '3f9c2ab4d5e6f708192a3b4c5d6e7f8091a2b3c4';
const TOKEN_VAR = 'IMGPROMO_TEST_TOKEN';
const TOKEN = 's3cr3t-t0ken-value';
const target: EnvironmentConfig = {
  name: 'production',
  tag: 'prod',
  image: 'registry.example.com/app',
  repository: parseRepository('registry.example.com/app'),
  protected: false,
  gates: [],
};

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly at: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, count: number) => void;

/** A server on a free port of 127.0.0.1 whose answers each test sets. */
class TestServer {
  readonly seen: Seen[] = [];
  handler: Handler = (_req, res) => res.end('ok');
  private server!: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() });
      this.handler(req, res, this.seen.length);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function reply(status: number, body: string, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  };
}

function image(labels: Record<string, string>): ImageDetails {
  return {
    digest: DIGEST,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    isIndex: true,
    platforms: ['linux/amd64'],
    labels,
    ...(labels[REVISION_LABEL] ? { revision: labels[REVISION_LABEL] } : {}),
  };
}

describe('http gates (real HTTP server)', () => {
  const server = new TestServer();
  const logged: string[] = [];
  const log: Logger = { ...silentLogger, info: (m: string) => void logged.push(m) };

  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => {
    server.seen.length = 0;
    server.handler = reply(200, 'ok');
    logged.length = 0;
    process.env[TOKEN_VAR] = TOKEN;
  });
  afterEach(() => delete process.env[TOKEN_VAR]);

  const gate = (path: string, extra: Partial<HttpGateConfig> = {}): HttpGateConfig => ({
    type: 'http',
    name: 'service',
    url: `${server.origin}${path}`,
    method: 'GET',
    headers: {},
    expectStatus: [200],
    timeoutSeconds: 5,
    retries: 0,
    retryDelaySeconds: 0.05,
    ...extra,
  });
  const ctx = (extra: Partial<GateContext> = {}): GateContext => ({
    sourceDigest: DIGEST,
    sourceImage: 'registry.example.com/app',
    sourceEnvironment: 'staging',
    target,
    workspaceDir: undefined,
    trusted: true,
    log,
    image: async () => image({ [REVISION_LABEL]: REVISION }),
    ...extra,
  });

  describe('status', () => {
    it('passes on the expected status, saying what was asked and answered', async () => {
      const result = await runHttpGate(gate('/healthz'), ctx());
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(result.reason, `GET ${server.origin}/healthz: answered 200 OK`);
      assert.equal(server.seen.length, 1);
      assert.equal(server.seen[0]!.url, '/healthz');
    });

    it('fails on another status with the status, the expectation and a short excerpt of the body', async () => {
      server.handler = reply(500, `database   down\n${'x'.repeat(500)}`);
      const result = await runHttpGate(gate('/healthz'), ctx());
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /: answered 500 Internal Server Error, expected 200; body: database down x+…$/);
      assert.ok(result.reason.length < 250, 'the excerpt is short');
      assert.ok(result.details?.some((d) => d.startsWith('body: database down')));
    });

    it("a release: ${digest:<name>} is that image's digest, ${digest} the first image's; a name it lacks fails without a request", async () => {
      const WORKER = `sha256:${'7'.repeat(64)}`;
      const components = [
        { name: 'api', digest: DIGEST, sourceImage: 'registry.example.com/api', repository: parseRepository('registry.example.com/api') },
        { name: 'worker', digest: WORKER, sourceImage: 'registry.example.com/worker', repository: parseRepository('registry.example.com/worker') },
      ];
      const result = await runHttpGate(gate('/check/${digest}/${digest:worker}'), ctx({ components }));
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(server.seen[0]!.url, `/check/${DIGEST}/${WORKER}`);
      const unknown = await runHttpGate(gate('/check/${digest:web}'), ctx({ components }));
      assert.equal(unknown.status, 'failed');
      assert.match(unknown.reason, /\$\{digest:web\} in url: the release has no image named web \(its images: api, worker\)/);
      assert.equal(server.seen.length, 1, 'no request for the gate that could not be filled in');
    });

    it('accepts any status of a list, and other methods', async () => {
      server.handler = reply(204, '');
      const result = await runHttpGate(gate('/ready', { method: 'HEAD', expectStatus: [200, 204] }), ctx());
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(server.seen[0]!.method, 'HEAD');
    });

    it('reports a refused connection', async () => {
      const closed = new TestServer();
      await closed.start();
      const origin = closed.origin;
      await closed.stop();
      const result = await runHttpGate({ ...gate('/'), url: `${origin}/healthz` }, ctx());
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /refused the connection/);
    });

    it('follows a redirect within the origin, and not one to another origin', async () => {
      const other = new TestServer();
      await other.start();
      try {
        server.handler = (req, res) => {
          if (req.url === '/old') res.writeHead(301, { location: '/new' }).end();
          else if (req.url === '/away') res.writeHead(302, { location: `${other.origin}/new` }).end();
          else res.end('ok');
        };
        const same = await runHttpGate(gate('/old', { headers: { Authorization: `Bearer \${env:${TOKEN_VAR}}` } }), ctx());
        assert.equal(same.status, 'passed', same.reason);
        assert.deepEqual(
          server.seen.map((s) => s.url),
          ['/old', '/new'],
        );
        const away = await runHttpGate(gate('/away', { headers: { Authorization: `Bearer \${env:${TOKEN_VAR}}` } }), ctx());
        assert.equal(away.status, 'failed');
        assert.match(away.reason, /answered 302 Found, a redirect to http:\/\/127\.0\.0\.1:\d+, which is not followed because it is another origin/);
        assert.equal(other.seen.length, 0, 'the secret header never reaches the other origin');
      } finally {
        await other.stop();
      }
    });
  });

  describe('body checks', () => {
    it('contains: passes and fails, with placeholders expanded', async () => {
      server.handler = reply(200, `running ${DIGEST} in production`);
      assert.equal((await runHttpGate(gate('/version', { body: { contains: '${digest} in ${environment}' } }), ctx())).status, 'passed');
      const result = await runHttpGate(gate('/version', { body: { contains: 'healthy' } }), ctx());
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /answered 200 OK but the body does not contain "healthy"; body: running sha256:e+/);
    });

    it('regex: passes and fails', async () => {
      server.handler = reply(200, '{"status": "healthy"}');
      assert.equal((await runHttpGate(gate('/h', { body: { regex: '"status"\\s*:\\s*"(ok|healthy)"' } }), ctx())).status, 'passed');
      const result = await runHttpGate(gate('/h', { body: { regex: '^ok$' } }), ctx());
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /but the body does not match \/\^ok\$\//);
    });

    it('jsonPath equal to the source digest', async () => {
      server.handler = reply(200, JSON.stringify({ image: { digests: [DIGEST] } }), { 'content-type': 'application/json' });
      const result = await runHttpGate(gate('/version', { body: { jsonPath: '$.image.digests[0]', equals: '${digest}' } }), ctx());
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(result.reason, `GET ${server.origin}/version: answered 200 OK and $.image.digests[0] is "${DIGEST}"`);
    });

    it('jsonPath equal to the image revision label, and the report when the service runs something else', async () => {
      server.handler = reply(200, JSON.stringify({ commit: REVISION }));
      const good = await runHttpGate(gate('/version', { body: { jsonPath: '$.commit', equals: '${revision}' } }), ctx());
      assert.equal(good.status, 'passed', good.reason);
      server.handler = reply(200, JSON.stringify({ commit: 'abc1234', version: 7 }));
      const bad = await runHttpGate(gate('/version', { body: { jsonPath: '$.commit', equals: '${revision}' } }), ctx());
      assert.equal(bad.status, 'failed');
      assert.match(bad.reason, new RegExp(`but \\$\\.commit is "abc1234", expected "${REVISION}"`));
      const numeric = await runHttpGate(gate('/version', { body: { jsonPath: '$.version', equals: '7' } }), ctx());
      assert.equal(numeric.status, 'passed', 'numbers compare as written in JSON');
    });

    it('jsonPath: a missing key and a body that is not JSON', async () => {
      server.handler = reply(200, JSON.stringify({ build: {} }));
      const missing = await runHttpGate(gate('/version', { body: { jsonPath: '$.build.commit', equals: '${revision}' } }), ctx());
      assert.equal(missing.status, 'failed');
      assert.match(missing.reason, /but the JSON body has no \$\.build\.commit/);
      server.handler = reply(200, '<html>hello</html>');
      const html = await runHttpGate(gate('/version', { body: { jsonPath: '$.commit', equals: '${revision}' } }), ctx());
      assert.match(html.reason, /the body is not JSON, so \$\.commit cannot be read/);
    });

    it('fails without a request when ${revision} is used and the image has no revision label', async () => {
      const result = await runHttpGate(gate('/version', { body: { jsonPath: '$.commit', equals: '${revision}' } }), ctx({ image: async () => image({}) }));
      assert.equal(result.status, 'failed');
      assert.match(result.reason, new RegExp(`the image has no ${REVISION_LABEL.replace(/\./g, '\\.')} label, which \\$\\{revision\\} in body\\.equals needs`));
      assert.equal(server.seen.length, 0);
    });
  });

  describe('placeholders and secrets', () => {
    it('expands placeholders in the url', async () => {
      const result = await runHttpGate(gate('/images/${digest}?env=${environment}&tag=${tag}&rev=${revision}'), ctx());
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(server.seen[0]!.url, `/images/${DIGEST}?env=production&tag=prod&rev=${REVISION}`);
    });

    it('sends header values read from ${env:NAME}, and never shows them', async () => {
      server.handler = (req, res) => {
        res.writeHead(401);
        res.end(`rejected: ${req.headers.authorization}`);
      };
      const result = await runHttpGate(gate('/private', { headers: { Authorization: `Bearer \${env:${TOKEN_VAR}}`, 'X-Env': '${environment}' } }), ctx());
      assert.equal(server.seen[0]!.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(server.seen[0]!.headers['x-env'], 'production');
      assert.equal(result.status, 'failed');
      const shown = [result.reason, ...(result.details ?? []), ...logged].join('\n');
      assert.ok(!shown.includes(TOKEN), shown);
      assert.match(result.reason, /answered 401 Unauthorized, expected 200; body: rejected: Bearer \*\*\*/);
    });

    it('fails clearly, without a request, when the variable is not set', async () => {
      delete process.env[TOKEN_VAR];
      const result = await runHttpGate(gate('/private', { headers: { Authorization: `Bearer \${env:${TOKEN_VAR}}` } }), ctx());
      assert.equal(result.status, 'failed');
      assert.equal(
        result.reason,
        `the environment variable ${TOKEN_VAR} (used in headers.Authorization) is not set or empty; set it where VS Code is started from, restart VS Code, then promote again`,
      );
      assert.equal(server.seen.length, 0);
    });

    it('shows ${env:NAME} rather than its value when the url reads a variable', async () => {
      process.env.IMGPROMO_TEST_ORIGIN = server.origin;
      try {
        server.handler = reply(503, 'starting');
        const result = await runHttpGate({ ...gate('/'), url: '${env:IMGPROMO_TEST_ORIGIN}/healthz' }, ctx());
        assert.equal(result.status, 'failed');
        assert.ok(result.reason.startsWith('GET ${env:IMGPROMO_TEST_ORIGIN}/healthz: answered 503'), result.reason);
      } finally {
        delete process.env.IMGPROMO_TEST_ORIGIN;
      }
    });

    it('in an untrusted workspace, refuses gates with secret headers saying how to trust the folder, and runs the others', async () => {
      const secret = gate('/private', { name: 'private', headers: { Authorization: `Bearer \${env:${TOKEN_VAR}}` } });
      const open = gate('/healthz', { name: 'public' });
      const results = await runConfiguredGates([secret, open], ctx({ trusted: false }));
      assert.deepEqual(
        results.map((r) => [r.name, r.status]),
        [
          ['private', 'failed'],
          ['public', 'passed'],
        ],
      );
      assert.equal(results[0]!.reason, HTTP_UNTRUSTED_REASON);
      assert.match(
        HTTP_UNTRUSTED_REASON,
        /only in a trusted workspace; this folder is in Restricted Mode\. Trust it with "Workspaces: Manage Workspace Trust"/,
      );
      assert.deepEqual(
        server.seen.map((s) => s.url),
        ['/healthz'],
      );
    });

    it('in an untrusted workspace, sends only GET and HEAD: a cloned config cannot POST from this machine', async () => {
      const methods = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
      const results = await runConfiguredGates(
        [
          ...methods.map((method) => gate('/change', { name: method, method })),
          gate('/healthz', { name: 'GET' }),
          gate('/healthz', { name: 'HEAD', method: 'HEAD' }),
        ],
        ctx({ trusted: false }),
      );
      assert.deepEqual(
        results.map((r) => [r.name, r.status]),
        [...methods.map((m) => [m, 'failed']), ['GET', 'passed'], ['HEAD', 'passed']],
      );
      for (const r of results.slice(0, methods.length)) assert.equal(r.reason, HTTP_UNTRUSTED_METHOD_REASON);
      assert.match(HTTP_UNTRUSTED_METHOD_REASON, /other than GET or HEAD run only in a trusted workspace.*Manage Workspace Trust/);
      assert.deepEqual(server.seen.map((s) => s.method).sort(), ['GET', 'HEAD']);
    });

    it('in a trusted workspace, sends the other methods', async () => {
      const result = await runHttpGate(gate('/change', { method: 'POST' }), ctx());
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(server.seen[0]!.method, 'POST');
    });

    it('treats a secret header name as secret in an untrusted workspace even without a variable', async () => {
      const result = await runHttpGate(gate('/x', { headers: { 'X-Api-Key': '${tag}' } }), ctx({ trusted: false }));
      assert.equal(result.status, 'failed');
      assert.equal(server.seen.length, 0);
    });
  });

  describe('retries, timeouts and cancellation', () => {
    it('retries with doubling delays while the service answers 503, then passes', async () => {
      server.handler = (_req, res, count) =>
        count <= 2 ? reply(503, 'starting')(_req, res, count) : reply(200, JSON.stringify({ commit: REVISION }))(_req, res, count);
      const result = await runHttpGate(gate('/version', { retries: 4, retryDelaySeconds: 0.1, body: { jsonPath: '$.commit', equals: '${revision}' } }), ctx());
      assert.equal(result.status, 'passed', result.reason);
      assert.match(result.reason, /answered 200 OK and \$\.commit is ".*" \(attempt 3 of 5, after [\d.]+ s\)/);
      assert.equal(server.seen.length, 3);
      const [a, b, c] = server.seen.map((s) => s.at) as [number, number, number];
      assert.ok(b - a >= 90, `first wait ${b - a} ms`);
      assert.ok(c - b >= 190, `second wait ${c - b} ms, doubled`);
      assert.deepEqual(result.details?.slice(0, 2), [
        'attempt 1 of 5: answered 503 Service Unavailable, expected 200',
        'attempt 2 of 5: answered 503 Service Unavailable, expected 200',
      ]);
    });

    it('gives up after the last retry with every attempt in the details', async () => {
      server.handler = reply(503, 'still starting');
      const result = await runHttpGate(gate('/healthz', { retries: 2 }), ctx());
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /answered 503 Service Unavailable, expected 200 \(attempt 3 of 3, after [\d.]+ s\); body: still starting/);
      assert.equal(server.seen.length, 3);
      assert.equal(result.details?.filter((d) => d.startsWith('attempt ')).length, 3);
    });

    it('retries when the body check fails (the old version still answering)', async () => {
      server.handler = (_req, res, count) => res.end(JSON.stringify({ commit: count < 2 ? 'old' : REVISION }));
      const result = await runHttpGate(gate('/version', { retries: 2, body: { jsonPath: '$.commit', equals: '${revision}' } }), ctx());
      assert.equal(result.status, 'passed', result.reason);
      assert.equal(server.seen.length, 2);
    });

    it('stops an attempt at its timeout', async () => {
      server.handler = () => undefined; // never answers
      const started = Date.now();
      const result = await runHttpGate(gate('/slow', { timeoutSeconds: 0.3 }), ctx());
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /no answer within 0\.3 s/);
      assert.ok(Date.now() - started < 3000);
    });

    it('also times out a body that trickles', async () => {
      server.handler = (_req, res) => {
        res.writeHead(200);
        res.write('{"commit": "');
      };
      const result = await runHttpGate(gate('/slow', { timeoutSeconds: 0.3, body: { contains: 'x' } }), ctx());
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /no answer within 0\.3 s/);
    });

    it('is cancelled with the promotion, also while waiting to retry', async () => {
      server.handler = reply(503, 'starting');
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 150);
      const started = Date.now();
      await assert.rejects(runHttpGate(gate('/healthz', { retries: 5, retryDelaySeconds: 10 }), ctx({ signal: abort.signal })), (e: unknown) => isCancelled(e));
      assert.ok(Date.now() - started < 2000);
    });

    it('is cancelled during a request', async () => {
      server.handler = () => undefined;
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 100);
      await assert.rejects(runHttpGate(gate('/slow'), ctx({ signal: abort.signal })), (e: unknown) => isCancelled(e));
    });
  });
});

describe('JSON paths of http gates', () => {
  const doc = { version: '1.2.3', build: { commit: REVISION }, items: [{ 'image.digest': DIGEST }], count: 0 };

  it('reads dotted names, indices and quoted names', () => {
    assert.deepEqual(parseJsonPath(`$.items[0]['image.digest']`), ['items', 0, 'image.digest']);
    assert.deepEqual(lookupJsonPath(doc, parseJsonPath('$.build.commit')), { found: true, value: REVISION });
    assert.deepEqual(lookupJsonPath(doc, parseJsonPath(`$.items[0]["image.digest"]`)), { found: true, value: DIGEST });
    assert.deepEqual(lookupJsonPath(doc, parseJsonPath('$.count')), { found: true, value: 0 });
    assert.deepEqual(lookupJsonPath(doc, parseJsonPath('$')), { found: true, value: doc });
  });

  it('names the first step that is not there', () => {
    assert.deepEqual(lookupJsonPath(doc, parseJsonPath('$.build.tag.name')), { found: false, missing: '$.build.tag' });
    assert.deepEqual(lookupJsonPath(doc, parseJsonPath('$.items[3]')), { found: false, missing: '$.items[3]' });
    assert.deepEqual(lookupJsonPath(doc, parseJsonPath('$.version[0]')), { found: false, missing: '$.version[0]' });
    assert.deepEqual(lookupJsonPath(doc, parseJsonPath('$.toString')), { found: false, missing: '$.toString' }, 'no inherited properties');
  });

  it('refuses what it does not support, saying where', () => {
    assert.match(jsonPathProblem('version') ?? '', /starts with "\$"/);
    assert.match(jsonPathProblem('$..version') ?? '', /at character 2: wildcards and recursive descent are not supported/);
    assert.match(jsonPathProblem('$.items[?(@.a)]') ?? '', /filters are not supported/);
    assert.match(jsonPathProblem('$.items[-1]') ?? '', /an index is a whole number from 0/);
    assert.equal(jsonPathProblem('$.a_b.c-d[10]'), undefined);
  });
});
