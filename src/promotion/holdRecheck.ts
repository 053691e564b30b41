// A hold placed while the confirmation was open or the image was being prepared (by a colleague, by a
// pipeline's failed verification) must stop the write: the hold is read again beside the target's
// last read, right before the tag moves. A rollback goes through a hold, as at the gates.
import type { EnvironmentConfig } from '../config/types';
import type { GateResult } from '../gates/gate';
import { holdGate } from './builtinGates';
import { readHoldNow } from './gateEvaluation';
import type { PromotionServices } from './promotionTypes';

/** The hold gate's failed result when the environment is held now (or its hold cannot be read); undefined: write. */
export async function holdPlacedMeanwhile(
  services: Pick<PromotionServices, 'readHold'>,
  target: EnvironmentConfig,
  mode: 'promotion' | 'rollback',
  signal?: AbortSignal,
): Promise<GateResult | undefined> {
  if (!services.readHold || mode === 'rollback') return undefined;
  const hold = await readHoldNow(services, target, signal);
  const result = holdGate(target, mode, hold);
  return result.status === 'passed' ? undefined : { ...result, reason: `placed while the promotion waited: ${result.reason}` };
}
