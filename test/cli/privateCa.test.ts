// The CLI as a child process against an https-only registry whose certificate a company CA signed
// (test/harness/tlsRegistry.ts): refused without the CA, with a message naming the fixes; accepted
// with the CA through NODE_EXTRA_CA_CERTS, --ca-file, or IMAGE_PROMOTION_CA_FILES.
import * as assert from 'node:assert/strict';
import { promotionYaml } from '../fixtures/promotionYaml';
import { pushImage, sharedServices, startRegistry, tagExisting, uniqueRepo, type Registry, type TestServices } from '../harness';
import { startTlsRegistry, type TlsRegistry } from '../harness/tlsRegistry';
import { cliEnv, describeRun, runCli, workspace } from './support';

describe('CLI: a registry signed by a private CA', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let plain: Registry;
  let tls: TlsRegistry;
  let dir: string;
  let digest: string;

  before(async () => {
    [svc, plain] = await Promise.all([sharedServices(), startRegistry()]);
    tls = await startTlsRegistry(plain.storageDir);
    const repo = uniqueRepo();
    digest = (await pushImage(plain.url, repo, '5a6b7c8')).digest;
    await tagExisting(plain.url, repo, '5a6b7c8', 'dev');
    dir = workspace(promotionYaml(`${tls.host}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
  });
  after(async () => {
    await Promise.allSettled([tls?.stop(), plain?.stop()]);
  });

  const env = (extra: Record<string, string | undefined> = {}) =>
    cliEnv(svc, { NODE_EXTRA_CA_CERTS: undefined, IMAGE_PROMOTION_CA_FILES: undefined, ...extra });

  it('without the CA: exit 3, "signed by an unknown authority" and what fixes it', async () => {
    const run = await runCli(['status', '--timeout', '10'], { cwd: dir, env: env() });
    assert.equal(run.code, 3, describeRun(run));
    assert.match(run.stderr, /presented a certificate signed by an unknown authority/);
    assert.match(run.stderr, /--ca-file <pem> or IMAGE_PROMOTION_CA_FILES/);
  });

  for (const [how, args, extra] of [
    ['NODE_EXTRA_CA_CERTS', [], (ca: string) => ({ NODE_EXTRA_CA_CERTS: ca })],
    ['--ca-file', (ca: string) => ['--ca-file', ca], () => ({})],
    ['IMAGE_PROMOTION_CA_FILES', [], (ca: string) => ({ IMAGE_PROMOTION_CA_FILES: ca })],
  ] as const) {
    it(`with the CA through ${how}: status reads the digest over https`, async () => {
      const flags = typeof args === 'function' ? args(tls.caFile) : args;
      const run = await runCli(['status', '--json', '--timeout', '10', ...flags], { cwd: dir, env: env(extra(tls.caFile)) });
      assert.equal(run.code, 0, describeRun(run));
      assert.ok(run.stdout.includes(digest), `the dev digest is in the status:\n${run.stdout}`);
      // The registry speaks HTTP/2 over TLS; undici's "H2 support is experimental" is not the user's business.
      assert.doesNotMatch(run.stderr, /UNDICI-H2|experimental/, describeRun(run));
    });
  }
});
