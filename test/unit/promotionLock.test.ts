// The cross-process promotion lock, between real processes: the second promotion is refused with who
// holds the lock; a lock whose process died is taken over; a live one never is.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../src/core/log';
import { promotionLockPath, tryPromotionLock } from '../../src/history/promotionLock';
import { promote, type PromotionServices } from '../../src/promotion/promote';
import { TargetLocks } from '../../src/promotion/targetLocks';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import { tally } from '../faults/tally';
import { promotionYaml } from '../fixtures/promotionYaml';

const holderScript = path.join(__dirname, 'fixtures', 'lockHolder.js');

function startHolder(file: string, what: string, releaseAfter?: number): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [holderScript, file, what, ...(releaseAfter ? [String(releaseAfter)] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, line: out.split('\n')[0]! });
    });
    child.on('error', reject);
    child.on('exit', (code) => (out.includes('\n') ? undefined : reject(new Error(`lock holder exited with ${code}`))));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('cross-process promotion lock', function () {
  this.timeout(20_000);
  let dir: string;
  let children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-lock-'));
  });
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    children = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second process while the first holds it, naming the holder; takes it over once the holder is killed', async () => {
    const file = path.join(dir, 'history.jsonl.staging.lock');
    const first = await startHolder(file, 'build 3f9c2ab → staging');
    children.push(first.child);
    assert.equal(first.line, `held ${first.child.pid}`);
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(owner['pid'], first.child.pid);
    assert.equal(owner['host'], os.hostname());
    assert.equal(owner['what'], 'build 3f9c2ab → staging');
    assert.ok(!Number.isNaN(Date.parse(String(owner['started']))));

    const second = await startHolder(file, 'staging → staging');
    children.push(second.child);
    assert.match(second.line, new RegExp(`^busy build 3f9c2ab → staging, by process ${first.child.pid} on ${os.hostname().replace(/\./g, '\\.')} since `));
    const here = await tryPromotionLock(file, 'this process');
    assert.ok('busy' in here && here.owner?.pid === first.child.pid);

    first.child.kill('SIGKILL'); // the extension host killed mid-promotion: no release
    await exited(first.child);
    tally('fault', 'lock holder killed mid-promotion');
    assert.ok(existsSync(file), 'a killed holder leaves its lock behind');
    const taken = await tryPromotionLock(file, 'after the crash');
    assert.ok('release' in taken, 'the lock of a dead process is taken over');
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid, process.pid);
    await taken.release();
    assert.ok(!existsSync(file), 'released');
  });

  it('never takes over a lock from another host, nor an unreadable one', async () => {
    const file = path.join(dir, 'x.lock');
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'build-agent-7', started: '2026-01-01T00:00:00.000Z', what: 'dev → staging', token: 't' }));
    const other = await tryPromotionLock(file, 'me');
    assert.ok('busy' in other && /by process 1 on build-agent-7/.test(other.busy));
    writeFileSync(file, '{"pid":');
    const broken = await tryPromotionLock(file, 'me');
    assert.ok('busy' in broken && /unreadable lock file .*delete it if no promotion is running/.test(broken.busy));
    assert.equal(readFileSync(file, 'utf8'), '{"pid":', 'left as it was');
  });

  it('promote() is refused while another process holds the environment, before touching the registry, and releases on every exit', async () => {
    const parsed = parsePromotionConfig(promotionYaml('127.0.0.1:9/app', [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    const cfg = parsed.config!;
    assert.ok(cfg, JSON.stringify(parsed.diagnostics));
    const target = cfg.environments[1]!;
    const historyFile = path.join(dir, 'history.jsonl');
    const file = promotionLockPath(historyFile, target.name, `127.0.0.1:9/app:${target.tag}`);
    const holder = await startHolder(file, 'build abc → staging');
    children.push(holder.child);
    let registryCalls = 0;
    const registry = new Proxy(
      {},
      {
        get: () => () => {
          registryCalls++;
          return Promise.reject(new Error('registry down'));
        },
      },
    ) as PromotionServices['registry'];
    const services: PromotionServices = {
      registry,
      engine: () => Promise.reject(new Error('no engine')),
      credentials: { get: async () => undefined } as unknown as PromotionServices['credentials'],
      describe: () => Promise.reject(new Error('no')),
      locks: new TargetLocks(),
      log: silentLogger,
    };
    const prompts = { confirm: async () => true, confirmMovedTarget: async () => false };
    const envFor = { trusted: true, workspaceDir: dir, prompts, progress: () => undefined, historyFile };
    const outcome = await promote({ config: cfg, source: { kind: 'environment', environment: cfg.environments[0]! }, target }, services, envFor);
    tally('promotion', 'second process promoting into a locked environment');
    assert.equal(outcome.status, 'blocked');
    assert.match(outcome.message, new RegExp(`already running \\(build abc → staging, by process ${holder.child.pid} on `));
    assert.equal(registryCalls, 0, 'refused before any request');

    holder.child.kill('SIGKILL');
    await exited(holder.child);
    const failed = await promote({ config: cfg, source: { kind: 'environment', environment: cfg.environments[0]! }, target }, services, envFor);
    assert.equal(failed.status, 'failed', 'ran (the dead holder’s lock was taken over) and failed on the registry');
    assert.ok(registryCalls > 0);
    assert.ok(!existsSync(file), 'the lock is released after a failure too');
  });
});
