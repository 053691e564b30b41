// "Check gates" for every front end: every gate of a promotion run now, with the history read fresh.
import { arrivals } from '../history/queries';
import { checkGates, type GateCheck } from '../promotion/checkGates';
import type { PromotionEnvironment, PromotionRequest } from '../promotion/promote';
import { identity } from './holdActions';
import type { AppServices } from './services';

export async function runCheck(
  app: Pick<AppServices, 'promotion' | 'history'>,
  request: PromotionRequest,
  /** `promoter`: who would promote, when the front end knows better than git (the CLI: its CI variables). */
  env: Pick<PromotionEnvironment, 'trusted' | 'signal' | 'promoter'> & { readonly workspaceDir: string },
): Promise<GateCheck> {
  const [history, promoter] = await Promise.all([app.history.read(env.workspaceDir).catch(() => undefined), identity(env.workspaceDir, env.promoter)]);
  // The person checking is the one who would confirm: their own confirmation counts where allowSelf says so.
  return checkGates(request, app.promotion, { ...env, promoter, ...(history ? { history: arrivals(history.records) } : {}) });
}
