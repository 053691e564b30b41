// The history line of one promotion attempt: what was asked (request) and what happened (outcome).
import { repositoryName } from '../core/reference';
import { recordFromOutcome, type HistoryRecord, type Who } from '../history/record';
import { sourceLabelOf, sourceRepositoryOf, type PromotionOutcome, type PromotionRequest } from './promote';

export function historyRecordFor(request: PromotionRequest, outcome: PromotionOutcome, who: Who, finishedAt = Date.now()): HistoryRecord {
  const { source, target, config } = request;
  const whoName = who.name ? `${who.name}${who.email ? ` <${who.email}>` : ''}` : who.user;
  return recordFromOutcome(
    outcome,
    {
      kind: request.mode ?? 'promotion',
      source: {
        label: sourceLabelOf(source),
        repository: repositoryName(sourceRepositoryOf(config, source)),
        ...(source.kind === 'environment' ? { environment: source.environment.name } : {}),
        ...(source.kind === 'build' ? { buildTag: source.tag } : {}),
      },
      target: { environment: target.name, tag: target.tag, repository: repositoryName(target.repository) },
      ...(outcome.overriddenGates?.length ? { override: { by: whoName, gates: outcome.overriddenGates } } : {}),
    },
    who,
    finishedAt,
  );
}
