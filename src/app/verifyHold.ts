// onVerifyFailure: hold and rollback. After a promotion whose verify gates failed, the environment is
// held, naming the bad digest: nothing (a colleague, `promote --auto`) promotes into it until a person
// releases the hold, and the rollback (with `rollback`) goes through the hold. A registry that refuses
// the hold never changes what the promotion did: the person is told, and the log has why.
import { errorMessage } from '../core/errors';
import { shortDigest } from '../core/reference';
import type { PromotionOutcome, PromotionRequest } from '../promotion/promote';
import { webhooksFor, type WebhookResult } from '../notify/sendWebhooks';
import { holdEnvironment } from './holdActions';
import type { AppServices } from './services';

export const VERIFICATION_HOLDER = 'verification';

/** The sentence to add to the outcome's message (empty: no hold was due). */
export async function holdAfterFailedVerification(
  app: Pick<AppServices, 'documents' | 'log'>,
  request: PromotionRequest,
  outcome: PromotionOutcome,
  signal?: AbortSignal,
): Promise<{ said: string; notifications?: Promise<WebhookResult[]> }> {
  const verification = outcome.verification;
  if (verification?.status !== 'failed' || (verification.onFailure !== 'hold' && verification.onFailure !== 'rollback') || !outcome.digest) return { said: '' };
  const failing = verification.gates.filter((g) => g.status !== 'passed').map((g) => `${g.name}: ${g.reason}`);
  const reason = `verification of ${shortDigest(outcome.digest)} failed after the move (${failing.join('; ') || 'no gate passed'})`;
  try {
    const hold = await holdEnvironment(
      app,
      request.target,
      { by: VERIFICATION_HOLDER, reason, digest: outcome.digest },
      signal,
      webhooksFor(request.config, request.target.name),
    );
    return {
      said: `${request.target.name} is now held, naming ${shortDigest(outcome.digest)}: release the hold once the cause is fixed.`,
      ...(hold.notifications ? { notifications: hold.notifications } : {}),
    };
  } catch (error) {
    app.log.warn(errorMessage(error));
    return { said: `${request.target.name} could not be held (${errorMessage(error)}).` };
  }
}
