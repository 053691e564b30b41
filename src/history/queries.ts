// What the history says about environments: when a digest arrived, what an environment held before,
// whether its current digest came by promotion. Pure functions over records.
import type { HistoryView } from '../gates/gate';
import { finishedAt, type HistoryRecord, type Who } from './record';

/**
 * The digest a record left its target holding, if it moved one there through the tool: a succeeded
 * promotion or rollback, or a failed/cancelled one whose push had completed (read back afterwards) —
 * that digest went through the gates and the confirmation too, so it is no drift.
 */
export function landedDigest(record: HistoryRecord): string | undefined {
  if (!record.digest) return undefined;
  if (record.outcome === 'succeeded') return record.digest;
  if ((record.outcome === 'failed' || record.outcome === 'cancelled') && record.finalDigest === record.digest) return record.digest;
  return undefined;
}

/** Records in the order they finished, oldest first (a merged, shared file need not be in order). */
function chronological(records: readonly HistoryRecord[]): HistoryRecord[] {
  return records
    .map((record, index) => ({ record, index, end: finishedAt(record) }))
    .sort((a, b) => a.end - b.end || a.index - b.index)
    .map((e) => e.record);
}

function key(environment: string, digest: string): string {
  return `${environment}\u0000${digest}`;
}

/** The HistoryView gates read: when a digest last arrived in an environment. */
export function arrivals(records: readonly HistoryRecord[]): HistoryView {
  const arrived = new Map<string, number>();
  for (const record of chronological(records)) {
    const digest = landedDigest(record);
    if (!digest) continue;
    const k = key(record.target.environment, digest);
    // "Already holds it, nothing to push" moves nothing: the digest arrived when it first came.
    const noop = record.previousDigest === digest;
    if (!(noop && arrived.has(k))) arrived.set(k, finishedAt(record));
  }
  return { arrivedAt: (environment, digest) => arrived.get(key(environment, digest)) };
}

/** One digest an environment held, for the rollback offer. */
export interface HeldDigest {
  readonly digest: string;
  /** When it last arrived by a recorded promotion or rollback (absent: before the history, or outside it). */
  readonly arrivedAt?: number;
  /** Who brought it in then. */
  readonly arrivedBy?: Who;
  /** The id of the record that brought it in. */
  readonly recordId?: string;
  /** When it was last replaced, at the latest (absent: the history never saw it replaced). */
  readonly leftAt?: number;
}

/** Digests `environment` held before, most recently held first, each once; `currentDigest` left out. */
export function previousDigests(records: readonly HistoryRecord[], environment: string, currentDigest?: string | null): HeldDigest[] {
  const held = new Map<string, { digest: string; arrivedAt?: number; arrivedBy?: Who; recordId?: string; leftAt?: number }>();
  const entry = (digest: string) => held.get(digest) ?? held.set(digest, { digest }).get(digest)!;
  let last: string | undefined;
  for (const record of chronological(records)) {
    if (record.target.environment !== environment) continue;
    const digest = landedDigest(record);
    if (!digest) continue;
    const end = finishedAt(record);
    // What it replaced, as read just before the write (null: the environment was empty).
    const replaced = record.previousDigest !== undefined ? record.previousDigest : last;
    if (replaced && replaced !== digest) entry(replaced).leftAt = end;
    // The digest the history last put there was moved outside it meanwhile: it left by now at the latest.
    if (last && last !== digest && last !== replaced) entry(last).leftAt = end;
    const landed = entry(digest);
    delete landed.leftAt; // held again
    if (replaced !== digest) Object.assign(landed, { arrivedAt: end, arrivedBy: record.who, recordId: record.id });
    last = digest;
  }
  if (currentDigest) held.delete(currentDigest);
  // Never seen leaving (the last one the history put there, replaced outside it) counts as the most recent.
  return [...held.values()].sort((a, b) => (b.leftAt ?? Infinity) - (a.leftAt ?? Infinity) || (b.arrivedAt ?? 0) - (a.arrivedAt ?? 0));
}

/** Every attempt into `environment`, newest first. */
export function recordsFor(records: readonly HistoryRecord[], environment: string): HistoryRecord[] {
  return chronological(records.filter((r) => r.target.environment === environment)).reverse();
}

/**
 * "Changed outside promotion": the environment holds a digest that no recorded promotion or rollback
 * brought into it and that is not what the environment before it holds. An empty environment is never
 * drift. Pass the records, or an `arrivals` view already built from them.
 */
export function isDrift(
  environment: string,
  currentDigest: string | null | undefined,
  previousEnvironmentDigest: string | null | undefined,
  history: readonly HistoryRecord[] | HistoryView,
): boolean {
  if (!currentDigest) return false;
  if (currentDigest === previousEnvironmentDigest) return false;
  const view = 'arrivedAt' in history ? history : arrivals(history);
  return view.arrivedAt(environment, currentDigest) === undefined;
}
