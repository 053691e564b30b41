// The history file on a real disk: durability, forgiving reads, and appends from several processes.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger, type Logger } from '../../src/core/log';
import { LockTimeoutError } from '../../src/history/fileLock';
import { DEFAULT_HISTORY_FILE, HistoryStore, resolveHistoryFile } from '../../src/history/historyStore';
import { recordFromOutcome, type HistoryRecord } from '../../src/history/record';

const DIGEST = `sha256:${'d'.repeat(64)}`;

function record(id: string, message = `record ${id}`): HistoryRecord {
  return recordFromOutcome(
    { status: 'succeeded', message, digest: DIGEST, previousDigest: null, finalDigest: DIGEST, gates: [], durationMs: 5, transport: 'engine' },
    {
      source: { label: 'build 3f9c2ab', buildTag: '3f9c2ab', repository: 'registry.example.com/app' },
      target: { environment: 'staging', tag: 'staging', repository: 'registry.example.com/app' },
      id,
    },
    { name: 'Ada', email: 'ada@example.com', user: 'ada' },
    Date.UTC(2025, 0, 1),
  );
}

function line(r: HistoryRecord): string {
  return `${JSON.stringify(r)}\n`;
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warn: (message: string) => void warnings.push(message), warnings };
}

describe('history store', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'history-'));
    file = path.join(dir, '.promotion', 'history.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the configured location against the workspace, defaulting to .promotion/history.jsonl', () => {
    assert.equal(resolveHistoryFile('/ws'), path.resolve('/ws', DEFAULT_HISTORY_FILE));
    assert.equal(resolveHistoryFile('/ws', ' '), path.resolve('/ws', DEFAULT_HISTORY_FILE));
    assert.equal(resolveHistoryFile('/ws', 'ops/promotions.jsonl'), path.resolve('/ws', 'ops/promotions.jsonl'));
    assert.equal(resolveHistoryFile('/ws', '/shared/h.jsonl'), path.resolve('/shared/h.jsonl'));
  });

  it('reads an absent file as an empty history', async () => {
    assert.deepEqual(await new HistoryStore(file, silentLogger).read(), { records: [], problems: [] });
  });

  it('round-trips records, creating the directory, one line each', async () => {
    const store = new HistoryStore(file, silentLogger);
    const records = [record('1'), record('2', 'a message with a\nnewline and "quotes"'), record('3')];
    for (const r of records) await store.append(r);
    assert.deepEqual((await store.read()).records, records);
    const text = readFileSync(file, 'utf8');
    assert.equal(text.split('\n').length, 4);
    assert.ok(text.endsWith('\n'));
    assert.deepEqual(readdirSync(path.dirname(file)), ['history.jsonl'], 'no lock file left behind');
  });

  it('fsyncs before append resolves, and a fresh store reads what was written', async () => {
    const probe = await fsp.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const original = proto.sync;
    const events: string[] = [];
    proto.sync = function (this: unknown) {
      events.push('sync');
      return original.call(this);
    };
    try {
      await new HistoryStore(file, silentLogger).append(record('1'));
      events.push('resolved');
    } finally {
      proto.sync = original;
    }
    assert.equal(events[0], 'sync');
    assert.equal(events.at(-1), 'resolved');
    assert.deepEqual(
      (await new HistoryStore(file, silentLogger).read()).records.map((r) => r.id),
      ['1'],
    );
  });

  it('appends from one process in call order even when not awaited one by one', async () => {
    const store = new HistoryStore(file, silentLogger);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => store.append(record(id))));
    assert.deepEqual(
      (await store.read()).records.map((r) => r.id),
      ['a', 'b', 'c', 'd', 'e'],
    );
  });

  it('skips corrupt lines with a problem each, keeps the records around them, warns once', async () => {
    const future = { ...record('future'), v: 2 };
    const wrongShape = { ...record('shape'), outcome: 'exploded' };
    const truncated = line(record('truncated')).slice(0, 80);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      [
        line(record('1')),
        'this is not json\n',
        `${truncated}\n`,
        line(wrongShape as unknown as HistoryRecord),
        line(future as unknown as HistoryRecord),
        '\n',
        `${JSON.stringify(record('2'))}\r\n`,
        '[1,2,3]\n',
        line(record('1')),
        line(record('3')),
      ].join(''),
    );
    const log = recordingLogger();
    const { records, problems } = await new HistoryStore(file, log).read();
    assert.deepEqual(
      records.map((r) => r.id),
      ['1', '2', '3'],
    );
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 3, 4, 5, 8, 9],
    );
    assert.match(problems[0]!.reason, /not JSON/);
    assert.match(problems[1]!.reason, /truncated/);
    assert.match(problems[2]!.reason, /outcome is "exploded"/);
    assert.match(problems[3]!.reason, /newer version.*v 2/);
    assert.match(problems[4]!.reason, /not a JSON object/);
    assert.match(problems[5]!.reason, /duplicate of the record on line 1/);
    assert.equal(log.warnings.length, 1);
    assert.match(log.warnings[0]!, /skipped 6 lines \(line 2: .*; and 1 more\)/);
  });

  it('starts an append after a truncated last line on its own line', async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const broken = line(record('broken')).slice(0, 120);
    writeFileSync(file, line(record('1')) + broken);
    const store = new HistoryStore(file, silentLogger);
    const before = await store.read();
    assert.match(before.problems[0]!.reason, /last line is incomplete/);
    await store.append(record('2'));
    const { records, problems } = await store.read();
    assert.deepEqual(
      records.map((r) => r.id),
      ['1', '2'],
    );
    assert.deepEqual(
      problems.map((p) => p.line),
      [2],
    );
    assert.equal(readFileSync(file, 'utf8').split('\n')[2], JSON.stringify(record('2')));
  });

  it('keeps whole lines when several processes append long lines at once, racing to break a stale lock first', async function () {
    this.timeout(60_000);
    const writers = 4;
    const perWriter = 80; // long enough that every writer is still appending when the last one wakes (up to ~0.1 s late on a loaded machine)
    const lineBytes = 8 * 1024;
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, host: os.hostname(), time: Date.now(), token: 'crashed' }));
    const script = path.join(__dirname, 'fixtures', 'historyAppender.js');
    // Started together by a barrier, not a start time agreed in advance: on a loaded machine starting a
    // process took longer than any such head start, and one writer was done before the last one began.
    const ready: Promise<void>[] = [];
    const go: (() => void)[] = [];
    const children = Array.from(
      { length: writers },
      (_, w) =>
        new Promise<{ started: number; finished: number }>((resolve, reject) => {
          const child = spawn(process.execPath, [script, file, `writer${w}`, String(perWriter), String(lineBytes)], {
            stdio: ['pipe', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          let up: () => void = () => undefined;
          ready.push(new Promise<void>((r) => (up = r)));
          go.push(() => child.stdin.end());
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            if (stdout.startsWith('ready\n')) up();
          });
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.stdin.on('error', () => undefined); // a writer that died: its exit says why
          child.on('error', (error) => {
            up();
            reject(error);
          });
          child.on('exit', (code) => {
            up(); // a writer that died before it was ready must not hold the others back
            if (code === 0) resolve(JSON.parse(stdout.slice('ready\n'.length)));
            else reject(new Error(`writer${w} exited ${code}: ${stderr}`));
          });
        }),
    );
    const finished = Promise.all(children);
    finished.catch(() => undefined); // awaited below, once all are started
    await Promise.all(ready);
    for (const start of go) start();
    const runs = await finished;
    // Every writer was inside its appends at one same moment: they really competed.
    assert.ok(Math.max(...runs.map((r) => r.started)) < Math.min(...runs.map((r) => r.finished)), JSON.stringify(runs));
    const { records, problems } = await new HistoryStore(file, silentLogger).read();
    assert.deepEqual(problems, []);
    assert.equal(records.length, writers * perWriter);
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a newline');
    assert.equal(lines.length, writers * perWriter, 'one line per record, none glued or split');
    for (let w = 0; w < writers; w++) {
      const mine = records.filter((r) => r.who.user === `writer${w}`);
      assert.deepEqual(
        mine.map((r) => r.id),
        Array.from({ length: perWriter }, (_, i) => `writer${w}-${i}`),
        'each writer in its own order',
      );
      assert.ok(mine.every((r) => r.message.length === lineBytes && r.message.startsWith(`writer${w}:`)));
    }
    assert.deepEqual(readdirSync(path.dirname(file)), ['history.jsonl'], 'no lock or set-aside lock left');
  });

  describe('lock', () => {
    const lockFile = () => `${file}.lock`;
    const writeLock = async (pid: number, time: number) => {
      await fsp.mkdir(path.dirname(file), { recursive: true });
      writeFileSync(lockFile(), JSON.stringify({ pid, host: os.hostname(), time, token: 'someone-else' }));
    };

    it('breaks a lock whose holder died', async () => {
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      await writeLock(dead, Date.now());
      const started = Date.now();
      await new HistoryStore(file, silentLogger).append(record('1'));
      assert.ok(Date.now() - started < 2_000);
      assert.deepEqual(
        (await new HistoryStore(file, silentLogger).read()).records.map((r) => r.id),
        ['1'],
      );
      assert.deepEqual(readdirSync(path.dirname(file)), ['history.jsonl'], 'the broken lock is gone, nothing set aside is left');
    });

    it('breaks a lock older than the stale limit even when its holder lives', async () => {
      await writeLock(process.pid, Date.now() - 60_000);
      await new HistoryStore(file, silentLogger).append(record('1'));
      assert.ok(!existsSync(lockFile()));
    });

    it('waits for a live holder, then appends', async () => {
      await writeLock(process.pid, Date.now());
      const store = new HistoryStore(file, silentLogger);
      let done = false;
      const appending = store.append(record('1')).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(done, false, 'still waiting while the lock is held');
      rmSync(lockFile());
      await appending;
      assert.deepEqual(
        (await store.read()).records.map((r) => r.id),
        ['1'],
      );
    });

    it('gives up after the timeout, saying who holds it, and leaves the holder its lock', async () => {
      await writeLock(process.pid, Date.now());
      const store = new HistoryStore(file, silentLogger, { timeoutMs: 200 });
      await assert.rejects(store.append(record('1')), (error: Error) => error instanceof LockTimeoutError && error.message.includes(`pid ${process.pid}`));
      assert.ok(existsSync(lockFile()));
      // A failed append does not wedge the ones after it.
      rmSync(lockFile());
      await store.append(record('2'));
      assert.deepEqual(
        (await store.read()).records.map((r) => r.id),
        ['2'],
      );
    });
  });

  // Its speed is a benchmark's to show (npm run bench prints history read times), not a timed test's.
  it('reads 50,000 lines, every one of them', async function () {
    this.timeout(30_000);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) lines.push(JSON.stringify(record(String(i))));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { records, problems } = await new HistoryStore(file, silentLogger).read();
    assert.equal(records.length, 50_000);
    assert.equal(problems.length, 0);
  });
});
