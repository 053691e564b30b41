// Orders that need nothing but the tag names, the way Flux's image policies read tags:
// `semver` (strict, optional "v"), `numerical` (the tag as a decimal number) and date-like tags,
// for which Flux recommends its alphabetical policy (`20260101-1200`, `2026-01-01T12-00-00Z`).
import { compareSemver, parseSemver, type SemVer } from './semver';

export type NamePolicy = 'semver' | 'numerical' | 'date';

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_LIKE = /^(?:19|20)\d\d-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])(?:$|[^0-9])/;

/** The policy every tag can be read by (first that fits: numerical, date, semver), or undefined. */
export function namePolicyFor(tags: readonly string[]): NamePolicy | undefined {
  if (!tags.length) return undefined;
  if (tags.every((t) => DECIMAL.test(t) && Number.isFinite(Number(t)))) return 'numerical';
  if (tags.every((t) => DATE_LIKE.test(t))) return 'date';
  if (tags.every((t) => parseSemver(t) !== undefined)) return 'semver';
  return undefined;
}

/** Sorts tags newest first by a name policy; equal ranks (1.0 and 1.00, 1.2.3+a and 1.2.3+b) by name, descending. */
export function sortByName(tags: readonly string[], policy: NamePolicy): string[] {
  const byName = (a: string, b: string): number => (a < b ? 1 : a > b ? -1 : 0);
  if (policy === 'date') return [...tags].sort(byName);
  if (policy === 'numerical') {
    const keyed = tags.map((tag) => ({ tag, n: Number(tag) }));
    return keyed.sort((a, b) => b.n - a.n || byName(a.tag, b.tag)).map((k) => k.tag);
  }
  const keyed = tags.map((tag) => ({ tag, v: parseSemver(tag) as SemVer }));
  return keyed.sort((a, b) => compareSemver(b.v, a.v) || byName(a.tag, b.tag)).map((k) => k.tag);
}
