// A promotion whose process died mid-write: its `started` line has no end, and the history reads it
// as interrupted — unless that process still runs (then the promotion is simply under way).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../src/core/log';
import { HistoryStore, parseHistory } from '../../src/history/historyStore';
import { arrivals } from '../../src/history/queries';
import { recordFromOutcome, startedRecord, type HistoryRecord } from '../../src/history/record';
import { tally } from '../faults/tally';

const NEW = `sha256:${'a'.repeat(64)}`;
const OLD = `sha256:${'b'.repeat(64)}`;
const inputs = {
  source: { label: 'build 3f9c2ab', buildTag: '3f9c2ab', repository: 'r.example/app' },
  target: { environment: 'staging', tag: 'staging', repository: 'r.example/app' },
};
const who = { user: 'ada' };

function start(id: string, pid: number, host = os.hostname()): HistoryRecord {
  return startedRecord({ digest: NEW, previousDigest: OLD, transport: 'registry', gates: [] }, { ...inputs, id }, who, { pid, host }, Date.UTC(2026, 0, 1));
}

function end(id: string, startedId: string): HistoryRecord {
  return recordFromOutcome(
    {
      status: 'succeeded',
      message: 'staging now holds …',
      digest: NEW,
      previousDigest: OLD,
      finalDigest: NEW,
      gates: [],
      durationMs: 10,
      transport: 'registry',
    },
    { ...inputs, id, startedId },
    who,
    Date.UTC(2026, 0, 1, 0, 1),
  );
}

const lines = (...records: HistoryRecord[]): string => records.map((r) => `${JSON.stringify(r)}\n`).join('');

describe('interrupted promotions in the history', () => {
  it('a start paired with its end is one attempt; a start alone reads as interrupted and never as an arrival', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const { records, problems } = parseHistory(lines(start('s1', dead), end('e1', 's1'), start('s2', dead)));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      records.map((r) => [r.id, r.outcome]),
      [
        ['e1', 'succeeded'],
        ['s2', 'interrupted'],
      ],
    );
    const interrupted = records[1]!;
    assert.match(interrupted.message, /^Interrupted: the process ended while writing sha256:a+ into staging \(it held sha256:b+ before\)/);
    assert.equal(interrupted.finalDigest, undefined, 'what it holds is the registry’s to say');
    assert.equal(interrupted.process, undefined);
    assert.equal(arrivals(records).arrivedAt('staging', NEW), Date.UTC(2026, 0, 1, 0, 1), 'only the finished attempt counts as an arrival');
  });

  it('the store leaves out a start whose process on this host is still running, and shows a dead one as interrupted', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-interrupted-'));
    try {
      const file = path.join(dir, 'history.jsonl');
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      tally('fault', 'extension host killed between the start line and the end line');
      writeFileSync(file, lines(start('running', process.pid), start('killed', dead), start('elsewhere', process.pid, 'another-host')));
      const { records } = await new HistoryStore(file, silentLogger).read();
      assert.deepEqual(
        records.map((r) => [r.id, r.outcome]),
        [
          ['killed', 'interrupted'],
          ['elsewhere', 'interrupted'],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a started record whose process field is malformed is skipped as a problem', () => {
    const { records, problems } = parseHistory(lines({ ...start('s', 1), process: { pid: 'x' } } as unknown as HistoryRecord));
    assert.equal(records.length, 0);
    assert.match(problems[0]!.reason, /process\.pid is not a number/);
  });
});
