// The fault suite's counters (npm run test:faults prints them as its closing line). Tests that
// inject a fault, try a bad input or attempt a promotion say so here; the runner reads the file.
// Kept in one JSON file so suites in other processes (integration, host) add to the same figures.
import { appendFileSync } from 'node:fs';

export type TallyKind = 'fault' | 'bad-input' | 'promotion' | 'unchosen-state';

/** IMGPROMO_FAULT_TALLY names a JSONL file; without it the counts are not kept. */
export function tally(kind: TallyKind, what: string, count = 1): void {
  const file = process.env['IMGPROMO_FAULT_TALLY'];
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ kind, what, count })}\n`);
}

/**
 * After a promotion attempt under a fault: the target must hold what it held before or the digest
 * promoted (and verified). Anything else is counted as a state nobody chose, and fails the test.
 */
export function tallyOutcome(what: string, before: string | null, promoted: string, after: string | null): void {
  tally('promotion', what);
  if (after !== before && after !== promoted) {
    tally('unchosen-state', `${what}: held ${after ?? 'nothing'}, before ${before ?? 'nothing'}, promoted ${promoted}`);
    throw new Error(`${what}: the target was left on ${after ?? 'nothing'} (before: ${before ?? 'nothing'}, promoted: ${promoted})`);
  }
}

/**
 * The same check when more than one digest was chosen by someone (two writers racing, another
 * writer landing a digest of its own): the target must hold one of `chosen` (null: empty).
 */
export function tallyOutcomeAmong(what: string, chosen: readonly (string | null)[], after: string | null): void {
  tally('promotion', what);
  if (!chosen.includes(after)) {
    tally('unchosen-state', `${what}: held ${after ?? 'nothing'}, chosen ${chosen.map((c) => c ?? 'nothing').join(', ')}`);
    throw new Error(`${what}: the target was left on ${after ?? 'nothing'}, which nobody chose (chosen: ${chosen.map((c) => c ?? 'nothing').join(', ')})`);
  }
}
