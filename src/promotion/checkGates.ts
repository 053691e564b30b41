// "Check Gates…": every gate of a promotion, run now, nothing confirmed or written.
import { errorMessage, PromotionError } from '../core/errors';
import { repositoryName } from '../core/reference';
import type { EnvironmentConfig } from '../config/types';
import type { GateResult } from '../gates/gate';
import { evaluateGates } from './gateEvaluation';
import { Ended, resolveEnds, sourceLabelOf, type Ends, type PromotionEnvironment, type PromotionRequest, type PromotionServices } from './promote';
import { componentFacts, gateNamedFor, planMoves, unresolvedImage } from './moves';
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
    // A release: every image's built-in gates, the configured ones once (as a promotion runs them).
    const moves = planMoves(request, services.registry);
    const all = await Promise.all(moves.map((m) => resolveEnds(m.request, services, env.signal)));
    const unresolved = all.findIndex((e) => e instanceof Ended);
    if (unresolved >= 0) {
      const move = moves[unresolved]!;
      const ended = move.name ? unresolvedImage(request, move, all[unresolved] as Ended) : (all[unresolved] as Ended);
      return { ...base, gates: [], passed: false, problem: ended.message, durationMs: Date.now() - started };
    }
    const components = componentFacts(
      moves,
      all.map((e) => (e as Ends).digest),
    );
    const evaluations = await Promise.all(
      moves.map((move, i) => {
        const { digest, previousHolds, manifest } = all[i] as Ends;
        return evaluateGates(
          {
            request: move.request,
            digest,
            sourceRepo: move.sourceRepo,
            overridden: [],
            ...(previousHolds !== undefined ? { previousHolds } : {}),
            ...(manifest ? { manifest } : {}),
            ...(i > 0 ? { builtinOnly: true } : components ? { components } : {}),
          },
          // A release's hold is its first image's: read once.
          i > 0 ? { ...services, readHold: undefined } : services,
          env,
        );
      }),
    );
    const gates = evaluations.flatMap((e, i) => e.gates.map((g) => gateNamedFor(moves[i]!, g)));
    const passed = evaluations.every((e) => e.passed);
    const { digest, targetDigest } = all[0] as Ends;
    services.log.info(
      `checked the gates of ${base.sourceLabel} → ${base.target} (${repositoryName(request.target.repository)}): ${passed ? 'all passed' : 'some failed'}`,
    );
    return {
      ...base,
      digest,
      targetDigest,
      transport: evaluations[0]!.transport.transport,
      gates,
      passed,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (error instanceof PromotionError && error.kind === 'cancelled') throw error;
    const problem = errorMessage(error);
    return { ...base, gates: [], passed: false, problem, durationMs: Date.now() - started };
  }
}
