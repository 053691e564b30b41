// A new window's first connections, opened by the extension's loader before its bundle loads
// (startup/earlyConnections.ts): its first lookups go on them, over plain http and over TLS (the
// handshake made on the socket opened early), and a registry that closed them while they waited
// costs nothing but a new connection. Connections are counted by a TCP proxy in front of the real
// registry, not by the client.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseRepository } from '../../src/core/reference';
import { anonymous } from '../../src/credentials/credentials';
import { LAST_ROWS_FILE, LastRows, targetsInFileNow } from '../../src/model/lastRows';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { proxyRules } from '../../src/registry/transport/proxy';
import { earlyTargets, openEarlyConnections, type EarlyConnections } from '../../src/startup/earlyConnections';
import { pushImage, sharedServices, startRegistry, tagExisting, testAppServices, uniqueRepo, type Registry, type TestServices } from '../harness';
import { startCountingProxy, type CountingProxy } from '../harness/countingProxy';
import { makeTempDir } from '../harness/tempdirs';
import { startTlsRegistry, type TlsRegistry } from '../harness/tlsRegistry';
import { promotionYaml } from '../fixtures/promotionYaml';
import { config, MemoryLog } from './support';

const until = async (check: () => boolean, ms = 5_000): Promise<void> => {
  for (let waited = 0; waited < ms && !check(); waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe("a new window's first connections, opened before the extension's bundle loads", function () {
  this.timeout(120_000);
  let svc: TestServices;
  let plain: Registry;
  let tls: TlsRegistry;
  let proxy: CountingProxy;
  let tlsProxy: CountingProxy;
  let repo: string;
  let digest: string;
  const opened: EarlyConnections[] = [];

  before(async () => {
    [svc, plain] = await Promise.all([sharedServices(), startRegistry()]);
    tls = await startTlsRegistry(plain.storageDir);
    proxy = await startCountingProxy('127.0.0.1', Number(plain.host.split(':')[1]));
    tlsProxy = await startCountingProxy('127.0.0.1', Number(tls.host.split(':')[1]));
    repo = uniqueRepo();
    digest = (await pushImage(plain.url, repo, 'dev')).digest;
    for (const tag of ['staging', 'production']) await tagExisting(plain.url, repo, digest, tag);
  });
  beforeEach(() => {
    proxy.reset();
    tlsProxy.reset();
  });
  afterEach(() => {
    for (const early of opened.splice(0)) early.close();
  });
  after(async () => {
    await Promise.allSettled([proxy?.stop(), tlsProxy?.stop(), tls?.stop(), plain?.stop()]);
  });

  const open = (host: string, count: number): EarlyConnections => {
    const targets = earlyTargets(
      Array.from({ length: count }, () => ({ repository: parseRepository(`${host}/${repo}`), tag: 'dev' })),
      [],
      proxyRules(undefined, {}),
    );
    const early = openEarlyConnections(targets);
    opened.push(early);
    return early;
  };

  it("the remembered rows' lookups, as the services send them at start-up, go on the connections the loader opened: none other is made", async () => {
    // What the loader does: the last rows an earlier window kept, read at once, under the window's folder.
    const dir = makeTempDir('early-window');
    const file = join(dir, LAST_ROWS_FILE);
    const folder = join(dir, 'workspace');
    const cfg = config(promotionYaml(`${proxy.host}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }]));
    await new LastRows({ file }).put(join(folder, '.promotion.yml'), cfg, {
      lookups: cfg.environments.map(() => ({ state: 'present', digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' }) as const),
      builds: { state: 'ok', rows: [], matching: 0, scanned: 0 },
      takenAt: 1,
    });
    const lookups = targetsInFileNow(file, [folder]);
    assert.equal(lookups.length, 3);
    const early = openEarlyConnections(earlyTargets(lookups, [], proxyRules(undefined, {})));
    opened.push(early);
    await until(() => proxy.connections === 3);
    assert.equal(proxy.connections, 3, 'one per remembered environment, before anything was asked');
    // The bundle loads: the services as the extension composes them, the early lookups on.
    const app = testAppServices(svc, {
      log: new MemoryLog(),
      detailsFile: join(dir, 'image-details.json'),
      earlyLookupsUnder: () => [folder],
      earlyConnections: early,
    });
    await until(() => proxy.requests.length === 3);
    assert.equal(proxy.requests.filter((r) => r.startsWith('HEAD ')).length, 3, proxy.requests.join(', '));
    assert.equal(proxy.connections, 3, 'the lookups went on the connections opened early');
    assert.equal((await app.registry.resolve(parseRepository(`${proxy.host}/${repo}`), 'dev'))?.digest, digest);
    assert.equal(proxy.connections, 3, 'and they are kept for the next request');
  });

  it('over TLS, the handshake is made on the socket opened early (the company CA trusted)', async () => {
    // 127.0.0.1 is tried over plain http first (a HEAD answered 400, a GET /v2/ saying "https
    // server"), then over https: three connections, each one opened early.
    const early = open(tlsProxy.host, 3);
    await until(() => tlsProxy.connections === 3);
    const registry = new HttpRegistryClient({
      credentials: anonymous,
      log: new MemoryLog(),
      timeoutMs: () => 10_000,
      trust: () => ({ caFiles: [tls.caFile], caFilesSource: 'imagePromotion.caFiles', systemCertificates: false }),
      early,
    });
    assert.equal((await registry.resolve(parseRepository(`${tlsProxy.host}/${repo}`), 'dev'))?.digest, digest);
    assert.equal(tlsProxy.requests.length, 2, `two plain-http requests (${tlsProxy.requests.join(', ')}), then TLS`);
    assert.equal(tlsProxy.connections, 3, 'the https request too went on a connection opened early');
    assert.equal(early.take({ hostname: '127.0.0.1', port: tlsProxy.host.split(':')[1]! }), undefined);
  });

  it('connections the registry closed while they waited: the lookups connect anew and answer', async () => {
    const early = open(proxy.host, 2);
    await until(() => proxy.connections === 2);
    proxy.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const registry = new HttpRegistryClient({ credentials: anonymous, log: new MemoryLog(), timeoutMs: () => 10_000, early });
    const answers = await Promise.all([
      registry.resolve(parseRepository(`${proxy.host}/${repo}`), 'dev'),
      registry.resolve(parseRepository(`${proxy.host}/${repo}`), 'dev'),
    ]);
    assert.deepEqual(
      answers.map((a) => a?.digest),
      [digest, digest],
    );
    assert.ok(proxy.connections > 2, `new connections were made (${proxy.connections})`);
  });
});
