// The GitHub Action as the runner runs it: `node <runs.main of action.yml>` in the workspace, each
// input as INPUT_<NAME> (upper-cased, dashes kept, defaults from action.yml), GITHUB_ACTIONS=true, and
// the outputs read back from the $GITHUB_OUTPUT file, against the harness's engine and registry.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, makeTempDir, pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { actionYaml, runAction } from './actionSupport';
import { cliEnv, workspace } from './support';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function buildAction(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['esbuild.mjs', '--action', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe('the GitHub Action (action.yml)', function () {
  this.timeout(180_000);

  it('declares the inputs and outputs the entry reads and writes, and runs a committed Node 20 bundle', () => {
    const action = actionYaml();
    assert.equal(action.runs.using, 'node20');
    assert.ok(existsSync(path.join(ROOT, action.runs.main)), `${action.runs.main} is committed`);
    assert.deepEqual(Object.keys(action.inputs), ['command', 'environment', 'build', 'config', 'approved-by', 'transport', 'yes']);
    assert.deepEqual(Object.keys(action.outputs), ['digest', 'previous-digest', 'status', 'transport']);
  });

  it('the committed bundle is what the sources build now (else: run npm run build:action)', async () => {
    const committed = await buildAction(['--check']);
    assert.equal(committed.code, 0, `npm run build:action and commit action/index.js:\n${committed.stderr}`);
    // The check itself fails, and says what to do, when the file differs.
    const stale = path.join(makeTempDir('action-stale'), 'index.js');
    copyFileSync(path.join(ROOT, actionYaml().runs.main), stale);
    writeFileSync(stale, readFileSync(stale, 'utf8').replace('image-promotion', 'image-promoti0n'));
    const tampered = await buildAction(['--check', `--out=${stale}`]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /index\.js is stale: it is not what the sources build now\. Run `npm run build:action` and commit/);
  });

  describe('run as the runner runs it', () => {
    let svc: TestServices;
    let repo: string;
    let dir: string;
    let first: string;
    let second: string;
    before(async () => {
      svc = await sharedServices();
      repo = uniqueRepo();
      first = (await pushImage(svc.registryUrl, repo, 'a1a1a1a')).digest;
      second = (await pushImage(svc.registryUrl, repo, 'b2b2b2b')).digest;
      dir = workspace(
        promotionYaml(`${svc.registry}/${repo}`, [
          { name: 'development', tag: 'dev' },
          { name: 'production', protected: true, gates: ['{ type: approval }'] },
        ]),
      );
    });
    const env = (): NodeJS.ProcessEnv => cliEnv(svc, { GITHUB_ACTOR: 'octo-actor' });

    it('promotes a build and writes digest, previous-digest, status and transport as step outputs', async () => {
      const run = await runAction({ command: 'promote', environment: 'development', build: 'a1a1a1a', transport: 'registry' }, { cwd: dir, env: env() });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), first);
      assert.deepEqual(run.outputs, { digest: first, 'previous-digest': '', status: 'succeeded', transport: 'registry' });
      assert.match(run.summary, /### Promotion into development: succeeded/);

      const next = await runAction({ command: 'promote', environment: 'development', build: 'b2b2b2b' }, { cwd: dir, env: env() });
      assert.equal(next.code, 0, next.stderr);
      assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), second);
      assert.equal(next.outputs.digest, second);
      assert.equal(next.outputs['previous-digest'], first, 'what development held before');
      assert.equal(next.outputs.status, 'succeeded');
      assert.match(next.outputs.transport ?? '', /^(engine|registry)$/);
    });

    it('approves a protected environment with yes and approved-by, and records the approver', async () => {
      const unapproved = await runAction({ command: 'promote', environment: 'production' }, { cwd: dir, env: env() });
      assert.equal(unapproved.code, 1, 'without yes nothing is promoted');
      assert.equal(await digestOf(svc.registryUrl, repo, 'production'), undefined);
      assert.match(unapproved.stderr, /^::error /m);

      const run = await runAction({ command: 'promote', environment: 'production', yes: 'true', 'approved-by': 'octo-reviewer' }, { cwd: dir, env: env() });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await digestOf(svc.registryUrl, repo, 'production'), second);
      assert.deepEqual({ ...run.outputs, transport: undefined }, { digest: second, 'previous-digest': '', status: 'succeeded', transport: undefined });
      assert.match(readFileSync(path.join(dir, '.promotion', 'history.jsonl'), 'utf8'), /approved by octo-reviewer/);
    });

    it('checks gates with status as an output, and refuses a wrong input with an annotation before anything runs', async () => {
      const check = await runAction({ command: 'check', environment: 'production' }, { cwd: dir, env: env() });
      assert.equal(check.code, 0, check.stderr);
      assert.deepEqual(check.outputs, { digest: second, status: 'passed' });
      // development holds the second build: promoting the first into production skips it.
      const blocked = await runAction({ command: 'check', environment: 'production', build: 'a1a1a1a' }, { cwd: dir, env: env() });
      assert.equal(blocked.code, 1, blocked.stderr);
      assert.deepEqual(blocked.outputs, { digest: first, status: 'blocked' });

      const wrong = await runAction({ command: 'promote', build: 'a1a1a1a' }, { cwd: dir, env: env() });
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /^::error title=image-promotion inputs::The command promote needs the input environment/m);
      assert.deepEqual(wrong.outputs, {});
    });
  });
});
