// Runs an environment's configured gates. Automated gates run at once, each with its own time limit and
// the promotion's cancellation; approval gates are answered in the confirmation (see needsTypedApproval).
import { MAX_HTTP_RETRY_DELAY_SECONDS, type GateConfig } from '../config/types';
import { CancelledError, isCancelled } from '../core/errors';
import { KILL_GRACE_MS, runCommandGate } from './commandGate';
import type { GateContext, GateResult } from './gate';
import { runHttpGate } from './httpGate';
import { runLabelGate } from './labelGate';
import { runSignatureGate } from './signatureGate';
import { runSoakGate } from './soakGate';
import { runWindowGate } from './windowGate';

export type GateRunner = (gate: GateConfig, ctx: GateContext) => Promise<GateResult>;

/** Reading the image's labels and one local git lookup. */
export const LABEL_GATE_LIMIT_MS = 60_000;
const SOAK_GATE_LIMIT_MS = 10_000;
/** Beyond a gate's own limits, before runConfiguredGates gives up on it. */
const SLACK_MS = 2_000;

export const defaultGateRunner: GateRunner = async (gate, ctx) => {
  switch (gate.type) {
    case 'command':
      return runCommandGate(gate, ctx);
    case 'http':
      return runHttpGate(gate, ctx);
    case 'soak':
      return runSoakGate(gate, ctx);
    case 'label':
      return runLabelGate(gate, ctx);
    case 'window':
      return runWindowGate(gate, ctx);
    case 'signature':
      return runSignatureGate(gate, ctx);
    case 'approval':
      // Decided by the person in the confirmation; recorded there.
      return { name: gate.name, type: gate.type, status: 'passed', reason: 'asked in the confirmation', durationMs: 0 };
  }
};

/** The longest a gate may take, its own time limits and retries included. */
export function gateTimeLimitMs(gate: GateConfig): number {
  switch (gate.type) {
    case 'command':
      return gate.timeoutSeconds * 1000 + KILL_GRACE_MS + SLACK_MS;
    case 'http': {
      let waits = 0;
      for (let retry = 0; retry < gate.retries; retry++) waits += Math.min(gate.retryDelaySeconds * 2 ** retry, MAX_HTTP_RETRY_DELAY_SECONDS);
      return ((gate.retries + 1) * gate.timeoutSeconds + waits) * 1000 + SLACK_MS;
    }
    case 'label':
    case 'signature':
      return LABEL_GATE_LIMIT_MS;
    case 'soak':
    case 'window':
    case 'approval':
      return SOAK_GATE_LIMIT_MS;
  }
}

/**
 * Every automated gate of the environment, concurrently. Each gets its own signal, fired when the
 * promotion is cancelled (then this rejects with CancelledError) or when the gate outlives its time
 * limit (then its result is an `error`). A gate that throws is an `error` result.
 */
export async function runConfiguredGates(gates: readonly GateConfig[], ctx: GateContext, runner: GateRunner = defaultGateRunner): Promise<GateResult[]> {
  if (ctx.signal?.aborted) throw new CancelledError();
  const automated = gates.filter((g) => g.type !== 'approval');
  return Promise.all(automated.map((gate) => runOne(gate, ctx, runner)));
}

async function runOne(gate: GateConfig, ctx: GateContext, runner: GateRunner): Promise<GateResult> {
  const started = Date.now();
  const own = new AbortController();
  const limitMs = gateTimeLimitMs(gate);
  let timer: NodeJS.Timeout | undefined;
  let onCancel: (() => void) | undefined;
  // Settles first when the gate outlives its limit, or when the promotion is cancelled (even if the gate ignores its signal).
  const stop = new Promise<'overdue'>((resolve, reject) => {
    timer = setTimeout(() => resolve('overdue'), limitMs);
    onCancel = () => {
      own.abort();
      reject(new CancelledError());
    };
    ctx.signal?.addEventListener('abort', onCancel, { once: true });
  });
  const work = runner(gate, { ...ctx, signal: own.signal });
  try {
    const outcome = await Promise.race([work, stop]);
    if (outcome === 'overdue') {
      own.abort();
      work.catch(() => undefined);
      return {
        name: gate.name,
        type: gate.type,
        status: 'error',
        reason: `did not finish within ${Math.round(limitMs / 1000)} s and was stopped`,
        durationMs: Date.now() - started,
      };
    }
    return outcome.durationMs > 0 ? outcome : { ...outcome, durationMs: Date.now() - started };
  } catch (error) {
    if (isCancelled(error) || ctx.signal?.aborted) {
      work.catch(() => undefined);
      throw isCancelled(error) ? error : new CancelledError();
    }
    return { name: gate.name, type: gate.type, status: 'error' as const, reason: (error as Error).message, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    if (onCancel) ctx.signal?.removeEventListener('abort', onCancel);
    stop.catch(() => undefined);
  }
}
