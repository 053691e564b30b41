// Command gates against real processes: exit codes, environment, timeouts, cancellation, trust.
import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandGateConfig, EnvironmentConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';
import { silentLogger, type Logger } from '../../src/core/log';
import { runCommandGate, UNTRUSTED_REASON } from '../../src/gates/commandGate';
import type { GateContext } from '../../src/gates/gate';
import { isCancelled } from '../../src/core/errors';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const target: EnvironmentConfig = {
  name: 'staging',
  tag: 'staging',
  image: '127.0.0.1:5000/app',
  repository: parseRepository('127.0.0.1:5000/app'),
  protected: false,
  gates: [],
};

function gate(run: string[], extra: Partial<CommandGateConfig> = {}): CommandGateConfig {
  return { type: 'command', name: 'smoke', run, timeoutSeconds: 30, ...extra };
}

/** True once the process no longer runs (absent, or a zombie waiting for its reaper). */
async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('command gates (real processes)', () => {
  let dir: string;
  const lines: string[] = [];
  const log: Logger = { ...silentLogger, info: (m: string) => void lines.push(m) };
  const ctx = (extra: Partial<GateContext> = {}): GateContext => ({
    sourceDigest: DIGEST,
    sourceImage: '127.0.0.1:5000/app',
    sourceEnvironment: 'development',
    target,
    workspaceDir: dir,
    trusted: true,
    log,
    ...extra,
  });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-gate-'));
    lines.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on exit 0 and gives the script the promotion facts in its environment', async () => {
    const script = path.join(dir, 'check.sh');
    writeFileSync(script, '#!/bin/sh\necho "image=$IMAGE digest=$DIGEST from=$SOURCE_ENV to=$TARGET_ENV tag=$TARGET_TAG extra=$EXTRA"\n');
    chmodSync(script, 0o755);
    const result = await runCommandGate(gate(['./check.sh'], { env: { EXTRA: 'yes' } }), ctx());
    assert.equal(result.status, 'passed', result.reason);
    assert.ok(lines.includes(`[smoke] image=127.0.0.1:5000/app digest=${DIGEST} from=development to=staging tag=staging extra=yes`), lines.join('\n'));
  });

  it('fails on a non-zero exit with the code and the last line of output', async () => {
    const result = await runCommandGate(gate(['sh', '-c', 'echo checking; echo "health check returned 503" >&2; exit 3']), ctx());
    assert.equal(result.status, 'failed');
    assert.match(result.reason, /exited with code 3 after [\d.]+ s: health check returned 503/);
  });

  it('never hands arguments to a shell: metacharacters arrive as one literal argument', async () => {
    const marker = path.join(dir, 'pwned');
    const result = await runCommandGate(gate(['node', '-e', 'console.log(process.argv[1])', `x; touch ${marker}`]), ctx());
    assert.equal(result.status, 'passed');
    assert.equal(existsSync(marker), false);
    assert.ok(lines.some((l) => l.endsWith(`x; touch ${marker}`)));
  });

  it('stops a gate that runs past its time limit, with its children', async () => {
    const started = Date.now();
    const pidFile = path.join(dir, 'child.pid');
    const result = await runCommandGate(gate(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutSeconds: 1 }), ctx());
    assert.equal(result.status, 'failed');
    assert.match(result.reason, /timed out after 1 s/);
    assert.ok(Date.now() - started < 10_000);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(await gone(childPid, 5000), 'the background child was killed with its group');
  });

  it('is cancelled with the promotion', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(runCommandGate(gate(['sleep', '30']), ctx({ signal: abort.signal })), (e: unknown) => isCancelled(e));
  });

  it('does not run in an untrusted workspace', async () => {
    const marker = path.join(dir, 'ran');
    const result = await runCommandGate(gate(['touch', marker]), ctx({ trusted: false }));
    assert.equal(result.status, 'failed');
    assert.equal(result.reason, UNTRUSTED_REASON);
    assert.equal(existsSync(marker), false);
  });

  it('reports a program that does not exist', async () => {
    const result = await runCommandGate(gate(['./no-such-script.sh']), ctx());
    assert.equal(result.status, 'error');
    assert.match(result.reason, /cannot run "\.\/no-such-script\.sh": not found/);
  });

  it('runs in cwd relative to the workspace folder', async () => {
    const sub = path.join(dir, 'scripts');
    mkdirSync(sub);
    const result = await runCommandGate(gate(['node', '-e', 'console.log("cwd=" + process.cwd())'], { cwd: 'scripts' }), ctx());
    assert.equal(result.status, 'passed');
    assert.ok(lines.includes(`[smoke] cwd=${sub}`), lines.join('\n'));
  });
});
