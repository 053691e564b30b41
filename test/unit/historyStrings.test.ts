// The history file is held in memory whole: its records keep one copy of the strings they repeat.
import * as assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseHistory } from '../../src/history/historyStore';
import { recordFromOutcome, startedRecord, type HistoryRecord } from '../../src/history/record';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const repo = 'registry.example.com/team/app';
const who = { name: 'Ada Lovelace', email: 'ada@users.noreply.example.com', user: 'ada' };
const digest = (n: number): string => `sha256:${createHash('sha256').update(String(n)).digest('hex')}`;

/** As promotions write it: a start and an end line each, staging and production in turn, a new build each time into staging. */
function historyText(promotions: number): { text: string; ends: string[] } {
  const lines: string[] = [];
  const ends: string[] = [];
  const held: Record<string, string | null> = { staging: null, production: null };
  for (let i = 0; i < promotions; i++) {
    const env = i % 2 ? 'production' : 'staging';
    const d = env === 'staging' ? digest(i) : held.staging!;
    const gates = [
      { name: 'promotion order', type: 'builtin', status: 'passed' as const, durationMs: 1, reason: `${env} takes what the environment before holds` },
      { name: 'source exists', type: 'builtin', status: 'passed' as const, durationMs: 2, reason: `${repo}@${d.slice(0, 19)} is in the registry` },
    ];
    const inputs = {
      source:
        env === 'staging' ? { label: `build ${i}`, buildTag: String(i), repository: repo } : { label: 'staging', environment: 'staging', repository: repo },
      target: { environment: env, tag: env, repository: repo },
    };
    const id = randomUUID();
    lines.push(
      JSON.stringify(startedRecord({ digest: d, previousDigest: held[env]!, transport: 'registry', gates }, { ...inputs, id }, who, { pid: 1, host: 'ci' })),
    );
    const end = JSON.stringify(
      recordFromOutcome(
        {
          status: 'succeeded',
          message: `${env} now holds ${d.slice(0, 19)}`,
          digest: d,
          previousDigest: held[env]!,
          finalDigest: d,
          gates,
          durationMs: 9,
          transport: 'registry',
        },
        { ...inputs, startedId: id },
        who,
      ),
    );
    lines.push(end);
    ends.push(end);
    held[env] = d;
  }
  return { text: `${lines.join('\n')}\n`, ends };
}

/** Heap bytes `make`'s result keeps. */
function retained(make: () => unknown): { bytes: number; value: unknown } {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const value = make();
  gc();
  gc();
  return { bytes: process.memoryUsage().heapUsed - before, value };
}

describe('history records in memory', () => {
  it('keep one copy of the strings a record repeats from the one before into the same environment (who, repositories, digests, gates): well under what JSON.parse alone keeps', () => {
    const { text, ends } = historyText(4000);
    const plain = retained(() => ends.map((l) => JSON.parse(l) as HistoryRecord));
    const parsed = retained(() => parseHistory(text).records);
    assert.deepEqual(parsed.value, plain.value, 'the same records');
    const ratio = parsed.bytes / plain.bytes;
    assert.ok(
      ratio < 0.9,
      `the history keeps ${(parsed.bytes / 4000).toFixed(0)} bytes a record, JSON.parse alone ${(plain.bytes / 4000).toFixed(0)} (${ratio.toFixed(2)})`,
    );
  });

  it('adds no field a line does not have, and changes no value', () => {
    const line = (id: string, extra: object = {}): string =>
      JSON.stringify({
        ...recordFromOutcome(
          { status: 'failed', message: 'no', gates: [], durationMs: 1, transport: 'engine' },
          { id, source: { label: 'build 1', repository: repo }, target: { environment: 'staging', tag: 'staging', repository: repo } },
          { user: 'ada' },
        ),
        ...extra,
      });
    const text = `${line('a')}\n${line('b')}\n${line('c', { digest: digest(1), finalDigest: digest(1) })}\n`;
    const expected = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as HistoryRecord);
    const { records } = parseHistory(text);
    assert.deepEqual(records, expected);
    assert.ok(!('finalDigest' in records[1]!) && !('previousDigest' in records[1]!) && !('name' in records[1]!.who));
  });
});
