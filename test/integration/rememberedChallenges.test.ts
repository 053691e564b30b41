// A new session's first request to a token registry: with the challenge an earlier session learnt
// kept beside the details cache, it goes with its token at once (one request), where it was answered
// 401 and sent again (two). The registry is the harness's token-auth Distribution; requests are
// counted by a TCP proxy in front of it, not by the client.
import * as assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppServices } from '../../src/app/services';
import { parseRepository } from '../../src/core/reference';
import type { RegistryCredentials } from '../../src/credentials/credentials';
import type { CredentialSource } from '../../src/credentials/credentialSource';
import { pushImage, sharedServices, testAppServices, uniqueRepo, type TestServices } from '../harness';
import { startCountingProxy, type CountingProxy } from '../harness/countingProxy';
import { startFaultProxy } from '../harness/faultProxy';
import { makeTempDir } from '../harness/tempdirs';
import { startTokenRegistry, type TokenRegistry } from '../harness/tokenAuth';
import { MemoryLog } from './support';

describe("a registry's challenge remembered between sessions: the first request goes with its token", function () {
  this.timeout(120_000);
  let svc: TestServices;
  let tokens: TokenRegistry;
  let proxy: CountingProxy;
  let dir: string;
  let repo: string;
  let digest: string;

  before(async () => {
    [svc, tokens] = await Promise.all([sharedServices(), startTokenRegistry()]);
    proxy = await startCountingProxy('127.0.0.1', tokens.port);
    repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, '3e4f5a6');
    await tokens.copyIn(`${svc.registry}/${repo}:3e4f5a6`, repo, '3e4f5a6');
    digest = build.digest;
  });
  beforeEach(() => {
    // Not removed after each test: a session learning a challenge writes the file after its lookup
    // has returned (temp file, rename), and removing the folder under that write failed with
    // ENOTEMPTY in 2 of 10 runs under load. The harness sweeps its temp folders at the next run.
    dir = makeTempDir('challenges');
    proxy.reset();
  });
  after(async () => {
    await proxy?.stop();
    await tokens?.stop();
  });

  /** A new session (a window, a CLI process) keeping its caches in `dir`. */
  const session = (log = new MemoryLog()): AppServices =>
    testAppServices(svc, { log, detailsFile: join(dir, 'image-details.json'), credentialSource: source() });
  const source = (): CredentialSource => ({
    get: async (registry): Promise<RegistryCredentials | undefined> => (registry === proxy.host ? { serverAddress: registry, ...tokens.auth } : undefined),
  });
  const heads = (): string[] => proxy.requests.filter((r) => r.startsWith('HEAD '));
  const challengesFile = (): string => join(dir, 'registry-challenges.json');

  async function firstSessionLearns(): Promise<void> {
    const first = session();
    assert.equal((await first.registry.resolve(parseRepository(`${proxy.host}/${repo}`), '3e4f5a6'))?.digest, digest);
    assert.equal(heads().length, 2, `a first session's first lookup is answered 401, then sent again with a token (${heads().join(', ')})`);
    for (let i = 0; i < 50 && !existsSync(challengesFile()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(existsSync(challengesFile()), 'the challenge is kept beside the details cache');
    proxy.reset();
  }

  it("the next session's first lookup is one request, answered", async () => {
    await firstSessionLearns();
    const next = session();
    assert.equal((await next.registry.resolve(parseRepository(`${proxy.host}/${repo}`), '3e4f5a6'))?.digest, digest);
    assert.deepEqual(heads().length, 1, `one HEAD, with its token (${heads().join(', ')})`);
  });

  it('a remembered challenge that no longer works is forgotten and the registry asked again: the lookup still succeeds', async () => {
    await firstSessionLearns();
    // The token service moved (the file says a realm on a port nobody listens on): as if the registry changed how it authenticates.
    writeFileSync(
      challengesFile(),
      JSON.stringify({ version: 1, challenges: [[proxy.host, { scheme: 'bearer', params: { realm: 'http://127.0.0.1:9/token', service: 'gone' } }]] }),
    );
    const log = new MemoryLog();
    const next = session(log);
    assert.equal((await next.registry.resolve(parseRepository(`${proxy.host}/${repo}`), '3e4f5a6'))?.digest, digest);
    assert.equal(heads().length, 2, 'sent without, answered 401, sent with a token learnt afresh');
    assert.match(log.lines.join('\n'), /challenge remembered from an earlier session failed/);
  });

  it("the registry's connection is opened while the token comes from the token service's origin, and the lookup goes on it", async () => {
    await firstSessionLearns();
    // The token service 150 ms away each way (the realm the next session remembers goes through a
    // slow proxy), the registry on loopback: by the time the token request reaches the service, the
    // registry's connection must be open already, and the HEAD that follows must not open another.
    const slow = await startFaultProxy({ upstream: { port: Number(new URL(tokens.issuer.url).port) }, plan: { latencyMs: 150 } });
    try {
      writeFileSync(
        challengesFile(),
        JSON.stringify({
          version: 1,
          challenges: [[proxy.host, { scheme: 'bearer', params: { realm: `${slow.url}/token`, service: tokens.issuer.service } }]],
        }),
      );
      tokens.issuer.resetRecords();
      const lookup = session().registry.resolve(parseRepository(`${proxy.host}/${repo}`), '3e4f5a6');
      let atTokenRequest: number | undefined;
      for (let i = 0; i < 500 && atTokenRequest === undefined; i++) {
        if (tokens.issuer.requests().length) atTokenRequest = proxy.connections;
        else await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.equal((await lookup)?.digest, digest);
      assert.equal(atTokenRequest, 1, "the registry's connection was open when the token request reached the token service");
      assert.equal(proxy.connections, 1, 'the HEAD went on the connection opened ahead');
      assert.equal(heads().length, 1, `one HEAD, with its token (${heads().join(', ')})`);
    } finally {
      await slow.stop();
    }
  });

  it('a corrupt file is an empty memory, never an error', async () => {
    writeFileSync(challengesFile(), '{ not json');
    assert.equal((await session().registry.resolve(parseRepository(`${proxy.host}/${repo}`), '3e4f5a6'))?.digest, digest);
    assert.equal(heads().length, 2);
  });
});
