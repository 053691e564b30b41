// "Check Gates…": every gate of a promotion, run now, nothing confirmed or written.
import { errorMessage, PromotionError } from '../core/errors';
import { repositoryName } from '../core/reference';
import type { EnvironmentConfig } from '../config/types';
import type { GateResult } from '../gates/gate';
import { evaluateGates } from './gateEvaluation';
import { Ended, resolveEnds, sourceLabelOf, sourceRepositoryOf, type PromotionEnvironment, type PromotionRequest, type PromotionServices } from './promote';
import type { Transport } from './transport';

export interface GateCheck {
  readonly sourceLabel: string;
  readonly target: string;
  readonly digest?: string;
  readonly targetDigest?: string | null;
  readonly transport?: Transport;
  readonly gates: readonly GateResult[];
  /** Approvals given only in the confirmation, by typing the name: listed, never "passed". */
  readonly approvals: readonly PendingApproval[];
  /** All passed: the promotion would be offered for confirmation. */
  readonly passed: boolean;
  /** Why no gate could run (source missing, registry down). */
  readonly problem?: string;
  readonly checkedAt: number;
  readonly durationMs: number;
}

export interface PendingApproval {
  readonly name: string;
  readonly reason: string;
}

/** Every approval the target needs: its approval gates, or its protection when it has none. */
export function pendingApprovals(target: EnvironmentConfig): PendingApproval[] {
  const reason = `needs approval by typing "${target.name}" in the confirmation`;
  const gates = target.gates.filter((g) => g.type === 'approval').map((g) => ({ name: g.name, reason }));
  return gates.length || !target.protected ? gates : [{ name: 'protected environment', reason }];
}

export async function checkGates(
  request: PromotionRequest,
  services: PromotionServices,
  env: Pick<PromotionEnvironment, 'trusted' | 'workspaceDir' | 'signal' | 'history' | 'promoter'>,
): Promise<GateCheck> {
  const started = Date.now();
  const base = { sourceLabel: sourceLabelOf(request.source), target: request.target.name, approvals: pendingApprovals(request.target), checkedAt: started };
  try {
    const ends = await resolveEnds(request, services, env.signal);
    if (ends instanceof Ended) return { ...base, gates: [], passed: false, problem: ends.message, durationMs: Date.now() - started };
    const { digest, targetDigest, previousHolds, manifest } = ends;
    const evaluation = await evaluateGates(
      {
        request,
        digest,
        sourceRepo: sourceRepositoryOf(request.config, request.source),
        overridden: [],
        ...(previousHolds !== undefined ? { previousHolds } : {}),
        ...(manifest ? { manifest } : {}),
      },
      services,
      env,
    );
    services.log.info(
      `checked the gates of ${base.sourceLabel} → ${base.target} (${repositoryName(request.target.repository)}): ${evaluation.passed ? 'all passed' : 'some failed'}`,
    );
    return {
      ...base,
      digest,
      targetDigest,
      transport: evaluation.transport.transport,
      gates: evaluation.gates,
      passed: evaluation.passed,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (error instanceof PromotionError && error.kind === 'cancelled') throw error;
    const problem = errorMessage(error);
    return { ...base, gates: [], passed: false, problem, durationMs: Date.now() - started };
  }
}
