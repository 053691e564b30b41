// Runs a window gate: the promotion may happen now only inside the gate's release windows.
import type { WindowGateConfig } from '../config/types';
import { throwIfAborted } from '../core/errors';
import { failed, passed, type GateContext, type GateResult } from './gate';
import { windowVerdict } from './releaseWindow';

export function runWindowGate(gate: WindowGateConfig, ctx: GateContext): GateResult {
  throwIfAborted(ctx.signal);
  const verdict = windowVerdict(gate, (ctx.now ?? Date.now)());
  if (verdict.open) return passed(gate.name, gate.type, verdict.reason);
  // The exact instant, for the history and scripts; the reason says it on the gate's clock.
  const opens = verdict.opensAt === undefined ? [] : [`opens at ${new Date(verdict.opensAt).toISOString()}`];
  return failed(gate.name, gate.type, verdict.reason, 0, opens);
}
