// Runs a window gate: the promotion may happen now only inside the gate's release windows.
import type { WindowGateConfig } from '../config/types';
import { throwIfAborted } from '../core/errors';
import { failed, passed, type GateContext, type GateResult } from './gate';
import { windowVerdict } from './releaseWindow';

export function runWindowGate(gate: WindowGateConfig, ctx: GateContext): GateResult {
  throwIfAborted(ctx.signal);
  const verdict = windowVerdict(gate, (ctx.now ?? Date.now)());
  return verdict.open ? passed(gate.name, gate.type, verdict.reason) : failed(gate.name, gate.type, verdict.reason);
}
