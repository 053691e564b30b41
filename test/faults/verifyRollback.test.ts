// Verification after the move under dropped connections, through the real CLI (a separate process).
// Mostly the rollback after a failed verification, itself cut: the promotion moves staging to the new
// digest; its verify gate (a real loopback service that never answers the new version) fails; while it
// is asked, the test arms the fault proxy in front of the registry, so the fault hits the rollback that
// follows (onVerifyFailure: rollback). Staging must then hold the old or the new digest, and the person
// be told which (tallyOutcome). And a promotion whose own write lost its answer but landed is verified.
import * as assert from 'node:assert/strict';
import { promotionYaml } from '../fixtures/promotionYaml';
import { pushImage, tagExisting, uniqueRepo } from '../harness';
import type { FaultPlan } from '../harness/faultProxy';
import { startVersionServer } from '../harness/versionServer';
import { cliEnv, describeRun, runCli, workspace } from '../cli/support';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { faultSuite } from './faultSuite';
import { expectKept } from './support';
import { tally } from './tally';

describe('faults: verification after the move, and the rollback after a failed one, lose their connection (fault proxy, real registry, the CLI)', function () {
  this.timeout(120_000);
  const suite = faultSuite();
  const open = suite.open;

  const cases: { what: string; fault: (repo: string) => FaultPlan; expect: 'old' | 'new' }[] = [
    {
      what: "the answer to the rollback's tag write is reset (the write lands)",
      fault: (repo) => ({ loseAnswer: { request: new RegExp(`^PUT /v2/${repo}/manifests/staging$`) } }),
      expect: 'old',
    },
    {
      what: 'every connection to the registry is dropped during the rollback',
      // New connections refused, and the kept-alive one cut at its next byte up.
      fault: () => ({ refuse: 'all', cut: { direction: 'up', afterBytes: 0, scope: 'total', times: 1_000 } }),
      expect: 'new',
    },
  ];

  for (const c of cases) {
    it(`${c.what} → staging holds the ${c.expect} digest, exit 5, the message says which`, async () => {
      const what = `verify rollback: ${c.what}`;
      const { registry, proxy } = await suite.registryBehindProxy();
      const repo = uniqueRepo();
      const old = await pushImage(registry.url, repo, 'a1b2c3d');
      const next = await pushImage(registry.url, repo, 'b2c3d4e');
      await tagExisting(registry.url, repo, old.digest, 'staging');
      await tagExisting(registry.url, repo, next.digest, 'dev');
      // Asked only after the move was read back: the fault is armed for what follows, the rollback.
      const service = await startVersionServer(old.digest);
      open.push(service);
      service.answer(() => {
        proxy.set(c.fault(repo));
        return old.digest;
      });
      const gate = `{ type: http, name: version, url: "${service.url}/version", body: { contains: "\${digest}" }, within: 2s }`;
      const dir = workspace(
        promotionYaml(`${proxy.host}/${repo}`, [
          { name: 'development', tag: 'dev' },
          { name: 'staging', verify: [gate], onVerifyFailure: 'rollback' },
        ]),
      );

      tally('fault', what);
      const run = await runCli(['promote', 'staging', '--transport', 'registry', '--json'], { cwd: dir, env: cliEnv(suite.svc) });
      const outcome = JSON.parse(run.stdout) as PromotionOutcome;
      const after = await expectKept(what, outcome, { url: registry.url, repo, tag: 'staging' }, old.digest, next.digest);
      assert.equal(run.code, 5, describeRun(run));
      assert.equal(outcome.verification?.status, 'failed');
      assert.equal(after, c.expect === 'old' ? old.digest : next.digest);
      if (c.expect === 'old') {
        assert.equal(proxy.stats.lostAnswers, 1, describeRun(run));
        assert.equal(outcome.verification?.rollback?.status, 'succeeded', outcome.message);
        assert.match(outcome.message, /Rolled back: staging rolled back to sha256:\w{12} .*answer to the write was lost/);
      } else {
        assert.ok(proxy.stats.refused + proxy.stats.cuts > 0, describeRun(run));
        assert.notEqual(outcome.verification?.rollback?.status, 'succeeded', outcome.message);
        assert.match(outcome.message, /The rollback did not finish: .* staging holds sha256:\w{12}, the digest that failed verification/);
        assert.equal(outcome.finalDigest, next.digest);
      }
    });
  }

  it("the answer to the promotion's own tag write is lost (it landed): verified after the move all the same, exit 0", async () => {
    const what = 'verify: answer to the tag write lost';
    const { registry, proxy } = await suite.registryBehindProxy();
    const repo = uniqueRepo();
    const old = await pushImage(registry.url, repo, 'a1b2c3d');
    const next = await pushImage(registry.url, repo, 'b2c3d4e');
    await tagExisting(registry.url, repo, old.digest, 'staging');
    await tagExisting(registry.url, repo, next.digest, 'dev');
    const service = await startVersionServer(next.digest);
    open.push(service);
    const gate = `{ type: http, name: version, url: "${service.url}/version", body: { contains: "\${digest}" }, within: 10s }`;
    const dir = workspace(
      promotionYaml(`${proxy.host}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', verify: [gate], onVerifyFailure: 'rollback' },
      ]),
    );
    proxy.set({ loseAnswer: { request: new RegExp(`^PUT /v2/${repo}/manifests/staging$`) } });
    tally('fault', what);
    const run = await runCli(['promote', 'staging', '--transport', 'registry', '--json'], { cwd: dir, env: cliEnv(suite.svc) });
    const outcome = JSON.parse(run.stdout) as PromotionOutcome;
    await expectKept(what, outcome, { url: registry.url, repo, tag: 'staging' }, old.digest, next.digest);
    assert.equal(proxy.stats.lostAnswers, 1, describeRun(run));
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(outcome.verification?.status, 'passed', outcome.message);
    assert.equal(service.requests(), 1);
    assert.match(outcome.message, /reading staging back showed that the write landed\. Verified: version: /);
  });
});
