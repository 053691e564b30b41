// What every fault test checks after a promotion under a fault: the registry (read directly, not
// through the fault) holds the old digest or the promoted one, and the outcome's message says which.
import * as assert from 'node:assert/strict';
import { shortDigest } from '../../src/core/reference';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { digestOf, type BasicAuth } from '../harness';
import { tallyOutcome, tallyOutcomeAmong } from './tally';

export interface Target {
  /** `http://127.0.0.1:PORT` of the registry itself (never the proxy). */
  readonly url: string;
  readonly repo: string;
  readonly tag: string;
  readonly auth?: BasicAuth;
}

/** What the target holds, read straight from the registry. */
export async function held(target: Target): Promise<string | null> {
  return (await digestOf(target.url, target.repo, target.tag, target.auth)) ?? null;
}

/**
 * The message names what the target holds now (its short digest, or that it is empty) — or, when
 * it holds what it held before, says that nothing was written.
 */
export function assertToldWhich(outcome: PromotionOutcome, after: string | null, before?: string | null): void {
  if (before !== undefined && after === before && /nothing was written|was not (promoted|rolled back)/i.test(outcome.message)) return;
  if (after) assert.ok(outcome.message.includes(shortDigest(after)), `the message must say the target holds ${shortDigest(after)}: ${outcome.message}`);
  else assert.match(outcome.message, /nothing|empty/i, `the message must say the target is empty: ${outcome.message}`);
}

/** Old or promoted, never a third or nothing; the person told which. Returns what it holds. */
export async function expectKept(what: string, outcome: PromotionOutcome, target: Target, before: string | null, promoted: string): Promise<string | null> {
  const after = await held(target);
  report(what, outcome, after);
  tallyOutcome(what, before, promoted, after);
  assertToldWhich(outcome, after, before);
  if (outcome.status === 'succeeded') assert.equal(after, promoted, `${what}: reported success but the target holds ${after}`);
  if (after === promoted && before !== promoted && outcome.status !== 'succeeded') {
    // A write that landed although the promotion failed must be reported as having landed.
    assert.ok(outcome.message.includes(shortDigest(promoted)), `${what}: ${outcome.message}`);
  }
  return after;
}

/** As expectKept, when several digests were chosen by someone (racing writers). */
export async function expectOneOf(
  what: string,
  outcome: PromotionOutcome | undefined,
  target: Target,
  chosen: readonly (string | null)[],
): Promise<string | null> {
  const after = await held(target);
  if (outcome) report(what, outcome, after);
  tallyOutcomeAmong(what, chosen, after);
  if (outcome) assertToldWhich(outcome, after);
  return after;
}

/** One line per promotion under a fault in the suite's output: what the person was told. */
function report(what: string, outcome: PromotionOutcome, after: string | null): void {
  console.log(`      ${what} → ${outcome.status}, holds ${after ? shortDigest(after) : 'nothing'}: ${outcome.message}`);
}
