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

/** A release's record as one record per image (its digests in the top-level fields); others as they are. */
export function perImage(records: readonly HistoryRecord[]): HistoryRecord[] {
  return records.flatMap((record) => {
    if (!record.components?.length) return [record];
    return record.components.map((c, i) => {
      if (i === 0) return record;
      const { digest: _d, previousDigest: _p, finalDigest: _f, ...rest } = record;
      return {
        ...rest,
        ...(c.digest !== undefined ? { digest: c.digest } : {}),
        ...(c.previousDigest !== undefined ? { previousDigest: c.previousDigest } : {}),
        ...(c.finalDigest !== undefined ? { finalDigest: c.finalDigest } : {}),
      };
    });
  });
}

/**
 * Every image's digest of the release an environment held when its first image held `digest`: from
 * the newest attempt that moved it there, or that found it there before writing (undefined: the
 * history never saw that release whole).
 */
export function releaseDigests(records: readonly HistoryRecord[], environment: string, digest: string): Record<string, string> | undefined {
  for (const record of recordsFor(records, environment)) {
    const components = record.components;
    if (!components?.length) continue;
    for (const field of ['digest', 'previousDigest'] as const) {
      if (components[0]![field] !== digest || (field === 'digest' && landedDigest(record) !== digest)) continue;
      const digests: Record<string, string> = {};
      for (const c of components) {
        const d = c[field];
        if (!d) return undefined;
        digests[c.name] = d;
      }
      return digests;
    }
  }
  return undefined;
}

function key(environment: string, digest: string): string {
  return `${environment}\u0000${digest}`;
}

/**
 * The HistoryView gates read: when a digest last arrived in an environment, and when the history last
 * saw the environment holding it at all (rollback evidence).
 */
export function arrivals(all: readonly HistoryRecord[]): HistoryView {
  // A release's record counts for each of its images: a rollback's held-before gate asks about each.
  const records = perImage(all);
  const arrived = new Map<string, number>();
  for (const record of chronological(records)) {
    const digest = landedDigest(record);
    if (!digest) continue;
    const k = key(record.target.environment, digest);
    // "Already holds it, nothing to push" moves nothing: the digest arrived when it first came.
    const noop = record.previousDigest === digest;
    if (!(noop && arrived.has(k))) arrived.set(k, finishedAt(record));
  }
  const held = heldTimes(records);
  return { arrivedAt: (environment, digest) => arrived.get(key(environment, digest)), heldAt: (environment, digest) => held.get(key(environment, digest)) };
}

/**
 * Every time the history saw an environment holding a digest: what it read just before a write
 * (`previousDigest`, the evidence for what was there before the tool was adopted), what a write left
 * there, what it read back afterwards. The latest time per environment and digest.
 */
function heldTimes(records: readonly HistoryRecord[]): Map<string, number> {
  const held = new Map<string, number>();
  const saw = (environment: string, digest: string | null | undefined, at: number): void => {
    if (!digest) return;
    const k = key(environment, digest);
    held.set(k, Math.max(held.get(k) ?? -Infinity, at));
  };
  for (const record of records) {
    const env = record.target.environment;
    saw(env, record.previousDigest, Date.parse(record.time));
    saw(env, landedDigest(record), finishedAt(record));
    saw(env, record.finalDigest, finishedAt(record));
  }
  return held;
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
 * What the history last saw `environment` holding (null: empty), or undefined when no record ever
 * read it: the digest read back after the last attempt, else what that attempt landed, else what it
 * read before writing.
 */
export function lastKnownDigest(records: readonly HistoryRecord[], environment: string): string | null | undefined {
  let known: string | null | undefined;
  for (const record of chronological(records)) {
    if (record.target.environment !== environment) continue;
    const seen = record.finalDigest !== undefined ? record.finalDigest : (landedDigest(record) ?? record.previousDigest);
    if (seen !== undefined) known = seen;
  }
  return known;
}

/**
 * "Changed outside promotion": the environment holds something else than the history last saw there
 * (every write through the tool is recorded, so a difference came from elsewhere), and not what the
 * environment before it holds. An environment the history never looked at has not changed since the
 * history began, as far as anyone can tell: no drift. An empty environment is never drift.
 */
export function isDrift(
  environment: string,
  currentDigest: string | null | undefined,
  previousEnvironmentDigest: string | null | undefined,
  records: readonly HistoryRecord[],
): boolean {
  if (!currentDigest) return false;
  if (currentDigest === previousEnvironmentDigest) return false;
  const known = lastKnownDigest(records, environment);
  return known !== undefined && known !== currentDigest;
}

/** When each digest first entered the pipeline by a recorded promotion (any environment): the history's build order. */
export function firstArrivals(records: readonly HistoryRecord[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const record of chronological(records)) {
    const digest = landedDigest(record);
    if (digest && !first.has(digest)) first.set(digest, finishedAt(record));
  }
  return first;
}

/**
 * The rollback that took `digest` out of `environment`, unless a person promoted it there again since
 * (a promotion not made by `promote --auto`): auto-promotion never brings such a digest back by itself.
 */
export function rolledBackFrom(records: readonly HistoryRecord[], environment: string, digest: string): HistoryRecord | undefined {
  let rollback: HistoryRecord | undefined;
  for (const record of chronological(records)) {
    if (record.target.environment !== environment) continue;
    if (record.kind === 'rollback' && landedDigest(record) && record.previousDigest === digest && record.digest !== digest) rollback = record;
    else if (rollback && record.kind === 'promotion' && !record.auto && landedDigest(record) === digest) rollback = undefined;
  }
  return rollback;
}
