// The transport's pure policies: which realms may receive credentials, which URLs are the
// registry's own, when and how long to wait before trying again, which digests can be checked.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PromotionError } from '../../src/core/errors';
import { isCheckableDigest, looksLikeDigest } from '../../src/registry/digests';
import { isRegistryOrigin, registryEndpoint, registryUrl, trustDomain, validateRealm } from '../../src/registry/transport/origin';
import { backoffMs, isConnectionReset, isIdempotent, isRetryableStatus, retryAfterMs, DEFAULT_RETRY } from '../../src/registry/transport/retry';
import { KEEP_ALIVE_MS } from '../../src/registry/transport/connections';
import { tally } from '../faults/tally';

describe('registry transport policies', () => {
  it('an idle connection outlives the default refresh interval, so an automatic refresh does not open its connections again', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[] };
    };
    const sections = [manifest.contributes.configuration].flat();
    const seconds = sections.map((c) => c.properties['imagePromotion.refreshInterval']?.default).find((d) => typeof d === 'number') as number;
    assert.equal(typeof seconds, 'number', 'imagePromotion.refreshInterval has a default');
    assert.ok(KEEP_ALIVE_MS >= seconds * 1000 + 10_000, `kept ${KEEP_ALIVE_MS} ms, refreshed every ${seconds} s`);
  });

  describe('origins and realms', () => {
    const secure = registryEndpoint('registry.example.com', []);
    const loopback = registryEndpoint('127.0.0.1:5000', []);
    const marked = registryEndpoint('build.internal:5000', ['build.internal:5000']);

    it('a registry is https unless loopback or marked insecure; Docker Hub is registry-1.docker.io', () => {
      assert.equal(secure.origin, 'https://registry.example.com');
      assert.equal(loopback.origin, 'http://127.0.0.1:5000');
      assert.equal(marked.origin, 'http://build.internal:5000');
      assert.equal(registryEndpoint('docker.io', []).origin, 'https://registry-1.docker.io');
    });

    it('a Location on the registry host keeps the registry scheme and port; another origin stays another origin', () => {
      assert.equal(
        registryUrl(secure, 'http://registry.example.com/v2/a/blobs/uploads/1?x=1').toString(),
        'https://registry.example.com/v2/a/blobs/uploads/1?x=1',
      );
      assert.equal(registryUrl(secure, '/v2/a/blobs/uploads/1').toString(), 'https://registry.example.com/v2/a/blobs/uploads/1');
      const foreign = registryUrl(secure, 'http://other-host/v2/a/blobs/uploads/1');
      assert.equal(foreign.origin, 'http://other-host');
      assert.equal(isRegistryOrigin(secure, foreign), false);
      assert.equal(isRegistryOrigin(loopback, registryUrl(loopback, 'http://127.0.0.1:5001/x')), false);
      assert.throws(() => registryUrl(secure, 'file:///etc/passwd'), PromotionError);
    });

    it('realms: https on the registry host or its domain; plain http only for loopback or insecure registries', () => {
      tally('bad-input', 'realm: plain http for a secure registry');
      tally('bad-input', 'realm: another domain');
      tally('bad-input', 'realm: private address for a named registry');
      assert.equal(validateRealm(secure, 'https://auth.example.com/token').host, 'auth.example.com');
      assert.equal(validateRealm(registryEndpoint('docker.io', []), 'https://auth.docker.io/token').host, 'auth.docker.io');
      assert.throws(() => validateRealm(secure, 'http://registry.example.com/token'), /plain http .*refused/);
      assert.throws(() => validateRealm(secure, 'https://collector.attacker.net/token'), /another host .*refused/);
      assert.throws(() => validateRealm(secure, 'https://169.254.169.254/latest'), /another host/);
      assert.throws(() => validateRealm(secure, 'ftp://registry.example.com/token'), /not http\(s\)/);
      assert.throws(() => validateRealm(secure, 'not a url'), /not a URL/);
      assert.equal(validateRealm(loopback, 'http://127.0.0.1:5001/token').port, '5001');
      assert.throws(() => validateRealm(loopback, 'http://localhost:5001/token'), /another host/);
      assert.equal(validateRealm(marked, 'http://build.internal:5001/token').host, 'build.internal:5001');
      assert.throws(() => validateRealm(marked, 'http://auth.internal/token'), /another host/);
    });

    it('trust domains are the last two labels; addresses stand for themselves', () => {
      assert.equal(trustDomain('registry-1.docker.io'), 'docker.io');
      assert.equal(trustDomain('Auth.Docker.IO.'), 'docker.io');
      assert.equal(trustDomain('127.0.0.1'), '127.0.0.1');
      assert.equal(trustDomain('[::1]'), '::1');
      assert.equal(trustDomain('localhost'), 'localhost');
    });
  });

  describe('retries', () => {
    it('only HEAD and GET are retried, and only on 429/502/503/504', () => {
      assert.deepEqual(['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'].map(isIdempotent), [true, true, false, false, false, false]);
      assert.deepEqual([429, 500, 501, 502, 503, 504, 404].map(isRetryableStatus), [true, false, false, true, true, true, false]);
    });

    it('Retry-After in seconds or as an HTTP date, capped; unreadable values are ignored', () => {
      const now = Date.parse('2026-12-01T12:00:00Z');
      assert.equal(retryAfterMs('2', now), 2000);
      assert.equal(retryAfterMs('3600', now), DEFAULT_RETRY.maxDelayMs);
      assert.equal(retryAfterMs('Tue, 01 Dec 2026 12:00:03 GMT', now), 3000);
      assert.equal(retryAfterMs('Tue, 01 Dec 2026 11:00:00 GMT', now), 0);
      assert.equal(retryAfterMs('soon', now), undefined);
      assert.equal(retryAfterMs(null, now), undefined);
      assert.equal(retryAfterMs('-5', now), undefined);
    });

    it('backoff grows threefold with jitter and is capped', () => {
      assert.deepEqual(
        [0, 1, 2].map((a) => backoffMs(a, DEFAULT_RETRY, () => 0.5)),
        [200, 600, 1800],
      );
      assert.equal(
        backoffMs(10, DEFAULT_RETRY, () => 1),
        DEFAULT_RETRY.maxDelayMs,
      );
      assert.ok(backoffMs(0, DEFAULT_RETRY, () => 0) >= 180 && backoffMs(0, DEFAULT_RETRY, () => 1) <= 220);
    });

    it('connection resets are recognised through causes; refused connections are not retried', () => {
      assert.equal(
        isConnectionReset(new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) })),
        true,
      );
      assert.equal(isConnectionReset(new Error('x', { cause: new Error('y', { cause: Object.assign(new Error('z'), { code: 'ECONNRESET' }) }) })), true);
      assert.equal(isConnectionReset(new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) })), false);
    });
  });

  describe('digests', () => {
    it('sha256 and sha512 can be checked; other algorithms and malformed digests cannot', () => {
      assert.equal(isCheckableDigest(`sha256:${'a'.repeat(64)}`), true);
      assert.equal(isCheckableDigest(`sha512:${'0'.repeat(128)}`), true);
      assert.equal(isCheckableDigest(`sha256:${'A'.repeat(64)}`), false);
      assert.equal(isCheckableDigest(`sha256:${'a'.repeat(63)}`), false);
      assert.equal(isCheckableDigest(`blake3:${'a'.repeat(64)}`), false);
      assert.equal(looksLikeDigest('v1.2'), false);
      assert.equal(looksLikeDigest(`blake3:${'a'.repeat(64)}`), true);
    });
  });
});
