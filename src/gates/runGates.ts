// Runs an environment's configured gates. Automated gates run at once, each with its own limit;
// approval gates are answered in the confirmation (see needsTypedApproval).
import type { GateConfig } from '../config/types';
import { isCancelled } from '../core/errors';
import { runCommandGate } from './commandGate';
import type { GateContext, GateResult } from './gate';

export type GateRunner = (gate: GateConfig, ctx: GateContext) => Promise<GateResult>;

export const defaultGateRunner: GateRunner = async (gate, ctx) => {
  switch (gate.type) {
    case 'command':
      return runCommandGate(gate, ctx);
    case 'approval':
      // Decided by the person in the confirmation; recorded there.
      return { name: gate.name, type: gate.type, status: 'passed', reason: 'asked in the confirmation', durationMs: 0 };
  }
};

/** Every automated gate of the environment, concurrently. A gate that throws is an `error` result. */
export async function runConfiguredGates(gates: readonly GateConfig[], ctx: GateContext, runner: GateRunner = defaultGateRunner): Promise<GateResult[]> {
  const automated = gates.filter((g) => g.type !== 'approval');
  return Promise.all(
    automated.map(async (gate) => {
      const started = Date.now();
      try {
        return await runner(gate, ctx);
      } catch (error) {
        if (isCancelled(error)) throw error;
        return { name: gate.name, type: gate.type, status: 'error' as const, reason: (error as Error).message, durationMs: Date.now() - started };
      }
    }),
  );
}
