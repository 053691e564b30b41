// "Check gates" for every front end: every gate of a promotion run now, with the history read fresh.
import { arrivals } from '../history/queries';
import { checkGates, type GateCheck } from '../promotion/checkGates';
import type { PromotionEnvironment, PromotionRequest } from '../promotion/promote';
import type { AppServices } from './services';

export async function runCheck(
  app: Pick<AppServices, 'promotion' | 'history'>,
  request: PromotionRequest,
  env: Pick<PromotionEnvironment, 'trusted' | 'signal'> & { readonly workspaceDir: string },
): Promise<GateCheck> {
  const history = await app.history.read(env.workspaceDir).catch(() => undefined);
  return checkGates(request, app.promotion, { ...env, ...(history ? { history: arrivals(history.records) } : {}) });
}
