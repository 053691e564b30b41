// The CLI keeps how each registry authenticates in its cache folder: on a token-auth registry (the
// harness's Distribution and token issuer), a command's first request goes with its token once an
// earlier command learnt the challenge. HEADs counted by a TCP proxy in front of the registry.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { makeDockerConfig, makeTempDir, pushImage, sharedServices, uniqueRepo, type DockerConfig, type TestServices } from '../harness';
import { startCountingProxy, type CountingProxy } from '../harness/countingProxy';
import { startTokenRegistry, type TokenRegistry } from '../harness/tokenAuth';
import { cliEnv, describeRun, runCli, workspace } from './support';

describe('CLI: how a registry authenticates is kept between commands', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let tokens: TokenRegistry;
  let proxy: CountingProxy;
  let docker: DockerConfig;
  let dir: string;
  let digest: string;

  before(async () => {
    [svc, tokens] = await Promise.all([sharedServices(), startTokenRegistry()]);
    proxy = await startCountingProxy('127.0.0.1', tokens.port);
    const repo = uniqueRepo();
    digest = (await pushImage(svc.registryUrl, repo, '6b7c8d9')).digest;
    await tokens.copyIn(`${svc.registry}/${repo}:6b7c8d9`, repo, 'dev');
    docker = makeDockerConfig([{ server: proxy.host, username: tokens.auth.username, secret: tokens.auth.password, via: 'auths' }]);
    dir = workspace(promotionYaml(`${proxy.host}/${repo}`, [{ name: 'development', tag: 'dev' }]));
  });
  after(async () => {
    await proxy?.stop();
    await tokens?.stop();
  });

  it("the second command's lookup is one HEAD with its token; the first's was answered 401 and sent again", async () => {
    const cache = makeTempDir('cli-challenges');
    const env = { ...cliEnv(svc), ...docker.env(cliEnv(svc)), XDG_CACHE_HOME: cache };
    const heads = (): string[] => proxy.requests.filter((r) => r.startsWith('HEAD '));
    proxy.reset();
    const first = await runCli(['status', '--json', '--timeout', '10'], { cwd: dir, env });
    assert.equal(first.code, 0, describeRun(first));
    assert.ok(first.stdout.includes(digest), first.stdout);
    assert.equal(heads().length, 2, `401, then with a token (${heads().join(', ')})`);
    assert.ok(existsSync(join(cache, 'image-promotion', 'registry-challenges.json')), 'kept in the CLI cache folder');

    proxy.reset();
    const second = await runCli(['status', '--json', '--timeout', '10'], { cwd: dir, env });
    assert.equal(second.code, 0, describeRun(second));
    assert.ok(second.stdout.includes(digest), second.stdout);
    assert.equal(heads().length, 1, `one HEAD, with its token (${heads().join(', ')})`);
  });
});
