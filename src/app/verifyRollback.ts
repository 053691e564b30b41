// onVerifyFailure: rollback. After a promotion whose verify gates failed (once its lock is released and
// its history line written; its registry record follows on its own), the digest the target held before
// goes back through the same verified, recorded rollback the Roll Back command makes. The config asked
// for it, so nobody is asked again, and the target's configured gates are overridden (they guard moves
// forward, not this one). A target that moved meanwhile is never overwritten.
import { shortDigest } from '../core/reference';
import type { PromotionOutcome, PromotionPrompts, PromotionRequest, VerificationRollback } from '../promotion/promote';
import type { RecordedOutcome, RunEnvironment } from './runPromotion';

export const VERIFY_ROLLBACK_APPROVAL = 'onVerifyFailure: rollback, after the verify gates failed';

const prompts: PromotionPrompts = {
  confirm: () => Promise.resolve(true),
  confirmMovedTarget: () => Promise.resolve(false),
  approvalReason: () => VERIFY_ROLLBACK_APPROVAL,
};

type Run = (request: PromotionRequest, env: RunEnvironment) => Promise<RecordedOutcome>;

/** The promotion as it ended, the rollback's result added when one was due; `rollback` is its recorded attempt. */
export async function rollbackAfterFailedVerification(
  run: Run,
  request: PromotionRequest,
  outcome: PromotionOutcome,
  env: RunEnvironment,
): Promise<{ outcome: PromotionOutcome; rollback?: RecordedOutcome }> {
  const verification = outcome.verification;
  if (verification?.status !== 'failed' || verification.onFailure !== 'rollback' || !outcome.digest) return { outcome };
  const { target } = request;
  const previous = outcome.previousDigest;
  if (!previous) {
    const nothing: VerificationRollback = {
      status: 'nothing',
      message: `${target.name} was empty before this promotion: there is nothing to put back, so it keeps ${shortDigest(outcome.digest)}.`,
      finalDigest: outcome.digest,
    };
    return { outcome: withRollback(outcome, nothing) };
  }
  env.progress(`Verification failed: rolling ${target.name} back to ${shortDigest(previous)}…`);
  const rollbackRequest: PromotionRequest = {
    config: request.config,
    mode: 'rollback',
    overrideGates: true,
    source: {
      kind: 'digest',
      digest: previous,
      repository: target.repository,
      label: `${target.name}'s earlier ${shortDigest(previous)}`,
      // A release goes back whole: every image to what it held before this promotion.
      ...(releaseBefore(outcome) ? { digests: releaseBefore(outcome)! } : {}),
    },
    target,
    seenTargetDigest: outcome.digest,
  };
  const rollback = await run(rollbackRequest, { ...env, prompts });
  const done = rollback.outcome;
  // A rollback stopped before it even read the target wrote nothing: the promoted digest is still there.
  const finalDigest = done.finalDigest !== undefined ? done.finalDigest : done.previousDigest === undefined ? outcome.digest : undefined;
  const holds =
    done.status === 'succeeded'
      ? ''
      : finalDigest !== undefined
        ? ` ${target.name} holds ${finalDigest ? shortDigest(finalDigest) : 'nothing'}${finalDigest === outcome.digest ? ', the digest that failed verification: roll it back once the cause is fixed' : ''}.`
        : ` Whether ${target.name} holds ${shortDigest(outcome.digest)} or ${shortDigest(previous)} could not be read: check it before promoting again.`;
  const result: VerificationRollback = {
    status: done.status,
    message: done.status === 'succeeded' ? `Rolled back: ${done.message}` : `The rollback did not finish: ${done.message}${holds}`,
    ...(finalDigest !== undefined ? { finalDigest } : {}),
  };
  return { outcome: withRollback(outcome, result), rollback };
}

function releaseBefore(outcome: PromotionOutcome): Record<string, string> | undefined {
  if (!outcome.components) return undefined;
  const digests: Record<string, string> = {};
  for (const c of outcome.components) if (c.previousDigest) digests[c.name] = c.previousDigest;
  return digests;
}

function withRollback(outcome: PromotionOutcome, rollback: VerificationRollback): PromotionOutcome {
  const { finalDigest: _moved, ...rest } = outcome;
  return {
    ...rest,
    message: `${outcome.message} ${rollback.message}`,
    // What the target holds now: after the rollback, or unknown when it could not be read back.
    ...(rollback.finalDigest !== undefined ? { finalDigest: rollback.finalDigest } : {}),
    verification: { ...outcome.verification!, rollback },
  };
}
