// deploy: webhook — one request made as http gates make them (placeholders, ${env:NAME} kept out of
// every text shown, same-origin redirects, a time limit); never retried, since it changes something.
import type { HttpGateConfig } from '../config/types';
import { runHttpGate } from '../gates/httpGate';
import type { Redeployer } from './redeploy';

export function webhookRedeployer(request: HttpGateConfig): Redeployer {
  return {
    what: `${request.method} ${request.url}`,
    async redeploy(input) {
      input.progress(`Redeploying: ${request.method} ${request.url.replace(/[?#].*$/, '')}…`);
      const result = await runHttpGate(request, input.context);
      return { ok: result.status === 'passed', says: `the deploy webhook: ${result.reason}`, ...(result.details ? { details: result.details } : {}) };
    },
  };
}
