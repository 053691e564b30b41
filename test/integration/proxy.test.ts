// Registry requests through a real tunnelling proxy (started here) in front of the real registry: the
// front end's proxy setting first, then HTTP(S)_PROXY / NO_PROXY; streamed uploads too; proxy
// credentials used and never shown; a refusing, absent or malformed proxy named in a clear error.
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { PromotionError } from '../../src/core/errors';
import { DockerConfigCredentials } from '../../src/credentials/dockerConfig';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import type { RegistryClient } from '../../src/registry/registryClient';
import type { Repository } from '../../src/core/reference';
import type { ProxySetting } from '../../src/registry/transport/proxy';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSigningCertificate, makeTempDir, pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { startForwardProxy, type ForwardProxy } from '../harness/forwardProxy';
import { MemoryLog } from './support';

const PROXY_ENV = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

/** Uploads `blob` as a streamed upload (node:http, not fetch) and answers its digest. */
async function uploadBlob(registry: RegistryClient, repo: Repository, blob: Buffer): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  await registry.uploadBlob(
    repo,
    digest,
    blob.length,
    (async function* () {
      yield blob;
    })(),
  );
  return digest;
}

const noError = (): undefined => undefined;

describe('registry requests through a proxy (real registry, real tunnelling proxy)', function () {
  this.timeout(60_000);
  let svc: TestServices;
  let proxy: ForwardProxy;
  let other: ForwardProxy;
  let savedEnv: Record<string, string | undefined>;
  const clients: HttpRegistryClient[] = [];

  before(async () => {
    svc = await sharedServices();
    proxy = await startForwardProxy({ auth: { user: 'proxyuser', password: 'pr0xy-s3cret' } });
    other = await startForwardProxy();
  });
  after(async () => {
    await proxy.stop();
    await other.stop();
  });
  beforeEach(() => {
    savedEnv = Object.fromEntries(PROXY_ENV.map((n) => [n, process.env[n]]));
    for (const n of PROXY_ENV) delete process.env[n];
    proxy.reset();
    other.reset();
  });
  afterEach(async () => {
    for (const [n, v] of Object.entries(savedEnv))
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  const withCredentials = (url: string): string => url.replace('http://', 'http://proxyuser:pr0xy-s3cret@');
  function client(proxySetting?: () => ProxySetting | undefined): { registry: HttpRegistryClient; log: MemoryLog } {
    const log = new MemoryLog();
    const credentials = new DockerConfigCredentials({ configDir: () => svc.dockerConfig, log, cacheMs: 0 });
    const registry = new HttpRegistryClient({ credentials, log, timeoutMs: () => 10_000, ...(proxySetting ? { proxy: proxySetting } : {}) });
    clients.push(registry);
    return { registry, log };
  }
  const repoOf = (path: string) => ({ registry: svc.registry, path });
  const setting = (url: string, noProxy: string[] = []): ProxySetting => ({ url, noProxy, source: 'the http.proxy setting', noProxySource: 'http.noProxy' });

  it('the setting: lookups and streamed uploads go through its proxy, with its credentials, which no log line shows', async () => {
    const repo = uniqueRepo();
    const image = await pushImage(svc.registryUrl, repo, 'v1');
    const { registry, log } = client(() => setting(withCredentials(proxy.url)));
    assert.equal((await registry.resolve(repoOf(repo), 'v1'))?.digest, image.digest);
    assert.ok(
      proxy.tunnels.some((t) => t.authority === svc.registry && t.status === 200),
      `a tunnel to ${svc.registry}: ${JSON.stringify(proxy.tunnels)}`,
    );
    assert.ok(proxy.tunnels.every((t) => t.authorization === `Basic ${Buffer.from('proxyuser:pr0xy-s3cret').toString('base64')}`));
    assert.ok(proxy.requests.includes(`HEAD /v2/${repo}/manifests/v1 (${svc.registry})`), proxy.requests.join('\n'));

    // A streamed blob upload (node:http, not fetch) takes the same way.
    const blob = randomBytes(64 * 1024);
    const digest = await uploadBlob(registry, repoOf(repo), blob);
    assert.ok(
      proxy.requests.some((r) => /^(PUT|PATCH) \/v2\/.*\/blobs\/uploads\//.test(r)),
      `the upload went through the proxy:\n${proxy.requests.join('\n')}`,
    );
    assert.equal(await registry.blobExists(repoOf(repo), digest), true);
    assert.match(log.text(), /through the proxy http:\/\/127\.0\.0\.1:\d+ \(from the http\.proxy setting/);
    assert.doesNotMatch(log.text(), /pr0xy-s3cret|proxyuser/, 'no proxy credentials in the log');
  });

  it('the setting: a host in its noProxy list is reached directly', async () => {
    const repo = uniqueRepo();
    const image = await pushImage(svc.registryUrl, repo, 'v1');
    const { registry } = client(() => setting(other.url, ['example.com', '127.0.0.1']));
    assert.equal((await registry.resolve(repoOf(repo), 'v1'))?.digest, image.digest);
    assert.deepEqual(other.tunnels, []);
  });

  it('the setting comes before HTTP_PROXY; without it HTTP_PROXY is used, and NO_PROXY is honoured', async () => {
    const repo = uniqueRepo();
    const image = await pushImage(svc.registryUrl, repo, 'v1');
    process.env['HTTP_PROXY'] = other.url;
    let current: ProxySetting | undefined = setting(withCredentials(proxy.url));
    const { registry } = client(() => current);
    assert.equal((await registry.resolve(repoOf(repo), 'v1'))?.digest, image.digest);
    assert.equal(proxy.tunnels.length, 1, 'through the setting');
    assert.deepEqual(other.tunnels, [], 'not through HTTP_PROXY');

    // The setting cleared (live, no new client): the environment decides.
    current = undefined;
    assert.equal((await registry.resolve(repoOf(repo), 'v1'))?.digest, image.digest);
    assert.equal(other.tunnels.length, 1, `through HTTP_PROXY: ${JSON.stringify(other.tunnels)}`);
    assert.ok(other.requests.includes(`HEAD /v2/${repo}/manifests/v1 (${svc.registry})`));
    // Streamed uploads (node:http) follow HTTP_PROXY as well.
    const blob = randomBytes(16 * 1024);
    await uploadBlob(registry, repoOf(repo), blob);
    assert.ok(
      other.requests.some((r) => /^(PUT|PATCH) \/v2\/.*\/blobs\/uploads\//.test(r)),
      `the upload went through HTTP_PROXY:\n${other.requests.join('\n')}`,
    );

    process.env['NO_PROXY'] = `registry.example, ${svc.registry}`;
    other.reset();
    assert.equal((await registry.resolve(repoOf(repo), 'v1'))?.digest, image.digest);
    assert.deepEqual(other.tunnels, [], 'NO_PROXY: directly');

    // HTTPS_PROXY is for https registries only: this one is plain http.
    delete process.env['NO_PROXY'];
    delete process.env['HTTP_PROXY'];
    process.env['HTTPS_PROXY'] = other.url;
    assert.equal((await registry.resolve(repoOf(repo), 'v1'))?.digest, image.digest);
    assert.deepEqual(other.tunnels, []);
  });

  it('an https:// proxy with a certificate nobody signed: refused, unless http.proxyStrictSSL is false', async () => {
    const dir = makeTempDir('tls-proxy');
    const { certificateFile } = makeSigningCertificate(dir, '127.0.0.1');
    const secure = await startForwardProxy({ tls: { key: readFileSync(join(dir, 'token-signer.key')), cert: readFileSync(certificateFile) } });
    try {
      const repo = uniqueRepo();
      const image = await pushImage(svc.registryUrl, repo, 'v1');
      const strict = await client(() => setting(secure.url))
        .registry.resolve(repoOf(repo), 'v1')
        .then(noError, (e: unknown) => e);
      assert.ok(strict instanceof PromotionError, String(strict));
      assert.match(strict.message, new RegExp(`through the proxy https://127\\.0\\.0\\.1:${secure.port} \\(from the http\\.proxy setting\\)`));
      assert.deepEqual(secure.tunnels, [], 'no tunnel through a proxy whose certificate failed');

      const { registry } = client(() => ({ ...setting(secure.url), strictSSL: false }));
      assert.equal((await registry.resolve(repoOf(repo), 'v1'))?.digest, image.digest);
      const blob = randomBytes(8 * 1024);
      await uploadBlob(registry, repoOf(repo), blob);
      assert.ok(
        secure.requests.some((r) => r.startsWith('HEAD ')),
        secure.requests.join('\n'),
      );
      assert.ok(
        secure.requests.some((r) => /^(PUT|PATCH) /.test(r)),
        `the upload too:\n${secure.requests.join('\n')}`,
      );
    } finally {
      await secure.stop();
    }
  });

  it('a proxy that refuses, one that is down, and a setting that is no URL: clear errors, no credentials in them', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, 'v1');
    const refused = await client(() => setting(proxy.url.replace('http://', 'http://proxyuser:wrong-pass@')))
      .registry.resolve(repoOf(repo), 'v1')
      .then(noError, (e: unknown) => e);
    assert.ok(refused instanceof PromotionError, String(refused));
    assert.equal(refused.kind, 'registry-unreachable');
    assert.match(
      refused.message,
      new RegExp(
        `could not reach ${svc.registry} through the proxy http://127\\.0\\.0\\.1:${proxy.port} \\(from the http\\.proxy setting\\): the proxy answered 407`,
      ),
    );
    assert.doesNotMatch(`${refused.message} ${refused.hint}`, /wrong-pass|proxyuser/);
    assert.match(refused.hint ?? '', /http\.noProxy/);

    const down = await startForwardProxy();
    await down.stop();
    const unreachable = await client(() => setting(down.url))
      .registry.resolve(repoOf(repo), 'v1')
      .then(noError, (e: unknown) => e);
    assert.ok(unreachable instanceof PromotionError, String(unreachable));
    assert.match(unreachable.message, /through the proxy http:\/\/127\.0\.0\.1:\d+ \(from the http\.proxy setting\): ECONNREFUSED/);

    const malformed = await client(() => setting('socks5://user:hunter22@proxy.example:1080'))
      .registry.resolve(repoOf(repo), 'v1')
      .then(noError, (e: unknown) => e);
    assert.ok(malformed instanceof PromotionError, String(malformed));
    assert.equal(malformed.kind, 'config');
    assert.match(
      malformed.message,
      /the http\.proxy setting names a socks5 proxy \(socks5:\/\/proxy\.example:1080\); only http and https proxies are supported/,
    );
    assert.doesNotMatch(malformed.message, /hunter22/);
  });
});
