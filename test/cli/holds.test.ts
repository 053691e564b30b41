// Holds end to end: the CLI as separate processes against the harness registry. One workspace folder
// holds the environment, a second one (its own folder, its own history file, the same config) reads the
// hold back and is blocked by it: the hold lives in the registry, not in a file. What each tag holds
// is read over HTTP, not through the CLI.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { commandGate, promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, pushImage, uniqueRepo } from '../harness';
import { startWebhookReceiver } from '../harness/webhookReceiver';
import { cliSuite, describeRun, runCli, workspace } from './support';

interface StatusJson {
  environments: { name: string; hold?: { state: string; by: string; at: string; reason: string; digest?: string }; description: string }[];
}

describe('holds (CLI)', function () {
  this.timeout(120_000);
  const suite = cliSuite();

  async function team(extra: { stagingVerify?: string[]; onVerifyFailure?: string; productionAuto?: boolean } = {}) {
    const repo = uniqueRepo();
    const first = await pushImage(suite.svc.registryUrl, repo, 'a1b2c3d');
    const second = await pushImage(suite.svc.registryUrl, repo, 'b2c3d4e');
    const yaml = promotionYaml(`${suite.svc.registry}/${repo}`, [
      { name: 'development', tag: 'dev' },
      {
        name: 'staging',
        ...(extra.stagingVerify ? { verify: extra.stagingVerify } : {}),
        ...(extra.onVerifyFailure ? { onVerifyFailure: extra.onVerifyFailure } : {}),
      },
      { name: 'production', ...(extra.productionAuto ? { auto: true } : {}) },
    ]);
    // Two people: two folders, two history files, one registry.
    const ana = workspace(yaml);
    const ben = workspace(yaml);
    const as =
      (dir: string, who: string) =>
      (...args: string[]) =>
        runCli(args, { cwd: dir, env: { ...suite.env, IMAGE_PROMOTION_APPROVED_BY: who } });
    return { repo, first, second, ana: as(ana, 'ana'), ben: as(ben, 'ben'), anaDir: ana, benDir: ben };
  }

  it('a hold placed in one folder is read back by another process in its own folder, blocks its promotion, and a rollback goes through it', async () => {
    const { repo, first, second, ana, ben, benDir } = await team();
    for (const [build, into] of [
      ['a1b2c3d', 'development'],
      ['', 'staging'],
      ['b2c3d4e', 'development'],
    ] as const) {
      const run = await ana('promote', into, ...(build ? ['--build', build] : []));
      assert.equal(run.code, 0, describeRun(run));
    }
    const held = await ana('hold', 'staging', '--reason', 'database migration in progress', '--json');
    assert.equal(held.code, 0, describeRun(held));
    assert.equal((JSON.parse(held.stdout) as { hold: { by: string } }).hold.by, 'ana');

    // Ben's process, Ben's folder: the hold comes from the registry.
    const status = await ben('status', '--json');
    assert.equal(status.code, 0, describeRun(status));
    const staging = (JSON.parse(status.stdout) as StatusJson).environments.find((e) => e.name === 'staging')!;
    assert.equal(staging.hold?.state, 'held');
    assert.equal(staging.hold?.by, 'ana');
    assert.equal(staging.hold?.reason, 'database migration in progress');
    assert.ok(Date.parse(staging.hold!.at) > Date.now() - 60_000, staging.hold!.at);
    assert.match(staging.description, /held by ana since \S+: database migration in progress/);

    const blocked = await ben('promote', 'staging');
    assert.equal(blocked.code, 1, describeRun(blocked));
    assert.match(blocked.stdout, /Not promoted into staging: hold: staging is held by ana since \S+: database migration in progress/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), first.digest, 'the held environment did not move');
    const check = await ben('check', 'staging');
    assert.equal(check.code, 1, describeRun(check));
    assert.match(check.stdout + check.stderr, /hold.*held by ana/);

    const history = readFileSync(path.join(benDir, '.promotion', 'history.jsonl'), 'utf8');
    assert.match(history, /"name":"hold","type":"builtin","status":"failed"/, 'the blocked attempt records the hold gate');

    const released = await ben('release', 'staging', '--json');
    assert.equal(released.code, 0, describeRun(released));
    assert.equal((JSON.parse(released.stdout) as { released: boolean }).released, true);
    const statusAfter = JSON.parse((await ana('status', '--json')).stdout) as StatusJson;
    assert.equal(statusAfter.environments.find((e) => e.name === 'staging')!.hold, undefined, 'released: no hold shown');
    const promoted = await ben('promote', 'staging');
    assert.equal(promoted.code, 0, describeRun(promoted));
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), second.digest);

    // Held again; the rollback to the earlier digest passes the hold and says so.
    assert.equal((await ana('hold', 'staging', '--reason', 'bad build')).code, 0);
    const rollback = await ben('rollback', 'staging', '--to', first.digest);
    assert.equal(rollback.code, 0, describeRun(rollback));
    assert.match(rollback.stdout, /hold.*held by ana since \S+: bad build; a rollback goes through a hold/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), first.digest);
    const again = await ben('release', 'staging');
    assert.equal(again.code, 0);
    const nothing = await ben('release', 'staging');
    assert.equal(nothing.code, 0);
    assert.match(nothing.stdout, /staging is not held: nothing to release/);
  });

  it('hold without --reason is a usage error (2) and writes nothing', async () => {
    const { ana } = await team();
    const run = await ana('hold', 'staging');
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, /hold needs --reason/);
    const status = JSON.parse((await ana('status', '--json')).stdout) as StatusJson;
    assert.equal(status.environments.find((e) => e.name === 'staging')!.hold, undefined);
  });

  it('onVerifyFailure: hold keeps the digest, holds the environment naming it, and promote --auto leaves it alone', async () => {
    const { repo, second, ana, ben } = await team({
      stagingVerify: [`{ ${commandGate('smoke', ['false']).slice(2, -2)}, within: 1s }`],
      onVerifyFailure: 'hold',
      productionAuto: true,
    });
    assert.equal((await ana('promote', 'development', '--build', 'b2c3d4e')).code, 0);
    const run = await ana('promote', 'staging', '--json');
    assert.equal(run.code, 5, describeRun(run));
    assert.match(run.stdout, /staging is now held, naming sha256:\w{12}/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), second.digest, 'hold, not rollback: the digest stays');
    const status = JSON.parse((await ben('status', '--json')).stdout) as StatusJson;
    const hold = status.environments.find((e) => e.name === 'staging')!.hold!;
    assert.equal(hold.by, 'verification');
    assert.equal(hold.digest, second.digest);
    assert.match(hold.reason, /verification of sha256:\w{12} failed after the move \(smoke: /);
    // Ben's pipeline: production is auto and takes what staging holds — the digest the hold names.
    const auto = await ben('promote', '--auto', '--json');
    assert.equal(auto.code, 0, describeRun(auto));
    const steps = (JSON.parse(auto.stdout) as { steps: { environment: string; result: string; message: string }[] }).steps;
    assert.deepEqual(
      steps.map((s) => [s.environment, s.result]),
      [['production', 'skipped']],
    );
    assert.match(steps[0]!.message, /is the digest verification held staging over/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), undefined);
  });

  it('notify: a hold placed tells the held webhooks; a promotion blocked only for want of approvals tells approval-needed', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const repo = uniqueRepo();
      await pushImage(suite.svc.registryUrl, repo, 'a1b2c3d');
      const yaml =
        promotionYaml(`${suite.svc.registry}/${repo}`, [
          { name: 'development', tag: 'dev' },
          { name: 'staging', gates: ['{ type: approval, count: 2 }'] },
        ]) + `notify:\n  - url: ${receiver.url}/hook\n    on: [held, approval-needed]\n`;
      const dir = workspace(yaml);
      const cli = (...args: string[]) => runCli(args, { cwd: dir, env: suite.env });
      assert.equal((await cli('promote', 'development', '--build', 'a1b2c3d')).code, 0, 'succeeded: not listened to');
      const blocked = await cli('promote', 'staging', '--yes', '--approved-by', 'ana');
      assert.equal(blocked.code, 1, describeRun(blocked));
      const held = await cli('hold', 'staging', '--reason', 'quarter close', '--by', 'ana');
      assert.equal(held.code, 0, describeRun(held));
      await receiver.waitFor(2, 10_000);
      const bodies = receiver.received.map((r) => r.body as { outcome: string; environment: string; message: string; who: { name: string } });
      assert.deepEqual(
        bodies.map((b) => [b.outcome, b.environment]),
        [
          ['approval-needed', 'staging'],
          ['held', 'staging'],
        ],
      );
      assert.match(bodies[0]!.message, /1 of 2 approvals/);
      assert.equal(bodies[1]!.message, 'quarter close');
      assert.equal(bodies[1]!.who.name, 'ana');
    } finally {
      await receiver.stop();
    }
  });
});
