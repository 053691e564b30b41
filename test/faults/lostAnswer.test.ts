// The tag write lands but its answer is lost: the fault proxy forwards the manifest PUT for the
// target tag to the real registry and resets the connection when the registry's answer starts. The
// read-back then shows the promoted digest, so the promotion succeeded: exit 0, the message says the
// answer was lost, the history says succeeded. Through the engine (its push's PUT) and registry-side
// (the tool's own PUT), with the real CLI (dist/cli.js) as a separate process.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { pushImage, tagExisting, uniqueRepo } from '../harness';
import { cliEnv, describeRun, runCli, workspace } from '../cli/support';
import { faultSuite } from './faultSuite';
import { expectKept } from './support';
import { tally } from './tally';
import type { PromotionOutcome } from '../../src/promotion/promote';

interface HistoryLine {
  readonly outcome: string;
  readonly digest?: string;
  readonly finalDigest?: string | null;
}

describe('faults: the answer to the tag write is lost, the write landed (fault proxy, real registry and engine, the CLI)', function () {
  this.timeout(120_000);
  const suite = faultSuite();

  for (const transport of ['engine', 'registry'] as const) {
    it(`${transport}: the registry's answer to the manifest PUT is reset → verified by the read-back, exit 0, succeeded`, async () => {
      const what = `${transport}: answer to the tag write lost`;
      const { registry, proxy } = await suite.registryBehindProxy();
      const repo = uniqueRepo();
      const old = await pushImage(registry.url, repo, 'old0001');
      await tagExisting(registry.url, repo, old.digest, 'dev');
      const buildTag = `b${randomBytes(4).toString('hex')}`;
      const build = await pushImage(registry.url, repo, buildTag, { files: { 'data.bin': randomBytes(64 * 1024) } });
      const dir = workspace(promotionYaml(`${proxy.host}/${repo}`, [{ name: 'development', tag: 'dev' }]));

      // Only the write of the tag itself: every read, blob and the build's own manifest pass.
      proxy.set({ loseAnswer: { request: new RegExp(`^PUT /v2/${repo}/manifests/dev$`) } });
      tally('fault', what);
      const run = await runCli(['promote', 'development', '--build', buildTag, '--transport', transport, '--yes', '--json'], {
        cwd: dir,
        env: cliEnv(suite.svc),
      });
      assert.equal(proxy.stats.lostAnswers, 1, `the answer to the tag write was reset once; ${describeRun(run)}`);

      const outcome = JSON.parse(run.stdout) as PromotionOutcome;
      await expectKept(what, outcome, { url: registry.url, repo, tag: 'dev' }, old.digest, build.digest);
      assert.equal(run.code, 0, describeRun(run));
      assert.equal(outcome.status, 'succeeded', outcome.message);
      assert.equal(outcome.finalDigest, build.digest);
      assert.match(outcome.message, /answer .*was lost/i, outcome.message);
      assert.match(outcome.message, /verified/i, outcome.message);

      const history = readFileSync(path.join(dir, '.promotion', 'history.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as HistoryLine)
        .filter((r) => r.outcome !== 'started');
      assert.equal(history.length, 1, JSON.stringify(history));
      assert.equal(history[0]!.outcome, 'succeeded');
      assert.equal(history[0]!.finalDigest, build.digest);
    });
  }
});
