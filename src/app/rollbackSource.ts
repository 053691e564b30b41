// What a rollback moves back: the digest an environment held before, and for a release every image's
// digest of that release, as the history recorded it. Shared by the CLI, the extension and the
// rollback after a failed verification.
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { releaseDigests } from '../history/queries';
import type { HistoryRecord } from '../history/record';
import type { PromotionSource } from '../promotion/promote';

export function rollbackSource(
  config: PromotionConfig,
  records: readonly HistoryRecord[],
  target: EnvironmentConfig,
  digest: string,
  label: string,
): PromotionSource {
  // A history that never saw the release whole names no digests: the promotion then refuses it, saying which image it lacks.
  const digests = config.components ? releaseDigests(records, target.name, digest) : undefined;
  return { kind: 'digest', digest, repository: target.repository, label, ...(digests ? { digests } : {}) };
}
