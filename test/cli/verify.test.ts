// Verification after the move, end to end: the CLI as a separate process against the harness registry,
// the environment's service a real HTTP server on loopback; what staging holds read back over HTTP.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { startVersionServer, type VersionServer } from '../harness/versionServer';
import { cliEnv, describeRun, runCli, startCli, workspace } from './support';

interface Line {
  kind: string;
  outcome: string;
  digest?: string;
  finalDigest?: string | null;
  message: string;
  verification?: { status: string; onFailure: string; gates: { name: string; status: string; reason: string }[] };
}

function historyOf(dir: string): Line[] {
  return readFileSync(path.join(dir, '.promotion', 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line)
    .filter((r) => r.outcome !== 'started');
}

describe('verification after the move (CLI)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let env: NodeJS.ProcessEnv;
  let service: VersionServer;
  before(async () => {
    svc = await sharedServices();
    env = cliEnv(svc);
    service = await startVersionServer('nothing yet');
  });
  after(() => service?.stop());

  /** development → staging, staging verified by its /version answering the promoted digest. */
  async function setup(verify: { path?: string; within: string; timeoutSeconds?: number; onVerifyFailure?: string }) {
    const repo = uniqueRepo();
    const old = await pushImage(svc.registryUrl, repo, 'a1b2c3d');
    const next = await pushImage(svc.registryUrl, repo, 'b2c3d4e');
    const gate = `{ type: http, name: version, url: "${service.url}${verify.path ?? '/version'}", body: { contains: "\${digest}" }, within: ${verify.within}${verify.timeoutSeconds ? `, timeoutSeconds: ${verify.timeoutSeconds}` : ''} }`;
    const dir = workspace(
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', verify: [gate], ...(verify.onVerifyFailure ? { onVerifyFailure: verify.onVerifyFailure } : {}) },
      ]),
    );
    const promote = (...args: string[]) => runCli(['promote', ...args], { cwd: dir, env });
    return { repo, old, next, dir, promote };
  }

  it('retries until the service answers the new version, then reports it verified (exit 0)', async () => {
    const { repo, old, next, dir, promote } = await setup({ within: '1m' });
    service.answer(() => old.digest);
    assert.equal((await promote('development', '--build', 'a1b2c3d')).code, 0);
    const first = await promote('staging');
    assert.equal(first.code, 0, describeRun(first));
    assert.match(first.stdout, /Verified: version: GET http:\/\/127\.0\.0\.1:\d+\/version: answered 200 OK and .* \(at the first attempt\)/);

    assert.equal((await promote('development', '--build', 'b2c3d4e')).code, 0);
    service.answer((n) => (n < 3 ? old.digest : next.digest));
    const second = await promote('staging', '--json');
    assert.equal(second.code, 0, describeRun(second));
    const json = JSON.parse(second.stdout) as { status: string; message: string; verification: { status: string } };
    assert.equal(json.status, 'succeeded');
    assert.equal(json.verification.status, 'passed');
    assert.match(json.message, /Verified: version: .*\(after 3 attempts in \d+s\)/);
    assert.equal(service.requests(), 3);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), next.digest);
    const last = historyOf(dir).at(-1)!;
    assert.equal(last.outcome, 'succeeded');
    assert.equal(last.verification?.status, 'passed');
    assert.equal(last.verification?.gates[0]?.status, 'passed');
  });

  it('never the new version: exit 5, rolled back through a recorded rollback, staging holds the old digest again', async () => {
    const { repo, old, next, dir, promote } = await setup({ within: '5s', onVerifyFailure: 'rollback' });
    service.answer(() => old.digest);
    assert.equal((await promote('development', '--build', 'a1b2c3d')).code, 0);
    assert.equal((await promote('staging')).code, 0);
    assert.equal((await promote('development', '--build', 'b2c3d4e')).code, 0);

    const run = await promote('staging', '--json');
    assert.equal(run.code, 5, describeRun(run));
    const json = JSON.parse(run.stdout) as {
      status: string;
      message: string;
      finalDigest: string;
      exitCode: number;
      verification: { status: string; rollback: { status: string; finalDigest: string } };
    };
    assert.equal(json.status, 'failed');
    assert.equal(json.exitCode, 5);
    assert.match(
      json.message,
      /^The move happened but verification failed: version: did not pass within 5s \(\d+ attempts\): GET .*; staging holds sha256:\w{12} \(moved and verified in the registry\), putting back the digest it held before and holding the environment\. staging is now held, naming sha256:\w{12}: release the hold once the cause is fixed\. Rolled back: staging rolled back to sha256:\w{12} .*verified in the registry/,
    );
    // The rollback went through the hold it placed; the hold names the bad digest, for the whole team.
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir, env })).stdout) as {
      environments: { name: string; hold?: { by: string; digest?: string } }[];
    };
    const hold = status.environments.find((e) => e.name === 'staging')!.hold;
    assert.deepEqual(hold && [hold.by, hold.digest], ['verification', next.digest]);
    assert.equal(json.verification.rollback.status, 'succeeded');
    assert.equal(json.finalDigest, old.digest);
    assert.match(run.stderr, /The move happened but verification failed/);
    // Read back independently: the old digest is in staging again.
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), old.digest);
    const [promotion, rollback] = historyOf(dir).slice(-2);
    assert.deepEqual([promotion!.kind, promotion!.outcome, promotion!.digest, promotion!.finalDigest], ['promotion', 'failed', next.digest, next.digest]);
    assert.equal(promotion!.verification?.status, 'failed');
    assert.equal(promotion!.verification?.onFailure, 'rollback');
    assert.deepEqual([rollback!.kind, rollback!.outcome, rollback!.digest, rollback!.finalDigest], ['rollback', 'succeeded', old.digest, old.digest]);
  });

  it('a service that hangs fails on the http gate timeout; an environment empty before keeps the digest: nothing to put back', async () => {
    const { repo, next, promote } = await setup({ path: '/hang', within: '3s', timeoutSeconds: 1, onVerifyFailure: 'rollback' });
    assert.equal((await promote('development', '--build', 'b2c3d4e')).code, 0);
    const started = Date.now();
    const run = await promote('staging');
    assert.equal(run.code, 5, describeRun(run));
    assert.ok(Date.now() - started < 60_000, 'the gate timeout bounds each attempt');
    assert.match(run.stdout, /version: did not pass within 3s \(\d+ attempts\): GET http:\/\/127\.0\.0\.1:\d+\/hang: .*1 s/);
    assert.match(run.stdout, /staging was empty before this promotion: there is nothing to put back, so it keeps sha256:\w{12}/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), next.digest);
  });

  it('onVerifyFailure report (the default): exit 5, the new digest stays and the message says so', async () => {
    const { repo, old, next, promote } = await setup({ within: '2s' });
    service.answer(() => old.digest);
    assert.equal((await promote('development', '--build', 'b2c3d4e')).code, 0);
    const run = await promote('staging');
    assert.equal(run.code, 5, describeRun(run));
    assert.match(run.stdout, /onVerifyFailure is report: it stays there until someone rolls it back/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), next.digest);
  });

  it('SIGINT during verification: 130, the moved and verified digest stays, and the message and the history say so', async () => {
    const { repo, old, next, dir, promote } = await setup({ within: '1m', onVerifyFailure: 'rollback' });
    service.answer(() => old.digest);
    assert.equal((await promote('development', '--build', 'a1b2c3d')).code, 0);
    assert.equal((await promote('staging')).code, 0);
    assert.equal((await promote('development', '--build', 'b2c3d4e')).code, 0);
    service.answer(() => old.digest); // counts from zero: the first request is this verification's
    const cli = startCli(['promote', 'staging'], { cwd: dir, env });
    const started = Date.now();
    while (service.requests() < 1) {
      if (Date.now() - started > 30_000) throw new Error(`verification never started:\n${cli.stderrSoFar()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    cli.child.kill('SIGINT');
    const run = await cli.done;
    assert.equal(run.code, 130, describeRun(run));
    assert.match(
      run.stdout,
      /^Cancelled during verification: staging holds sha256:\w{12} \(moved and verified in the registry\); its verify gates did not finish\./m,
    );
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), next.digest, 'not rolled back');
    const last = historyOf(dir).at(-1)!;
    assert.deepEqual([last.kind, last.outcome, last.finalDigest, last.verification?.status], ['promotion', 'cancelled', next.digest, 'cancelled']);
  });
});
