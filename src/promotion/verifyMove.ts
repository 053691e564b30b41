// The last phase of a promotion into an environment with `verify:` gates: run them (verification.ts)
// and say in words how the promotion ended. The move already happened and was read back, so nothing
// here undoes it: a failure is reported, and a rollback (onVerifyFailure: rollback) is its own
// recorded attempt, made by the caller once this promotion's lock is released (app/verifyRollback.ts).
import type { VerifyFailureAction, VerifyGateConfig } from '../config/types';
import { errorMessage, isCancelled } from '../core/errors';
import { shortDigest } from '../core/reference';
import { sentence } from '../core/sentences';
import { errored, type GateContext, type GateResult } from '../gates/gate';
import type { GateRunner } from '../gates/runGates';
import { Ended } from './ended';
import type { VerificationOutcome } from './promotionTypes';
import { runVerification, type VerificationClock } from './verification';

export interface MoveToVerify {
  readonly gates: readonly VerifyGateConfig[];
  readonly context: GateContext;
  /** How the move itself ended, in words (it succeeded). */
  readonly moved: string;
  readonly onFailure: VerifyFailureAction;
  readonly clock?: VerificationClock;
  /** The redeploy and the wait for it to run everywhere (deploy:), before the verify gates. */
  readonly redeploy?: () => Promise<GateResult>;
}

export async function verifyMove(
  move: MoveToVerify,
  runner: GateRunner | undefined,
  progress: (message: string) => void,
): Promise<{ ended: Ended; verification: VerificationOutcome }> {
  const { context, onFailure } = move;
  const holds = `${context.target.name} holds ${shortDigest(context.sourceDigest)}`;
  try {
    const landed = move.redeploy ? await move.redeploy() : undefined;
    const checked =
      landed?.status !== 'passed' && landed
        ? { passed: false, gates: [] }
        : move.gates.length
          ? await runVerification({ gates: move.gates, context, ...(runner ? { runner } : {}), ...(move.clock ? { clock: move.clock } : {}), progress })
          : { passed: true, gates: [] };
    const result = {
      passed: checked.passed && landed?.status !== 'failed' && landed?.status !== 'error',
      gates: [...(landed ? [landed] : []), ...checked.gates],
    };
    if (result.passed) {
      context.log.info(`verified after the move: ${describeResults(result.gates)}`);
      return {
        ended: new Ended('succeeded', `${move.moved} ${sentence(`Verified: ${describeResults(result.gates)}`)}`),
        verification: { status: 'passed', gates: result.gates, onFailure },
      };
    }
    const failing = result.gates.filter((g) => g.status !== 'passed');
    context.log.warn(`verification after the move failed: ${describeResults(failing)}`);
    const next =
      onFailure === 'rollback'
        ? 'putting back the digest it held before and holding the environment'
        : onFailure === 'hold'
          ? 'holding the environment: it stays there, and nothing is promoted into it until the hold is released'
          : `onVerifyFailure is report: it stays there until someone rolls it back`;
    return {
      ended: new Ended(
        'failed',
        sentence(`The move happened but verification failed: ${describeResults(failing)}; ${holds} (moved and verified in the registry), ${next}`),
      ),
      verification: { status: 'failed', gates: result.gates, onFailure },
    };
  } catch (error) {
    // Never rethrown: past the move, an exception would be reported as a write that did not happen.
    if (!isCancelled(error)) {
      const reason = `verification stopped: ${errorMessage(error)}`;
      context.log.warn(reason);
      return {
        ended: new Ended('failed', sentence(`The move happened but ${reason}; ${holds} (moved and verified in the registry)`)),
        verification: { status: 'failed', gates: move.gates.map((g) => errored(g.name, g.type, reason)), onFailure },
      };
    }
    return {
      ended: new Ended('cancelled', `Cancelled during verification: ${holds} (moved and verified in the registry); its verify gates did not finish.`),
      verification: { status: 'cancelled', gates: [], onFailure },
    };
  }
}

function describeResults(results: readonly GateResult[]): string {
  return results.map((g) => `${g.name}: ${g.reason}`).join('; ');
}
