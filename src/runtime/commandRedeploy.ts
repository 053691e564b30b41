// deploy: command — a program run as command gates run (argv, no shell, the promotion's facts in its
// environment, a time limit, only in a trusted workspace).
import { runCommandGate } from '../gates/commandGate';
import type { Redeployer } from './redeploy';

export function commandRedeployer(run: readonly string[], timeoutSeconds: number): Redeployer {
  return {
    what: `run ${run[0]}`,
    async redeploy(input) {
      input.progress(`Redeploying: running ${run[0]}…`);
      const result = await runCommandGate({ type: 'command', name: 'deploy command', run, timeoutSeconds }, input.context);
      return { ok: result.status === 'passed', says: `${run[0]} ${result.reason}`, ...(result.details ? { details: result.details } : {}) };
    },
  };
}
