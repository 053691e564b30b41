// The registry client against an in-process fake registry (test/harness/fakeRegistry.ts) answering
// what a real one will not: oversized bodies, wrong content types, lying digests, malformed JSON,
// 429/503/resets, redirects and Locations to other origins, foreign token realms, sha512 and
// unknown digest algorithms, referrers APIs that answer errors. Each is a hostile answer the client
// must survive with a clear error (or the right fallback) and without leaking credentials.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { PromotionError } from '../../src/core/errors';
import { parseRepository, type Repository } from '../../src/core/reference';
import { silentLogger } from '../../src/core/log';
import type { RegistryCredentials } from '../../src/credentials/credentials';
import { HttpRegistryClient, type HttpRegistryOptions } from '../../src/registry/httpRegistryClient';
import { bodyOf, sha256, startFakeRegistry, startRecorder, type FakeRegistry } from '../harness/fakeRegistry';
import { tally } from '../faults/tally';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const MiB = 1024 * 1024;

function manifestBytes(seed = 'a'): Buffer {
  const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(seed), size: 1 };
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_TYPE, config, layers: [] }));
}

function client(_fake: FakeRegistry, opts: { credentials?: RegistryCredentials; fetch?: typeof fetch } = {}): HttpRegistryClient {
  const options: HttpRegistryOptions = {
    credentials: { get: async () => opts.credentials },
    log: silentLogger,
    timeoutMs: () => 10_000,
    retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 3_000 },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };
  return new HttpRegistryClient(options);
}

/** Streams `total` bytes in 64 KiB chunks, with backpressure; stops when the client goes away. */
async function streamBytes(res: ServerResponse, total: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  for (let sent = 0; sent < total && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}

/** The largest RSS + external growth seen while `fn` runs, in MiB. */
async function peakGrowthMiB(fn: () => Promise<unknown>): Promise<number> {
  const base = process.memoryUsage();
  let peak = 0;
  const sample = (): void => {
    const now = process.memoryUsage();
    peak = Math.max(peak, now.rss - base.rss, now.heapUsed + now.external + now.arrayBuffers - (base.heapUsed + base.external + base.arrayBuffers));
  };
  const timer = setInterval(sample, 5);
  try {
    await fn();
  } finally {
    clearInterval(timer);
    sample();
  }
  return peak / MiB;
}

async function rejectsWith(promise: Promise<unknown>, kind: PromotionError['kind'], pattern: RegExp): Promise<PromotionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PromotionError, `not a PromotionError: ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, pattern);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('registry client against hostile answers (in-process fake registry)', function () {
  this.timeout(30_000);
  let fake: FakeRegistry;
  let other: FakeRegistry | undefined;
  let repo: Repository;

  beforeEach(async () => {
    fake = await startFakeRegistry();
    repo = parseRepository(`${fake.host}/team/app`);
  });
  afterEach(async () => {
    await Promise.all([fake.stop(), other?.stop()]);
    other = undefined;
  });

  describe('caps on body reads', () => {
    it('a 100 MiB manifest body (chunked, no length) is refused after 4 MiB and memory stays flat', async () => {
      tally('fault', 'registry: 100 MiB manifest body');
      fake.intercept = (req, res) => {
        if (!req.url?.includes('/manifests/')) return false;
        res.writeHead(200, { 'Content-Type': MANIFEST_TYPE });
        void streamBytes(res, 100 * MiB);
        return true;
      };
      const registry = client(fake);
      let error: unknown;
      const growth = await peakGrowthMiB(async () => {
        error = await rejectsWith(registry.getManifest(repo, 'dev'), 'protocol', /more than 4 MiB for the manifest dev/);
      });
      assert.ok(error);
      console.log(`        memory growth while a 100 MiB manifest was refused: ${growth.toFixed(1)} MiB`);
      assert.ok(growth < 50, `memory grew by ${growth.toFixed(1)} MiB while a 100 MiB body was refused`);
      await registry.close();
    });

    it('a declared Content-Length past the cap is refused before the body is read', async () => {
      tally('fault', 'registry: oversized Content-Length');
      fake.intercept = (req, res) => {
        if (!req.url?.includes('/manifests/')) return false;
        res.writeHead(200, { 'Content-Type': MANIFEST_TYPE, 'Content-Length': String(200 * MiB) });
        void streamBytes(res, 200 * MiB);
        return true;
      };
      await rejectsWith(client(fake).getManifest(repo, 'dev'), 'protocol', /more than 4 MiB/);
    });

    it('token answers, tag-list pages and error bodies are capped too', async () => {
      tally('fault', 'registry: oversized token answer');
      tally('fault', 'registry: oversized tag page');
      tally('fault', 'registry: oversized error body');
      fake.intercept = (req, res) => {
        if (req.url?.startsWith('/token')) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          void streamBytes(res, 20 * MiB);
          return true;
        }
        if (req.url?.includes('/tags/list')) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          void streamBytes(res, 50 * MiB);
          return true;
        }
        if (req.method === 'PUT') {
          res.writeHead(400, { 'Content-Type': 'application/json' });
          void streamBytes(res, 50 * MiB);
          return true;
        }
        return false;
      };
      const growth = await peakGrowthMiB(async () => {
        await rejectsWith(client(fake).listTags(repo), 'protocol', /more than 8 MiB for a page of the tag list/);
        await rejectsWith(client(fake).putManifest(repo, 'dev', { mediaType: MANIFEST_TYPE, bytes: manifestBytes() }), 'protocol', /answered 400/);
        const tokened = await startFakeRegistry({
          intercept: (req, res) => {
            if (req.url?.startsWith('/token')) return false;
            res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${fake.url}/token",service="fake"` }).end();
            return true;
          },
        });
        try {
          await rejectsWith(client(fake).resolve(parseRepository(`${tokened.host}/team/app`), 'dev'), 'protocol', /more than 256 KiB for a token answer/);
        } finally {
          await tokened.stop();
        }
      });
      assert.ok(growth < 60, `memory grew by ${growth.toFixed(1)} MiB`);
    });
  });

  describe('malformed answers', () => {
    it('malformed JSON in a token answer, a tag list and an error body gives clear errors', async () => {
      tally('bad-input', 'registry: token answer not JSON');
      tally('bad-input', 'registry: tag list not JSON');
      tally('bad-input', 'registry: error body not JSON');
      fake.intercept = (req, res) => {
        if (req.url?.startsWith('/token')) return (void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token": "abc'), true);
        if (req.url?.includes('/tags/list')) return (void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"tags": ["a", '), true);
        if (req.method === 'PUT') return (void res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"errors": [{"code": "MANIFEST_INV'), true);
        return false;
      };
      await rejectsWith(client(fake).listTags(repo), 'protocol', /tag list of .* not JSON/);
      await rejectsWith(client(fake).putManifest(repo, 'dev', { mediaType: MANIFEST_TYPE, bytes: manifestBytes() }), 'protocol', /answered 400 .*MANIFEST_INV/);
      other = await startFakeRegistry({
        intercept: (_req, res) => {
          res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${fake.url}/token"` }).end();
          return true;
        },
      });
      await rejectsWith(client(fake).resolve(parseRepository(`${other.host}/team/app`), 'dev'), 'protocol', /token service .* not JSON/);
    });

    it('a tag list whose tags are not strings is refused', async () => {
      tally('bad-input', 'registry: tag list with non-string tags');
      fake.intercept = (req, res) =>
        req.url?.includes('/tags/list') ? (res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"tags": [1, {"a": 2}]}'), true) : false;
      await rejectsWith(client(fake).listTags(repo), 'protocol', /without a list of tags/);
    });

    it('a manifest answered as text/html (a login page) is refused, by HEAD and GET', async () => {
      tally('bad-input', 'registry: manifest as text/html');
      fake.intercept = (req, res) => {
        if (!req.url?.includes('/manifests/')) return false;
        const page = Buffer.from('<html><body>Please log in</body></html>');
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(page.length), 'Docker-Content-Digest': sha256(page) });
        res.end(req.method === 'HEAD' ? undefined : page);
        return true;
      };
      await rejectsWith(client(fake).resolve(repo, 'dev'), 'protocol', /with text\/html, which is not a manifest/);
      await rejectsWith(client(fake).getManifest(repo, 'dev'), 'protocol', /with text\/html, which is not a manifest/);
    });
  });

  describe('digests come from the bytes', () => {
    it('a Docker-Content-Digest that disagrees with the manifest fetched by tag is an error', async () => {
      tally('fault', 'registry: Docker-Content-Digest disagrees with body');
      const bytes = manifestBytes();
      fake.intercept = (req, res) => {
        if (!req.url?.includes('/manifests/dev')) return false;
        res.writeHead(200, { 'Content-Type': MANIFEST_TYPE, 'Docker-Content-Digest': sha256('something else') }).end(bytes);
        return true;
      };
      await rejectsWith(
        client(fake).getManifest(repo, 'dev'),
        'protocol',
        /Docker-Content-Digest sha256:[0-9a-f]{64}, but the manifest it sent hashes to sha256:/,
      );
    });

    it('HEAD without Docker-Content-Digest falls back to GET and hashes the body', async () => {
      tally('fault', 'registry: HEAD without Docker-Content-Digest');
      const bytes = manifestBytes('head');
      fake.putManifest('team/app', 'dev', { mediaType: MANIFEST_TYPE, bytes });
      fake.intercept = (req, res) => {
        if (!req.url?.includes('/manifests/dev')) return false;
        res.writeHead(200, { 'Content-Type': MANIFEST_TYPE, 'Content-Length': String(bytes.length) }).end(req.method === 'HEAD' ? undefined : bytes);
        return true;
      };
      const found = await client(fake).resolve(repo, 'dev');
      assert.deepEqual(found, { digest: sha256(bytes), mediaType: MANIFEST_TYPE, size: bytes.length });
      assert.deepEqual(
        fake.requests.map((r) => r.method),
        ['HEAD', 'GET'],
      );
    });

    it('sha512 references are hashed with sha512; an unknown algorithm is refused, never trusted', async () => {
      tally('bad-input', 'registry: sha512 reference');
      tally('bad-input', 'registry: unknown digest algorithm');
      const bytes = manifestBytes('512');
      const sha512 = `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
      const wrong512 = `sha512:${createHash('sha512').update('other').digest('hex')}`;
      // A registry that answers any reference with these bytes: only hashing can tell.
      fake.intercept = (req, res) => {
        if (!req.url?.includes('/manifests/')) return false;
        res.writeHead(200, { 'Content-Type': MANIFEST_TYPE }).end(req.method === 'HEAD' ? undefined : bytes);
        return true;
      };
      const registry = client(fake);
      assert.equal((await registry.getManifest(repo, sha512))?.digest, sha512);
      await rejectsWith(registry.getManifest(repo, wrong512), 'protocol', /hash to sha512:/);
      await rejectsWith(registry.resolve(repo, wrong512), 'protocol', /hash to sha512:/);
      const before = fake.requests.length;
      await rejectsWith(registry.getManifest(repo, `blake3:${'a'.repeat(64)}`), 'protocol', /algorithm "blake3", which this tool cannot check/);
      await rejectsWith(registry.getBlob(repo, `md5:${'a'.repeat(32)}`), 'protocol', /cannot check/);
      assert.equal(fake.requests.length, before, 'nothing is asked for a digest that cannot be checked');
    });
  });

  describe('retries', () => {
    it('429 with Retry-After in seconds, and with an HTTP date, is retried after the wait', async () => {
      tally('fault', 'registry: 429 Retry-After seconds');
      tally('fault', 'registry: 429 Retry-After date');
      const bytes = manifestBytes();
      fake.putManifest('team/app', 'dev', { mediaType: MANIFEST_TYPE, bytes });
      let heads = 0;
      let retryAfter = '1';
      fake.intercept = (req, res) => {
        if (req.method !== 'HEAD' || heads++ > 0) return false;
        res.writeHead(429, { 'Retry-After': retryAfter, 'Content-Type': 'application/json' }).end('{"errors":[{"code":"TOOMANYREQUESTS"}]}');
        return true;
      };
      let t = Date.now();
      assert.equal((await client(fake).resolve(repo, 'dev'))?.digest, sha256(bytes));
      assert.ok(Date.now() - t >= 950, `waited ${Date.now() - t} ms, not the second Retry-After asked`);
      heads = 0;
      retryAfter = new Date(Date.now() + 2000).toUTCString();
      t = Date.now();
      assert.equal((await client(fake).resolve(repo, 'dev'))?.digest, sha256(bytes));
      assert.ok(Date.now() - t >= 900, `waited ${Date.now() - t} ms for an HTTP-date Retry-After`);
    });

    it('503 then success; a connection reset then success (idempotent requests)', async () => {
      tally('fault', 'registry: 503 then success');
      tally('fault', 'registry: connection reset then success');
      const bytes = manifestBytes();
      fake.putManifest('team/app', 'dev', { mediaType: MANIFEST_TYPE, bytes });
      let gets = 0;
      fake.intercept = (req, res) => {
        if (req.method !== 'GET' || !req.url?.includes('/manifests/')) return false;
        gets++;
        if (gets === 1) return (void res.writeHead(503, { 'Content-Type': 'text/plain' }).end('busy'), true);
        if (gets === 2) return (void req.socket.destroy(), true);
        return false;
      };
      assert.equal((await client(fake).getManifest(repo, 'dev'))?.digest, sha256(bytes));
      assert.equal(gets, 3);
    });

    it('a write answered 503 is not retried', async () => {
      tally('fault', 'registry: write answered 503');
      fake.intercept = (req, res) => (req.method === 'PUT' ? (res.writeHead(503, { 'Retry-After': '0' }).end(), true) : false);
      await rejectsWith(client(fake).putManifest(repo, 'dev', { mediaType: MANIFEST_TYPE, bytes: manifestBytes() }), 'protocol', /answered 503/);
      assert.equal(fake.requests.filter((r) => r.method === 'PUT').length, 1);
    });

    it('retries are bounded: a registry that always answers 503 fails after four tries', async () => {
      tally('fault', 'registry: always 503');
      fake.intercept = (_req, res) => (res.writeHead(503).end(), true);
      await rejectsWith(client(fake).resolve(repo, 'dev'), 'protocol', /answered 503/);
      assert.equal(fake.requests.length, 4);
    });
  });

  describe('credentials go only to the registry and a validated realm', () => {
    const secret: RegistryCredentials = { serverAddress: 'fake', username: 'alice', password: 's3cret-password' };
    /** Basic auth in front of the fake registry's own answers. */
    const basicAuth =
      (next?: (req: import('node:http').IncomingMessage, res: ServerResponse) => boolean) =>
      (req: import('node:http').IncomingMessage, res: ServerResponse): boolean => {
        if (!req.headers.authorization) return (void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"' }).end(), true);
        return next?.(req, res) ?? false;
      };

    it('an upload Location on another origin gets no Authorization', async () => {
      tally('fault', 'registry: upload Location on another origin');
      other = await startRecorder((req, res) => {
        void bodyOf(req).then(() => res.writeHead(201, { 'Docker-Content-Digest': new URL(req.url!, 'http://x').searchParams.get('digest') ?? '' }).end());
      });
      const recorder = other;
      fake.intercept = basicAuth((req, res) => {
        if (req.method === 'POST' && req.url?.includes('/blobs/uploads/')) {
          res.writeHead(202, { Location: `http://localhost:${recorder.port}/upload/1`, 'Content-Length': '0' }).end();
          return true;
        }
        return false;
      });
      const blob = Buffer.from('layer bytes');
      await client(fake, { credentials: secret }).uploadBlob(
        repo,
        sha256(blob),
        blob.length,
        (async function* () {
          yield blob;
        })(),
      );
      assert.ok(recorder.requests.length > 0, 'the upload went to the Location');
      assert.deepEqual(
        recorder.requests.map((r) => r.authorization),
        recorder.requests.map(() => undefined),
        'no Authorization to another origin',
      );
      assert.ok(
        fake.requests.some((r) => r.authorization?.startsWith('Basic ')),
        'the registry itself got the credentials',
      );
    });

    it('a redirect to another origin is followed without Authorization; redirects are bounded', async () => {
      tally('fault', 'registry: redirect to another origin');
      tally('fault', 'registry: redirect loop');
      const bytes = manifestBytes();
      other = await startRecorder((_req, res) => void res.writeHead(200, { 'Content-Type': MANIFEST_TYPE }).end(bytes));
      const recorder = other;
      fake.intercept = basicAuth((req, res) => {
        if (req.url?.includes('/manifests/loop')) return (void res.writeHead(302, { Location: req.url }).end(), true);
        if (!req.url?.includes('/manifests/')) return false;
        res.writeHead(307, { Location: `http://localhost:${recorder.port}/storage/m` }).end();
        return true;
      });
      const registry = client(fake, { credentials: secret });
      assert.equal((await registry.getManifest(repo, sha256(bytes)))?.digest, sha256(bytes));
      assert.equal(recorder.requests.length, 1);
      assert.equal(recorder.requests[0]!.authorization, undefined);
      await rejectsWith(registry.getManifest(repo, 'loop'), 'protocol', /redirected GET .* more than 5 times/);
    });

    it('a token realm on another host is refused before anything is sent to it', async () => {
      tally('fault', 'registry: token realm on another host');
      other = await startRecorder((_req, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"t"}'));
      fake.intercept = (req, res) => {
        if (req.headers.authorization === 'Bearer t') return false;
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://localhost:${other!.port}/token",service="fake"` }).end();
        return true;
      };
      await rejectsWith(
        client(fake, { credentials: secret }).resolve(repo, 'dev'),
        'protocol',
        /token service on another host \(http:\/\/localhost:\d+\); refused/,
      );
      assert.equal(other.requests.length, 0, 'the foreign realm never heard from us');
    });

    it('a token realm on the registry host (another port) is used, with the credentials', async () => {
      const bytes = manifestBytes();
      fake.putManifest('team/app', 'dev', { mediaType: MANIFEST_TYPE, bytes });
      other = await startRecorder((_req, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"t","expires_in":300}'));
      const realm = other;
      fake.intercept = (req, res) => {
        if (req.headers.authorization === 'Bearer t') return false;
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm.url}/token",service="fake"` }).end();
        return true;
      };
      assert.equal((await client(fake, { credentials: secret }).resolve(repo, 'dev'))?.digest, sha256(bytes));
      assert.equal(realm.requests[0]?.authorization, `Basic ${Buffer.from('alice:s3cret-password').toString('base64')}`);
    });
  });

  describe('referrers API fallback', () => {
    for (const status of [400, 500, 501]) {
      it(`a referrers API answering ${status} means "use the tag schema"`, async () => {
        tally('fault', `registry: referrers API ${status}`);
        fake.intercept = (req, res) =>
          req.url?.includes('/referrers/')
            ? (res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNSUPPORTED"}]}'), true)
            : false;
        assert.equal(await client(fake).listReferrers(repo, sha256('x')), undefined);
      });
    }

    it('a referrers answer that is not an index means "use the tag schema"', async () => {
      tally('bad-input', 'registry: referrers answer not an index');
      fake.intercept = (req, res) =>
        req.url?.includes('/referrers/') ? (res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html></html>'), true) : false;
      assert.equal(await client(fake).listReferrers(repo, sha256('x')), undefined);
      fake.intercept = (req, res) =>
        req.url?.includes('/referrers/')
          ? (res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' }).end('{"schemaVersion":2}'), true)
          : false;
      assert.equal(await client(fake).listReferrers(repo, sha256('x')), undefined);
    });
  });

  describe('connections', () => {
    it('ten HEADs one after another reuse one or two connections', async () => {
      const bytes = manifestBytes();
      fake.putManifest('team/app', 'dev', { mediaType: MANIFEST_TYPE, bytes });
      const registry = client(fake);
      for (let i = 0; i < 10; i++) assert.equal((await registry.resolve(repo, 'dev'))?.digest, sha256(bytes));
      assert.ok(fake.connections <= 2, `${fake.connections} connections for 10 HEADs`);
      await registry.close();
    });

    it('streamed uploads keep their connections too', async () => {
      const registry = client(fake);
      for (let i = 0; i < 5; i++) {
        const blob = Buffer.from(`layer ${i}`);
        await registry.uploadBlob(
          repo,
          sha256(blob),
          blob.length,
          (async function* () {
            yield blob;
          })(),
        );
        assert.ok(fake.blobs.has(sha256(blob)));
      }
      // One for the requests through fetch (POST), one or two for the streamed PUTs (node:http).
      assert.ok(fake.connections <= 3, `${fake.connections} connections for 5 uploads`);
      await registry.close();
    });

    it('the injectable fetch still drives every request but streamed uploads', async () => {
      const bytes = manifestBytes();
      fake.putManifest('team/app', 'dev', { mediaType: MANIFEST_TYPE, bytes });
      const seen: string[] = [];
      const counting: typeof fetch = async (input, init) => {
        seen.push(`${init?.method} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      };
      await client(fake, { fetch: counting }).resolve(repo, 'dev');
      assert.deepEqual(seen, ['HEAD /v2/team/app/manifests/dev']);
    });
  });
});
