// The CLI end to end: every command and every exit code, as a separate process, against the real
// engine and registries of the harness; digests checked over plain HTTP, not through the CLI.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { commandGate, promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, enginePull, makeTempDir, pushImage, startRegistry, tagExisting, unreachableEngine, uniqueRepo, type Registry } from '../harness';
import { cliSuite, describeRun, runCli, startCli, workspace } from './support';

interface HistoryLine {
  kind: string;
  outcome: string;
  digest?: string;
  finalDigest?: string | null;
  target: { environment: string };
  gates: { name: string; status: string; reason: string }[];
}

function historyOf(dir: string): HistoryLine[] {
  try {
    return (
      readFileSync(path.join(dir, '.promotion', 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as HistoryLine)
        // A start line precedes every write (the journal that shows a killed attempt as interrupted).
        .filter((r) => r.outcome !== 'started')
    );
  } catch {
    return [];
  }
}

describe('image-promotion CLI', function () {
  this.timeout(120_000);
  const suite = cliSuite();

  /** Three environments in one repository, production protected; one build pushed. */
  async function threeEnvironments(gates: { staging?: string[]; production?: string[] } = {}) {
    const repo = uniqueRepo();
    const build = await pushImage(suite.svc.registryUrl, repo, 'a1b2c3d');
    const dir = workspace(
      promotionYaml(`${suite.svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', ...(gates.staging ? { gates: gates.staging } : {}) },
        { name: 'production', protected: true, ...(gates.production ? { gates: gates.production } : {}) },
      ]),
    );
    return { repo, build, dir };
  }

  it('promote, status, history: 0, with results on stdout and the record in the history file', async () => {
    const { repo, build, dir } = await threeEnvironments();
    const promoted = await runCli(['promote', 'development', '--build', 'a1b2c3d'], { cwd: dir, env: suite.env });
    assert.equal(promoted.code, 0, describeRun(promoted));
    assert.match(promoted.stdout, /development now holds sha256:\w{12} \(from build a1b2c3d/);
    assert.doesNotMatch(promoted.stdout, /Promote sha256/, 'the confirmation is a message: stderr');
    assert.match(promoted.stderr, /Promote sha256:\w{12} from build a1b2c3d into development\?/);
    assert.doesNotMatch(promoted.stderr, /…/, 'no progress lines without a terminal');
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'dev'), build.digest);

    const status = await runCli(['status', '--json'], { cwd: dir, env: suite.env });
    assert.equal(status.code, 0, describeRun(status));
    const parsed = JSON.parse(status.stdout) as {
      environments: { name: string; state: string; digest?: string; lastPromotion?: { digest: string; by: string } }[];
      builds: { rows: { tag: string; heldBy: string[] }[] };
      engine: { state: string };
    };
    assert.deepEqual(
      parsed.environments.map((e) => [e.name, e.state]),
      [
        ['development', 'present'],
        ['staging', 'empty'],
        ['production', 'empty'],
      ],
    );
    assert.equal(parsed.environments[0]!.digest, build.digest);
    assert.equal(parsed.environments[0]!.lastPromotion?.digest, build.digest);
    assert.deepEqual(
      parsed.builds.rows.map((b) => [b.tag, b.heldBy]),
      [['a1b2c3d', ['development']]],
    );
    assert.equal(parsed.engine.state, 'ok');

    const text = await runCli(['status'], { cwd: dir, env: suite.env });
    assert.equal(text.code, 0, describeRun(text));
    assert.match(text.stdout, /development\s+dev · sha256:\w{12}\s+last: sha256:\w{12} promoted by /);
    assert.match(text.stdout, /staging\s+staging · empty/);

    const history = await runCli(['history', '--json'], { cwd: dir, env: suite.env });
    assert.equal(history.code, 0, describeRun(history));
    const records = (JSON.parse(history.stdout) as { records: HistoryLine[] }).records;
    assert.deepEqual(
      records.map((r) => [r.target.environment, r.outcome, r.digest]),
      [['development', 'succeeded', build.digest]],
    );

    const again = await runCli(['promote', 'development', '--build', 'a1b2c3d'], { cwd: dir, env: suite.env });
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stdout, /already holds sha256:\w{12}.*: nothing to move/);
  });

  it('check and promote blocked by a gate: 1, nothing written, the attempt recorded; on GitHub Actions an annotation and a summary', async () => {
    const { repo, build, dir } = await threeEnvironments({
      staging: [commandGate('smoke', [process.execPath, '-e', 'console.log("smoke failed: 503"); process.exit(3)'])],
    });
    assert.equal((await runCli(['promote', 'development', '--build', 'a1b2c3d'], { cwd: dir, env: suite.env })).code, 0);
    const check = await runCli(['check', 'staging'], { cwd: dir, env: suite.env });
    assert.equal(check.code, 1, describeRun(check));
    assert.match(check.stdout, /^development → staging \(sha256:\w{12}\): blocked$/m);
    assert.match(check.stdout, /^✓ promotion order: /m);
    assert.match(check.stdout, /^✗ smoke: exited with code 3 .*smoke failed: 503/m);

    const summary = path.join(makeTempDir('cli-summary'), 'summary.md');
    writeFileSync(summary, '');
    const blocked = await runCli(['promote', 'staging'], { cwd: dir, env: { ...suite.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    assert.equal(blocked.code, 1, describeRun(blocked));
    assert.match(blocked.stderr, /^::error title=promotion into staging blocked::Not promoted into staging: smoke: /m);
    assert.doesNotMatch(blocked.stdout, /::error/, 'annotations stay off stdout');
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), undefined);
    const table = readFileSync(summary, 'utf8');
    assert.match(table, /### Promotion into staging: blocked/);
    assert.match(table, /\| development \| staging \| `sha256:\w{12}` \| empty \| unchanged \| \w+ \| ✓ promotion order<br>.*✗ smoke \| blocked \|/);
    assert.deepEqual(
      historyOf(dir).map((r) => [r.target.environment, r.outcome]),
      [
        ['development', 'succeeded'],
        ['staging', 'blocked'],
      ],
    );
    void build;
  });

  it('a closed release window blocks check and promote: 1, with why and when it opens; open, both pass', async () => {
    const { repo, build, dir } = await threeEnvironments({
      staging: ['{ type: window, timezone: Europe/Berlin, allow: ["Mon-Fri 09:00-17:00"], deny: ["2026-12-20T00:00:00Z/2027-01-06T00:00:00Z"] }'],
    });
    assert.equal((await runCli(['promote', 'development', '--build', 'a1b2c3d'], { cwd: dir, env: suite.env })).code, 0);
    // The CLI's test hook for the clock: a Saturday, then inside the holiday freeze, then a Monday morning in Berlin.
    const at = (instant: string): NodeJS.ProcessEnv => ({ ...suite.env, IMAGE_PROMOTION_TEST_NOW: instant });

    const saturday = await runCli(['check', 'staging'], { cwd: dir, env: at('2026-12-12T10:00:00Z') });
    assert.equal(saturday.code, 1, describeRun(saturday));
    assert.match(saturday.stdout, /^development → staging \(sha256:\w{12}\): blocked$/m);
    assert.match(saturday.stdout, /^✗ window Europe\/Berlin: outside Mon-Fri 09:00-17:00 Europe\/Berlin; opens Mon 09:00$/m);
    const status = await runCli(['status', '--json'], { cwd: dir, env: at('2026-12-12T10:00:00Z') });
    assert.equal(status.code, 0, describeRun(status));
    const rows = (JSON.parse(status.stdout) as { environments: { name: string; description: string; window?: unknown }[] }).environments;
    assert.equal(rows.find((e) => e.name === 'development')?.window, undefined, 'no window gate, no window');
    const staging = rows.find((e) => e.name === 'staging');
    assert.deepEqual(staging?.window, {
      open: false,
      opensAt: '2026-12-14T08:00:00.000Z',
      reason: 'outside Mon-Fri 09:00-17:00 Europe/Berlin; opens Mon 09:00',
    });
    assert.match(staging?.description ?? '', / · frozen until Mon 09:00 Europe\/Berlin$/);

    const frozen = await runCli(['promote', 'staging'], { cwd: dir, env: at('2026-12-22T10:00:00Z') });
    assert.equal(frozen.code, 1, describeRun(frozen));
    assert.match(frozen.stderr, /window Europe\/Berlin: frozen: deny 2026-12-20T00:00:00Z\/2027-01-06T00:00:00Z until Wed 6 Jan 09:00 Europe\/Berlin/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), undefined, 'nothing written while frozen');

    const monday = at('2026-12-14T10:00:00Z');
    const open = await runCli(['check', 'staging'], { cwd: dir, env: monday });
    assert.equal(open.code, 0, describeRun(open));
    assert.match(open.stdout, /^✓ window Europe\/Berlin: open: inside Mon-Fri 09:00-17:00 Europe\/Berlin; closes Mon 17:00$/m);
    const promoted = await runCli(['promote', 'staging'], { cwd: dir, env: monday });
    assert.equal(promoted.code, 0, describeRun(promoted));
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), build.digest);
  });

  it("the clock's test hook refuses what is not an instant: 2", async () => {
    const { dir } = await threeEnvironments();
    const run = await runCli(['status'], { cwd: dir, env: { ...suite.env, IMAGE_PROMOTION_TEST_NOW: 'monday' } });
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, /IMAGE_PROMOTION_TEST_NOW \(a test hook\) must be an ISO 8601 instant/);
  });

  it('a protected environment needs --yes and --approved-by without a terminal; the approver is recorded', async () => {
    const { repo, build, dir } = await threeEnvironments({ production: ['{ type: approval }'] });
    await tagExisting(suite.svc.registryUrl, repo, build.digest, 'staging');
    const refused = await runCli(['promote', 'production', '--yes'], { cwd: dir, env: suite.env });
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stderr, /production needs approval and there is no terminal to ask: pass --approved-by NAME/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), undefined);
    assert.deepEqual(historyOf(dir), [], 'refused before anything ran');

    const noYes = await runCli(['promote', 'production', '--approved-by', 'alice'], { cwd: dir, env: suite.env });
    assert.equal(noYes.code, 1, describeRun(noYes));
    assert.match(noYes.stderr, /pass --yes/);

    const approved = await runCli(['promote', 'production', '--yes', '--json'], { cwd: dir, env: { ...suite.env, GITHUB_ACTOR: 'octo-reviewer' } });
    assert.equal(approved.code, 0, describeRun(approved));
    const outcome = JSON.parse(approved.stdout) as { status: string; exitCode: number; recorded: boolean };
    assert.deepEqual([outcome.status, outcome.exitCode, outcome.recorded], ['succeeded', 0, true]);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'production'), build.digest);
    const record = historyOf(dir).at(-1)!;
    assert.equal(record.outcome, 'succeeded');
    assert.match(record.gates.find((g) => g.name === 'approval')!.reason, /approved by octo-reviewer/);
  });

  it('usage and config errors: 2, with what is wrong on stderr (and as JSON with --json)', async () => {
    const { dir } = await threeEnvironments();
    const cases: [string[], RegExp][] = [
      [['promote', 'qa'], /There is no environment "qa" in the promotion config \(it has development, staging, production\)/],
      [['promote', 'development'], /development is the first environment: say which build with --build/],
      [['promote', 'development', '--build', 'fffffff'], /There is no tag fffffff in 127\.0\.0\.1:\d+\/t\/\w+\/app/],
      [['promote', 'development', '--transport', 'boat', '--build', 'a1b2c3d'], /Allowed choices are auto, engine, registry/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['status', '--config', path.join(dir, 'missing.yaml')], /No promotion config at .*missing\.yaml/],
      [['rollback', 'staging'], /has no earlier digest of staging to roll back to/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args, { cwd: dir, env: suite.env });
      assert.equal(run.code, 2, `${args.join(' ')}: ${describeRun(run)}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    const bad = workspace('image: UPPER/case\nenvironments: []\n');
    const invalid = await runCli(['status', '--json'], { cwd: bad, env: suite.env });
    assert.equal(invalid.code, 2, describeRun(invalid));
    assert.match(invalid.stderr, /\.promotion\.yaml has errors:\n.*\.promotion\.yaml:\d+:\d+: environments: expected at least one environment/);
    assert.equal((JSON.parse(invalid.stdout) as { exitCode: number }).exitCode, 2);
  });

  it('a registry that does not answer: 3; status says which environment', async () => {
    const dir = workspace(promotionYaml('127.0.0.1:9/t/none/app', [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    const status = await runCli(['status', '--timeout', '3'], { cwd: dir, env: suite.env });
    assert.equal(status.code, 3, describeRun(status));
    assert.match(status.stderr, /^development: .*127\.0\.0\.1:9/m);
    const promote = await runCli(['promote', 'staging', '--timeout', '3'], { cwd: dir, env: suite.env });
    assert.equal(promote.code, 3, describeRun(promote));
  });

  it('an engine that is down: 3 through the engine; status reports it and still answers 0', async () => {
    const { repo, dir } = await threeEnvironments();
    const down = await unreachableEngine('unix-refused');
    try {
      const downEnv = { ...suite.env, DOCKER_HOST: down.host };
      const promote = await runCli(['promote', 'development', '--build', 'a1b2c3d', '--transport', 'engine'], { cwd: dir, env: downEnv });
      assert.equal(promote.code, 3, describeRun(promote));
      assert.match(promote.stderr, new RegExp(`The Docker engine at ${down.host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not answer`));
      assert.equal(await digestOf(suite.svc.registryUrl, repo, 'dev'), undefined);
      const status = await runCli(['status', '--json'], { cwd: dir, env: downEnv });
      assert.equal(status.code, 0, describeRun(status));
      assert.equal((JSON.parse(status.stdout) as { engine: { state: string } }).engine.state, 'error');
    } finally {
      await down.dispose();
    }
  });

  it('SIGTERM while a gate runs: 130, the gate stopped, nothing written, recorded as cancelled', async () => {
    const { repo, dir } = await threeEnvironments({
      staging: [commandGate('slow', [process.execPath, '-e', 'console.log("gate started"); setTimeout(() => {}, 60000)'])],
    });
    assert.equal((await runCli(['promote', 'development', '--build', 'a1b2c3d'], { cwd: dir, env: suite.env })).code, 0);
    const cli = startCli(['promote', 'staging', '--verbose'], { cwd: dir, env: suite.env });
    const started = Date.now();
    while (!/gate started|slow/.test(cli.stderrSoFar())) {
      if (Date.now() - started > 30_000) throw new Error(`the gate never started:\n${cli.stderrSoFar()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    cli.child.kill('SIGTERM');
    const run = await cli.done;
    assert.equal(run.code, 130, describeRun(run));
    assert.ok(Date.now() - started < 30_000, 'it did not wait for the gate to finish');
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), undefined);
    assert.equal(historyOf(dir).at(-1)!.outcome, 'cancelled');
  });

  describe('against a second registry', () => {
    let second: Registry;
    before(async () => {
      second = await startRegistry();
    });
    after(async () => {
      await second?.stop();
    });

    it('a verification mismatch: 4, the target put back to what it held', async () => {
      // Engine 20.10 compresses the layers again when it pushes into another registry: the pushed
      // manifest gets another digest. The CLI must catch it and put the target back.
      const repo = uniqueRepo();
      const build = await pushImage(suite.svc.registryUrl, repo, 'b1b2b3b', { files: { 'app.txt': `hello ${repo}` } });
      const older = await pushImage(second.url, repo, 'o1d0000');
      await tagExisting(second.url, repo, older.digest, 'production');
      await tagExisting(suite.svc.registryUrl, repo, build.digest, 'staging');
      await enginePull(suite.svc.dockerHost, `${suite.svc.registry}/${repo}@${build.digest}`);
      const dir = workspace(promotionYaml(`${suite.svc.registry}/${repo}`, [{ name: 'staging' }, { name: 'production', image: `${second.host}/${repo}` }]));
      const run = await runCli(['promote', 'production', '--transport', 'engine', '--json'], { cwd: dir, env: suite.env });
      assert.equal(run.code, 4, describeRun(run));
      const outcome = JSON.parse(run.stdout) as { status: string; error: { kind: string }; finalDigest: string; message: string };
      assert.equal(outcome.error.kind, 'verification');
      assert.match(outcome.message, /Verification failed: production should hold/);
      assert.equal(await digestOf(second.url, repo, 'production'), older.digest, 'put back');
      assert.equal(outcome.finalDigest, older.digest);
      assert.equal(historyOf(dir).at(-1)!.outcome, 'failed');
    });

    it('SIGINT in the middle of a registry-side copy: 130, the target untouched, recorded as cancelled', async () => {
      const repo = uniqueRepo();
      // Random bytes do not compress: the copy streams ~48 MiB between registries, long enough to interrupt.
      const build = await pushImage(suite.svc.registryUrl, repo, 'c1c2c3c', { files: { 'blob.bin': randomBytes(48 * 1024 * 1024) } });
      await tagExisting(suite.svc.registryUrl, repo, build.digest, 'dev');
      const dir = workspace(
        promotionYaml(`${suite.svc.registry}/${repo}`, [
          { name: 'development', tag: 'dev' },
          { name: 'remote', image: `${second.host}/${repo}` },
        ]),
      );
      const cli = startCli(['promote', 'remote', '--transport', 'registry', '--verbose'], { cwd: dir, env: suite.env });
      const started = Date.now();
      while (!/registry: copy /.test(cli.stderrSoFar())) {
        if (Date.now() - started > 60_000) throw new Error(`the copy never started:\n${cli.stderrSoFar()}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      cli.child.kill('SIGINT');
      const run = await cli.done;
      assert.equal(run.code, 130, describeRun(run));
      assert.match(run.stderr, /SIGINT: cancelling/);
      assert.match(run.stdout, /^Cancelled\. Nothing was written; remote still holds nothing\./m);
      assert.equal(await digestOf(second.url, repo, 'remote'), undefined, 'untouched');
      const record = historyOf(dir).at(-1)!;
      assert.deepEqual([record.target.environment, record.outcome, record.finalDigest], ['remote', 'cancelled', null]);
    });
  });

  it('rollback: back to the digest held before, 0; --to a digest never held is 2', async () => {
    const { repo, build, dir } = await threeEnvironments();
    const newer = await pushImage(suite.svc.registryUrl, repo, 'd4d4d4d');
    assert.equal((await runCli(['promote', 'development', '--build', 'a1b2c3d'], { cwd: dir, env: suite.env })).code, 0);
    assert.equal((await runCli(['promote', 'development', '--build', newer.digest], { cwd: dir, env: suite.env })).code, 0);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'dev'), newer.digest);
    const never = await runCli(['rollback', 'development', '--to', `sha256:${'0'.repeat(64)}`], { cwd: dir, env: suite.env });
    assert.equal(never.code, 2, describeRun(never));
    assert.match(never.stderr, /development never held sha256:0{64}/);
    const back = await runCli(['rollback', 'development'], { cwd: dir, env: suite.env });
    assert.equal(back.code, 0, describeRun(back));
    assert.match(back.stdout, /development rolled back to sha256:\w{12}/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'dev'), build.digest);
    const history = await runCli(['history', 'development'], { cwd: dir, env: suite.env });
    assert.match(history.stdout.split('\n')[0]!, /development {2}sha256:\w{12} {2}rollback succeeded/);
  });
});
