// History records: built from a promotion outcome, and validated line by line when read back.
import * as assert from 'node:assert/strict';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { parseRecord, recordFromOutcome, type AttemptFacts, type HistoryGateResult, type HistoryRecord } from '../../src/history/record';

const D1 = `sha256:${'1'.repeat(64)}`;
const D0 = `sha256:${'0'.repeat(64)}`;
const FINISHED = Date.UTC(2025, 5, 1, 12, 0, 0);

const outcome: PromotionOutcome = {
  status: 'blocked',
  mode: 'promotion',
  message: 'staging is blocked: smoke failed',
  sourceLabel: 'development',
  sourceRepository: 'registry.example.com/app',
  target: 'staging',
  digest: D1,
  previousDigest: D0,
  gates: [
    { name: 'ordering', type: 'builtin', status: 'passed', reason: 'development holds it', durationMs: 0 },
    { name: 'smoke', type: 'command', status: 'failed', reason: 'exit 1', durationMs: 1200 },
  ],
  durationMs: 2500,
  transport: 'engine',
};
// The history takes a PromotionOutcome as it is, without depending on it.
const facts: AttemptFacts = outcome;

function built(): HistoryRecord {
  return recordFromOutcome(
    facts,
    {
      source: { label: 'development', environment: 'development', repository: 'registry.example.com/app' },
      target: { environment: 'staging', tag: 'staging', repository: 'registry.example.com/app' },
      override: { by: 'ada', gates: ['smoke'] },
      id: 'r1',
    },
    { name: 'Ada', email: 'ada@example.com', user: 'ada' },
    FINISHED,
  );
}

describe('history record', () => {
  it('is built from an outcome: start time, who, what, gates, outcome', () => {
    assert.deepEqual(built(), {
      v: 1,
      id: 'r1',
      time: '2025-06-01T11:59:57.500Z',
      durationMs: 2500,
      kind: 'promotion',
      who: { name: 'Ada', email: 'ada@example.com', user: 'ada' },
      image: 'registry.example.com/app',
      source: { label: 'development', environment: 'development', repository: 'registry.example.com/app' },
      target: { environment: 'staging', tag: 'staging', repository: 'registry.example.com/app' },
      digest: D1,
      previousDigest: D0,
      transport: 'engine',
      gates: outcome.gates,
      outcome: 'blocked',
      message: 'staging is blocked: smoke failed',
      override: { by: 'ada', gates: ['smoke'] },
    });
  });

  it("keeps a gate's supporting lines, capped: they can be a command's output", () => {
    const gate = {
      name: 'smoke',
      type: 'command',
      status: 'failed' as const,
      reason: 'exit 1',
      durationMs: 3,
      details: [...Array.from({ length: 25 }, (_, i) => `line ${i}`), 'x'.repeat(1000)],
    };
    const record = recordFromOutcome(
      { ...facts, gates: [gate] },
      { source: { label: 'x', repository: 'r' }, target: { environment: 'e', tag: 't', repository: 'r' } },
      { user: 'u' },
    );
    const details = record.gates[0]!.details!;
    assert.equal(details.length, 21);
    assert.equal(details[0], 'line 0');
    assert.equal(details[20], '… 6 more lines');
    assert.deepEqual(parseRecord(JSON.stringify(record)).record, record);
    assert.match(parseRecord(JSON.stringify({ ...record, gates: [{ ...gate, details: 'oops' }] })).reason!, /gates\[0\].details/);
    const longGate: HistoryGateResult = { ...gate, details: ['y'.repeat(1000)] };
    const long = recordFromOutcome(
      { ...facts, gates: [longGate] },
      { source: { label: 'x', repository: 'r' }, target: { environment: 'e', tag: 't', repository: 'r' } },
      { user: 'u' },
    );
    assert.equal(long.gates[0]!.details![0]!.length, 401);
  });

  it('gets a fresh id when none is given, and keeps an empty target as null', () => {
    const a = recordFromOutcome(
      { ...facts, previousDigest: null, finalDigest: null },
      { kind: 'rollback', source: { label: 'x', repository: 'r' }, target: { environment: 'e', tag: 't', repository: 'r' } },
      { user: 'u' },
    );
    const b = recordFromOutcome(facts, { source: { label: 'x', repository: 'r' }, target: { environment: 'e', tag: 't', repository: 'r' } }, { user: 'u' });
    assert.match(a.id, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.id, b.id);
    assert.equal(a.kind, 'rollback');
    assert.equal(a.previousDigest, null);
    assert.equal(a.finalDigest, null);
    assert.equal('finalDigest' in b, false);
  });

  it('parses what it wrote, ignoring surrounding whitespace and fields it does not know', () => {
    const record = built();
    assert.deepEqual(parseRecord(JSON.stringify(record)).record, record);
    assert.deepEqual(parseRecord(`  ${JSON.stringify(record)}\r`).record, record);
    assert.deepEqual(parseRecord(JSON.stringify({ ...record, addedLater: true })).record, { ...record, addedLater: true });
  });

  it('says why a line is not a record, never throwing', () => {
    const record = built() as unknown as Record<string, unknown>;
    const reason = (value: unknown) => parseRecord(typeof value === 'string' ? value : JSON.stringify(value)).reason;
    assert.match(reason('{"v":1,"id":"r1","ti')!, /not JSON.*truncated/);
    assert.match(reason('null')!, /not a JSON object/);
    assert.match(reason({ ...record, v: 3 })!, /newer version .*v 3/);
    assert.match(reason({ ...record, v: '1' })!, /unknown record version "1"/);
    assert.match(reason({ ...record, time: 'yesterday' })!, /time is not a date/);
    assert.match(reason({ ...record, durationMs: -1 })!, /durationMs/);
    assert.match(reason({ ...record, who: { name: 'Ada' } })!, /who.user is missing/);
    assert.match(reason({ ...record, target: { environment: 'staging', tag: 7, repository: 'r' } })!, /target.tag is not a string/);
    assert.match(reason({ ...record, previousDigest: 5 })!, /previousDigest is neither/);
    assert.match(reason({ ...record, transport: 'carrier pigeon' })!, /transport is "carrier pigeon"/);
    assert.match(reason({ ...record, gates: [{ name: 'g', type: 't', status: 'maybe', reason: '', durationMs: 0 }] })!, /gates\[0\].status/);
    assert.match(reason({ ...record, override: { by: 'ada', gates: [1] } })!, /override.gates/);
    assert.equal(parseRecord('').reason, 'empty line');
  });
});
