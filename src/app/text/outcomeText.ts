// The one line a finished promotion shows: led by the build a person knows, then what happened.
import type { PromotionOutcome } from '../../promotion/promote';
import { buildLabel, type BuildIdentity } from './buildLabel';

export function outcomeText(outcome: Pick<PromotionOutcome, 'message' | 'digest'>, build: BuildIdentity | undefined): string {
  if (!build?.tag && !build?.revision) return outcome.message;
  return `${buildLabel(build, outcome.digest)}: ${outcome.message}`;
}
