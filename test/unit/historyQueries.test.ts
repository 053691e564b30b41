// Questions answered from the history: arrivals (soak time), rollback offers, drift.
import * as assert from 'node:assert/strict';
import { arrivals, firstArrivals, isDrift, lastKnownDigest, previousDigests, recordsFor } from '../../src/history/queries';
import type { HistoryOutcome, HistoryRecord } from '../../src/history/record';

const D = (n: number) => `sha256:${String(n).repeat(64)}`;
const T0 = Date.UTC(2025, 0, 1);
const minutes = (m: number) => T0 + m * 60_000;

interface Spec {
  env: string;
  digest?: string;
  previous?: string | null;
  final?: string | null;
  outcome?: HistoryOutcome;
  /** Finish time, in minutes after T0. */
  at: number;
  kind?: 'promotion' | 'rollback';
  by?: string;
}

let nextId = 0;
function rec(s: Spec): HistoryRecord {
  const durationMs = 30_000;
  const outcome = s.outcome ?? 'succeeded';
  return {
    v: 1,
    id: `r${nextId++}`,
    time: new Date(minutes(s.at) - durationMs).toISOString(),
    durationMs,
    kind: s.kind ?? 'promotion',
    who: { user: s.by ?? 'ada' },
    image: 'registry.example.com/app',
    source: { label: 'x', repository: 'registry.example.com/app' },
    target: { environment: s.env, tag: s.env, repository: 'registry.example.com/app' },
    ...(s.digest ? { digest: s.digest } : {}),
    ...(s.previous !== undefined ? { previousDigest: s.previous } : {}),
    ...(s.final !== undefined ? { finalDigest: s.final } : outcome === 'succeeded' && s.digest ? { finalDigest: s.digest } : {}),
    transport: 'engine',
    gates: [],
    outcome,
    message: '',
  };
}

describe('history queries', () => {
  it('arrivals: the most recent successful arrival of a digest into an environment', () => {
    const view = arrivals([
      rec({ env: 'staging', digest: D(1), previous: null, at: 10 }),
      rec({ env: 'staging', digest: D(2), previous: D(1), at: 20 }),
      rec({ env: 'staging', digest: D(1), previous: D(2), at: 30, kind: 'rollback' }),
      rec({ env: 'production', digest: D(2), previous: null, at: 40 }),
      rec({ env: 'staging', digest: D(3), previous: D(1), at: 50, outcome: 'blocked' }),
      rec({ env: 'staging', digest: D(4), previous: D(1), at: 60, outcome: 'failed', final: D(1) }),
    ]);
    assert.equal(view.arrivedAt('staging', D(1)), minutes(30));
    assert.equal(view.arrivedAt('staging', D(2)), minutes(20));
    assert.equal(view.arrivedAt('production', D(2)), minutes(40));
    assert.equal(view.arrivedAt('staging', D(3)), undefined, 'blocked: never arrived');
    assert.equal(view.arrivedAt('staging', D(4)), undefined, 'failed and not pushed: never arrived');
    assert.equal(view.arrivedAt('development', D(1)), undefined);
  });

  it('arrivals: a no-op promotion keeps the earlier arrival; a completed push that then failed counts', () => {
    const view = arrivals([
      rec({ env: 'staging', digest: D(1), previous: null, at: 10 }),
      rec({ env: 'staging', digest: D(1), previous: D(1), at: 20 }),
      rec({ env: 'production', digest: D(1), previous: null, at: 30, outcome: 'cancelled', final: D(1) }),
    ]);
    assert.equal(view.arrivedAt('staging', D(1)), minutes(10));
    assert.equal(view.arrivedAt('production', D(1)), minutes(30));
  });

  it('arrivals: by time, not by file order (a merged shared history is not sorted)', () => {
    const view = arrivals([rec({ env: 'staging', digest: D(1), previous: D(2), at: 30 }), rec({ env: 'staging', digest: D(1), previous: null, at: 10 })]);
    assert.equal(view.arrivedAt('staging', D(1)), minutes(30));
  });

  it('previous digests: what the environment held, most recent first, once each, without the current one', () => {
    const records = [
      rec({ env: 'staging', digest: D(1), previous: D(9), at: 10, by: 'ada' }),
      rec({ env: 'staging', digest: D(2), previous: D(1), at: 20, by: 'bob' }),
      rec({ env: 'production', digest: D(5), previous: null, at: 25 }),
      rec({ env: 'staging', digest: D(3), previous: D(2), at: 30, by: 'cy' }),
      rec({ env: 'staging', digest: D(4), previous: D(3), at: 35, outcome: 'blocked' }),
      rec({ env: 'staging', digest: D(1), previous: D(3), at: 40, kind: 'rollback', by: 'dee' }),
    ];
    const offers = previousDigests(records, 'staging', D(1));
    assert.deepEqual(
      offers.map((o) => o.digest),
      [D(3), D(2), D(9)],
    );
    assert.deepEqual(offers[0], { digest: D(3), arrivedAt: minutes(30), arrivedBy: { user: 'cy' }, recordId: records[3]!.id, leftAt: minutes(40) });
    assert.deepEqual(offers[2], { digest: D(9), leftAt: minutes(10) }, 'held before the history began');
    // Seen from an environment that was changed outside promotion since: D(1) is an offer too.
    assert.deepEqual(
      previousDigests(records, 'staging', D(7)).map((o) => o.digest),
      [D(1), D(3), D(2), D(9)],
    );
    assert.deepEqual(previousDigests(records, 'development'), []);
  });

  it('records for an environment, newest first', () => {
    const records = [
      rec({ env: 'staging', digest: D(1), at: 10 }),
      rec({ env: 'production', digest: D(1), at: 20 }),
      rec({ env: 'staging', digest: D(2), at: 30, outcome: 'failed' }),
    ];
    assert.deepEqual(
      recordsFor(records, 'staging').map((r) => r.id),
      [records[2]!.id, records[0]!.id],
    );
  });

  it('drift: a digest other than what the history last saw there, and not what the environment before holds', () => {
    const records = [
      rec({ env: 'staging', digest: D(1), previous: null, at: 10 }),
      rec({ env: 'production', digest: D(2), previous: null, at: 20, outcome: 'blocked' }),
    ];
    assert.equal(isDrift('staging', D(1), D(5), records), false, 'arrived by promotion');
    assert.equal(isDrift('staging', D(6), D(6), records), false, 'same as the environment before it');
    assert.equal(isDrift('staging', null, D(6), records), false, 'empty is never drift');
    assert.equal(isDrift('staging', D(6), D(5), records), true);
    assert.equal(isDrift('production', D(2), D(1), records), true, 'a blocked attempt did not bring it: production was read empty');
    assert.equal(isDrift('staging', D(6), null, records), true);
  });

  it('drift: an environment nobody promoted into has not drifted (the fresh-demo case)', () => {
    // Fresh demo: production holds D(8) from before the tool; one promotion into staging only.
    const records = [rec({ env: 'staging', digest: D(1), previous: D(7), at: 10 })];
    assert.equal(isDrift('production', D(8), D(1), records), false, 'no record ever read production');
    assert.equal(isDrift('development', D(3), undefined, records), false);
  });

  it('drift: unchanged since the last record read it, even when that record did not bring it', () => {
    // Blocked and cancelled attempts read production as D(8); it still holds D(8).
    const records = [
      rec({ env: 'production', digest: D(1), previous: D(8), at: 10, outcome: 'blocked' }),
      rec({ env: 'production', digest: D(1), previous: D(8), at: 20, outcome: 'cancelled', final: D(8) }),
    ];
    assert.equal(lastKnownDigest(records, 'production'), D(8));
    assert.equal(isDrift('production', D(8), D(1), records), false);
    assert.equal(isDrift('production', D(9), D(1), records), true, 'someone retagged it since');
    // A digest that once arrived by promotion but was replaced since, then put back by hand, is drift.
    const later = [rec({ env: 'staging', digest: D(1), previous: null, at: 10 }), rec({ env: 'staging', digest: D(2), previous: D(1), at: 20 })];
    assert.equal(isDrift('staging', D(1), D(5), later), true);
    assert.equal(lastKnownDigest(later, 'development'), undefined);
  });

  it('rollback evidence: a digest read there before a write was held, though no record brought it', () => {
    const records = [
      rec({ env: 'staging', digest: D(1), previous: D(7), at: 10 }),
      rec({ env: 'production', digest: D(1), previous: D(8), at: 20 }),
      rec({ env: 'production', digest: D(2), previous: D(3), at: 30, outcome: 'blocked' }),
    ];
    const view = arrivals(records);
    assert.equal(view.arrivedAt('production', D(8)), undefined, 'never arrived by the tool');
    assert.equal(view.heldAt?.('production', D(8)), minutes(20) - 30_000, 'read there when the promotion started');
    assert.equal(view.heldAt?.('production', D(1)), minutes(20));
    assert.equal(view.heldAt?.('production', D(3)), minutes(30) - 30_000, 'a blocked attempt read it too');
    assert.equal(view.heldAt?.('production', D(2)), undefined, 'a blocked attempt never put it there');
    assert.equal(view.heldAt?.('staging', D(8)), undefined, 'another environment');
    // And it is what Roll Back offers first.
    assert.deepEqual(
      previousDigests(records, 'production', D(1)).map((o) => o.digest),
      [D(8)],
    );
  });

  it('first arrivals: when each digest first entered the pipeline', () => {
    const first = firstArrivals([
      rec({ env: 'development', digest: D(2), previous: null, at: 20 }),
      rec({ env: 'development', digest: D(1), previous: null, at: 10 }),
      rec({ env: 'staging', digest: D(1), previous: null, at: 30 }),
      rec({ env: 'staging', digest: D(3), previous: null, at: 5, outcome: 'blocked' }),
    ]);
    assert.deepEqual(
      [...first.entries()],
      [
        [D(1), minutes(10)],
        [D(2), minutes(20)],
      ],
    );
  });
});
