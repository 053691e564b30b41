// promote --auto end to end: the CLI as a separate process against the harness registry, three
// environments of which two are auto; what each holds read back over HTTP, not through the CLI.
import * as assert from 'node:assert/strict';
import { commandGate, promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, pushImage, uniqueRepo } from '../harness';
import { startVersionServer } from '../harness/versionServer';
import { cliSuite, describeRun, runCli, workspace } from './support';

interface Steps {
  steps: { environment: string; from: string; result: string; message: string; digest?: string; exitCode: number }[];
  exitCode: number;
}

describe('promote --auto (CLI)', function () {
  this.timeout(120_000);
  const suite = cliSuite();

  async function pipeline(gates: { staging?: string[]; production?: string[] } = {}) {
    const repo = uniqueRepo();
    const first = await pushImage(suite.svc.registryUrl, repo, 'a1b2c3d');
    const second = await pushImage(suite.svc.registryUrl, repo, 'b2c3d4e');
    const dir = workspace(
      promotionYaml(`${suite.svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', auto: true, ...(gates.staging ? { gates: gates.staging } : {}) },
        { name: 'production', auto: true, ...(gates.production ? { gates: gates.production } : {}) },
      ]),
    );
    const cli = (...args: string[]) => runCli(args, { cwd: dir, env: suite.env });
    const auto = async (): Promise<{ code: number | null; steps: Steps; stderr: string }> => {
      const run = await cli('promote', '--auto', '--json');
      return { code: run.code, steps: JSON.parse(run.stdout) as Steps, stderr: run.stderr };
    };
    return { repo, first, second, dir, cli, auto };
  }

  it('walks the auto environments in order, each taking what the one before holds; then nothing to do (exit 0)', async () => {
    const { repo, first, cli, auto } = await pipeline();
    assert.equal((await cli('promote', 'development', '--build', 'a1b2c3d')).code, 0);
    const walk = await auto();
    assert.equal(walk.code, 0, walk.stderr);
    assert.deepEqual(
      walk.steps.steps.map((s) => [s.environment, s.from, s.result, s.digest]),
      [
        ['staging', 'development', 'promoted', first.digest],
        ['production', 'staging', 'promoted', first.digest],
      ],
    );
    assert.match(walk.stderr, /^staging: promoted: staging now holds sha256:\w{12} \(from development/m);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), first.digest);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), first.digest);

    const again = await cli('promote', '--auto');
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stdout, /^staging: nothing-to-do sha256:\w{12}\nproduction: nothing-to-do sha256:\w{12}\n$/);
  });

  it('a gate that blocks stops the walk there (exit 1): the environments after it are not tried', async () => {
    const { repo, cli, auto } = await pipeline({ staging: [commandGate('smoke', ['false'])] });
    assert.equal((await cli('promote', 'development', '--build', 'a1b2c3d')).code, 0);
    const walk = await auto();
    assert.equal(walk.code, 1, walk.stderr);
    assert.deepEqual(
      walk.steps.steps.map((s) => [s.environment, s.result, s.exitCode]),
      [['staging', 'blocked', 1]],
    );
    assert.match(walk.steps.steps[0]!.message, /Not promoted into staging: smoke: /);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), undefined);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), undefined);
  });

  it('a closed release window is a gate like the others: staging promoted, production blocked (exit 1)', async () => {
    const { repo, first, cli, auto } = await pipeline({ production: ['{ type: window, name: never, deny: ["Mon-Sun 00:00-24:00"] }'] });
    assert.equal((await cli('promote', 'development', '--build', 'a1b2c3d')).code, 0);
    const walk = await auto();
    assert.equal(walk.code, 1, walk.stderr);
    assert.deepEqual(
      walk.steps.steps.map((s) => [s.environment, s.result]),
      [
        ['staging', 'promoted'],
        ['production', 'blocked'],
      ],
    );
    assert.match(walk.steps.steps[1]!.message, /Not promoted into production: never: /);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), first.digest);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), undefined);
  });

  it('a digest rolled back from an environment is skipped with the reason, until a person promotes it', async () => {
    const { repo, first, second, cli, auto } = await pipeline();
    assert.equal((await cli('promote', 'development', '--build', 'a1b2c3d')).code, 0);
    assert.equal((await auto()).code, 0);
    assert.equal((await cli('promote', 'development', '--build', 'b2c3d4e')).code, 0);
    assert.equal((await auto()).code, 0);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), second.digest);
    const rollback = await cli('rollback', 'production');
    assert.equal(rollback.code, 0, describeRun(rollback));
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), first.digest);

    const walk = await auto();
    assert.equal(walk.code, 0, walk.stderr);
    assert.deepEqual(
      walk.steps.steps.map((s) => [s.environment, s.result]),
      [
        ['staging', 'nothing-to-do'],
        ['production', 'skipped'],
      ],
    );
    assert.match(
      walk.steps.steps[1]!.message,
      /^sha256:\w{12} was rolled back from production at .*; it is not auto-promoted there again until a person promotes it/,
    );
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), first.digest);

    // A person promotes it: from then on it is an ordinary digest for the walk again.
    assert.equal((await cli('promote', 'production')).code, 0);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), second.digest);
    const after = await auto();
    assert.deepEqual(
      after.steps.steps.map((s) => [s.environment, s.result]),
      [
        ['staging', 'nothing-to-do'],
        ['production', 'nothing-to-do'],
      ],
    );
  });

  it('a verification that fails stops the walk with 5 and rolls back; the next walk skips that digest there', async () => {
    const service = await startVersionServer('nothing');
    try {
      const repo = uniqueRepo();
      const first = await pushImage(suite.svc.registryUrl, repo, 'a1b2c3d');
      const second = await pushImage(suite.svc.registryUrl, repo, 'b2c3d4e');
      const gate = `{ type: http, name: version, url: "${service.url}/version", body: { contains: "\${digest}" }, within: 2s }`;
      const dir = workspace(
        promotionYaml(`${suite.svc.registry}/${repo}`, [
          { name: 'development', tag: 'dev' },
          { name: 'staging', auto: true, verify: [gate], onVerifyFailure: 'rollback' },
          { name: 'production', auto: true },
        ]),
      );
      const cli = (...args: string[]) => runCli(args, { cwd: dir, env: suite.env });
      service.answer(() => first.digest);
      assert.equal((await cli('promote', 'development', '--build', 'a1b2c3d')).code, 0);
      assert.equal((await cli('promote', '--auto')).code, 0);
      assert.equal((await cli('promote', 'development', '--build', 'b2c3d4e')).code, 0);

      const failed = await cli('promote', '--auto', '--json');
      assert.equal(failed.code, 5, describeRun(failed));
      const steps = (JSON.parse(failed.stdout) as Steps).steps;
      assert.deepEqual(
        steps.map((s) => [s.environment, s.result, s.exitCode]),
        [['staging', 'failed', 5]],
      );
      assert.match(steps[0]!.message, /The move happened but verification failed: .*Rolled back: staging rolled back to/);
      assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), first.digest);
      assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), first.digest, 'the walk stopped before production');

      // The rollback held staging, naming the bad digest: the walk leaves it alone while the hold stands,
      const next = await cli('promote', '--auto', '--json');
      assert.equal(next.code, 0, describeRun(next));
      const nextSteps = (JSON.parse(next.stdout) as Steps).steps;
      assert.deepEqual(
        nextSteps.map((s) => [s.environment, s.result, s.digest]),
        [
          ['staging', 'held', second.digest],
          ['production', 'nothing-to-do', first.digest],
        ],
      );
      assert.match(nextSteps[0]!.message, /staging is held by verification since \S+: verification of sha256:\w{12} failed after the move/);
      // and once a person released it, the digest the hold named (and the history's rollback) stay skipped.
      assert.equal((await cli('release', 'staging', '--by', 'ops')).code, 0);
      const released = await cli('promote', '--auto', '--json');
      assert.equal(released.code, 0, describeRun(released));
      assert.deepEqual(
        (JSON.parse(released.stdout) as Steps).steps.map((s) => [s.environment, s.result, s.digest]),
        [
          ['staging', 'skipped', second.digest],
          ['production', 'nothing-to-do', first.digest],
        ],
      );
    } finally {
      await service.stop();
    }
  });
});
