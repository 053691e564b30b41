// The history file is held in memory whole, and a record repeats most strings of the one before it
// into the same environment (who, the image and repositories, the gates' names and reasons, the
// digest it replaced) and one of its own (finalDigest is digest). JSON.parse makes a new copy at
// every line; comparing with the record before keeps one, at the cost of a few string comparisons
// per line and no hashing (reading the file must not get slower).
import type { HistoryGateResult, HistoryRecord, HistorySource, HistoryTarget, Who } from './record';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Replaces, in place, strings of a freshly parsed `record` equal to those at the same place in `before` by them. */
export function shareStrings(record: HistoryRecord, before: HistoryRecord | undefined): void {
  const r = record as Writable<HistoryRecord>;
  if (same(r.finalDigest, r.digest)) r.finalDigest = r.digest;
  if (!before) return;
  if (same(r.image, before.image)) r.image = before.image;
  if (same(r.previousDigest, before.finalDigest)) r.previousDigest = before.finalDigest;
  const who = r.who as Writable<Who>;
  if (same(who.name, before.who.name)) who.name = before.who.name;
  if (same(who.email, before.who.email)) who.email = before.who.email;
  if (same(who.user, before.who.user)) who.user = before.who.user;
  const source = r.source as Writable<HistorySource>;
  if (same(source.repository, before.source.repository)) source.repository = before.source.repository;
  const target = r.target as Writable<HistoryTarget>;
  if (same(target.repository, before.target.repository)) target.repository = before.target.repository;
  if (same(target.environment, before.target.environment)) target.environment = before.target.environment;
  if (same(target.tag, before.target.tag)) target.tag = before.target.tag;
  const gates = r.gates as Writable<HistoryGateResult>[];
  for (let i = 0; i < gates.length && i < before.gates.length; i++) {
    const gate = gates[i]!;
    const earlier = before.gates[i]!;
    if (same(gate.name, earlier.name)) gate.name = earlier.name;
    if (same(gate.reason, earlier.reason)) gate.reason = earlier.reason;
  }
}

/** Equal strings (never two missing values: a field the record does not have is not added). */
function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === 'string' && a === b;
}
