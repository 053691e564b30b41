// Holds under faults, against the harness's real engine and registries: a hold placed by another
// process (the CLI, in its own workspace folder) while the confirmation is open blocks the write; a
// registry that refuses the hold (read-only) says so and moves nothing.
import * as assert from 'node:assert/strict';
import { readHold } from '../../src/records/holds';
import { SharedDocuments } from '../../src/records/sharedDocuments';
import { promote } from '../../src/promotion/promote';
import { promotionYaml } from '../fixtures/promotionYaml';
import { enginePull, pushImage, startRegistry, tagExisting, uniqueRepo } from '../harness';
import { config, env, environmentFor, makeCore, MemoryLog, ScriptedPrompts } from '../integration/support';
import { cliEnv, describeRun, runCli, workspace } from '../cli/support';
import { DIGEST_INVALID_BODY, startAnsweringProxy } from '../harness/answeringProxy';
import { faultSuite } from './faultSuite';
import { expectKept, held } from './support';
import { tally } from './tally';

describe('faults: holds (real engine and registries)', function () {
  this.timeout(120_000);
  const suite = faultSuite();

  // Through the engine twice: pulled first, and already held (the hold re-read beside the push, which is stopped).
  for (const [transport, inEngine] of [
    ['engine', false],
    ['engine', true],
    ['registry', false],
  ] as const) {
    const heldNote = inEngine ? ', the engine holds the build' : '';
    it(`${transport}: a hold placed by another process between the confirmation and the write blocks the write${heldNote}`, async () => {
      const what = `${transport}: hold placed by another process after the confirmation${heldNote}`;
      const svc = suite.svc;
      const repo = uniqueRepo();
      const old = await pushImage(svc.registryUrl, repo, 'old0001');
      await tagExisting(svc.registryUrl, repo, old.digest, 'dev');
      const build = await pushImage(svc.registryUrl, repo, 'new0001');
      if (inEngine) await enginePull(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`);
      const yaml = promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }]);
      const cfg = config(yaml);
      const core = makeCore(svc, { transport });
      const documents = new SharedDocuments({ registry: core.services.registry, log: core.log });
      const services = { ...core.services, readHold: (e: Parameters<typeof readHold>[1], s?: AbortSignal) => readHold(documents, e, s) };
      // A colleague, in a folder of their own, holds the environment while our confirmation is open.
      const colleague = workspace(yaml);
      const prompts = new ScriptedPrompts({
        onConfirm: async () => {
          tally('fault', what);
          const run = await runCli(['hold', 'development', '--reason', 'incident 42', '--by', 'carol'], { cwd: colleague, env: cliEnv(svc) });
          assert.equal(run.code, 0, describeRun(run));
        },
      });
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: 'new0001' }, target: env(cfg, 'development') },
        services,
        environmentFor(prompts),
      );
      assert.equal(outcome.status, 'blocked', outcome.message);
      assert.match(outcome.message, /hold: placed while the promotion waited: development is held by carol since \S+: incident 42/);
      // Beside the push, a hold placed meanwhile takes two reads (its tag, then the new document): a push
      // that landed first is put back, and the message says so.
      assert.match(
        outcome.message,
        /(Nothing was written|The push had landed before it could be stopped; dev was put back to sha256:\w{12}); development still holds sha256:\w{12}/,
      );
      const hold = outcome.gates.find((g) => g.name === 'hold')!;
      assert.equal(hold.status, 'failed', 'the record keeps the re-check that decided, not the pass the confirmation showed');
      await expectKept(what, outcome, { url: svc.registryUrl, repo, tag: 'dev' }, old.digest, build.digest);
      assert.equal(await held({ url: svc.registryUrl, repo, tag: 'dev' }), old.digest);
    });
  }

  it('the registry refuses the hold (read-only): a clear error, exit 3, nothing held and nothing moved', async () => {
    const what = 'read-only registry refuses the hold';
    const svc = suite.svc;
    const registry = await startRegistry();
    suite.open.push(registry);
    const repo = uniqueRepo();
    const old = await pushImage(registry.url, repo, 'old0001');
    await tagExisting(registry.url, repo, old.digest, 'dev');
    await registry.restart({ readOnly: true });
    tally('fault', what);
    const dir = workspace(promotionYaml(`${registry.host}/${repo}`, [{ name: 'development', tag: 'dev' }]));
    const run = await runCli(['hold', 'development', '--reason', 'freeze', '--by', 'dana'], { cwd: dir, env: cliEnv(svc) });
    assert.equal(run.code, 3, describeRun(run));
    assert.match(
      run.stderr,
      new RegExp(`Could not place the hold on development: ${registry.host}/${repo}:dev\\.hold was not written \\(.+\\)\\. Nothing else changed\\.`),
    );
    assert.equal(await held({ url: registry.url, repo, tag: 'dev' }), old.digest, 'the environment did not move');
    const documents = new SharedDocuments({ registry: makeCore(svc).services.registry, log: new MemoryLog() });
    assert.equal(
      await readHold(documents, env(config(promotionYaml(`${registry.host}/${repo}`, [{ name: 'development', tag: 'dev' }])), 'development')),
      undefined,
    );
    const status = await runCli(['status', '--json'], { cwd: dir, env: cliEnv(svc) });
    assert.equal(status.code, 0, describeRun(status));
    assert.equal((JSON.parse(status.stdout) as { environments: { hold?: unknown }[] }).environments[0]!.hold, undefined);
  });

  it("the registry's DIGEST_INVALID race on the hold's manifest (another writer committing the empty config) is written again: the hold is placed", async () => {
    const what = 'DIGEST_INVALID race answered to the hold manifest';
    const svc = suite.svc;
    const repo = uniqueRepo();
    const old = await pushImage(svc.registryUrl, repo, 'old0001');
    await tagExisting(svc.registryUrl, repo, old.digest, 'dev');
    const proxy = await startAnsweringProxy(Number(svc.registry.split(':')[1]), {
      request: new RegExp(`^PUT /v2/${repo}/manifests/dev\\.hold$`),
      status: 400,
      body: DIGEST_INVALID_BODY,
    });
    suite.open.push(proxy);
    tally('fault', what);
    const yaml = promotionYaml(`${proxy.host}/${repo}`, [{ name: 'development', tag: 'dev' }]);
    const run = await runCli(['hold', 'development', '--reason', 'freeze', '--by', 'dana'], { cwd: workspace(yaml), env: cliEnv(svc) });
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(
      proxy.matched.map((m) => m.answered),
      [true, false],
      'refused once, then written',
    );
    const documents = new SharedDocuments({ registry: makeCore(svc).services.registry, log: new MemoryLog() });
    const hold = await readHold(documents, env(config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }])), 'development'));
    assert.equal(hold?.state, 'held');
    assert.equal(hold?.by, 'dana');
    assert.equal(await held({ url: svc.registryUrl, repo, tag: 'dev' }), old.digest, 'a hold moves nothing');
  });

  it('the registry refuses the approval (read-only): a clear error, exit 3, no approval counted and nothing moved', async () => {
    const what = 'read-only registry refuses the approval';
    const svc = suite.svc;
    const registry = await startRegistry();
    suite.open.push(registry);
    const repo = uniqueRepo();
    const old = await pushImage(registry.url, repo, 'old0001');
    await tagExisting(registry.url, repo, old.digest, 'dev');
    const build = await pushImage(registry.url, repo, 'new0001');
    await registry.restart({ readOnly: true });
    tally('fault', what);
    const dir = workspace(promotionYaml(`${registry.host}/${repo}`, [{ name: 'development', tag: 'dev', gates: ['{ type: approval, count: 2 }'] }]));
    const run = await runCli(['approve', 'development', '--build', 'new0001', '--approved-by', 'erin'], { cwd: dir, env: cliEnv(svc) });
    assert.equal(run.code, 3, describeRun(run));
    assert.match(
      run.stderr,
      new RegExp(
        `Could not store the approval of sha256:\\w{12} for development: ${registry.host}/${repo}:sha256-[0-9a-f]{64}\\.dev\\.approvals was not written \\(.+\\)\\. Nothing else changed\\.`,
      ),
    );
    const check = await runCli(['check', 'development', '--build', 'new0001'], { cwd: dir, env: cliEnv(svc) });
    assert.match(check.stdout + check.stderr, /0 of 2 approvals|1 of 2 approvals: no approval given ahead/, describeRun(check));
    assert.equal(await held({ url: registry.url, repo, tag: 'dev' }), old.digest, 'nothing moved');
    assert.notEqual(old.digest, build.digest);
  });
});
