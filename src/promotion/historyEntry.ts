// The history line of one promotion attempt: what was asked (request) and what happened (outcome).
import * as os from 'node:os';
import { repositoryName } from '../core/reference';
import { recordFromOutcome, startedRecord, type AttemptInputs, type HistoryRecord, type Who } from '../history/record';
import { sourceLabelOf, sourceRepositoryOf, type PromotionOutcome, type PromotionRequest, type StartedWrite } from './promote';

/** `startedId`: the id of the attempt's `started` record, when one was written before the tag moved. */
export function historyRecordFor(request: PromotionRequest, outcome: PromotionOutcome, who: Who, finishedAt = Date.now(), startedId?: string): HistoryRecord {
  return recordFromOutcome(outcome, { ...inputsOf(request, who, outcome.overriddenGates), ...(startedId ? { startedId } : {}) }, who, finishedAt);
}

/** Written right before the tag moves: without its end record, the history shows the attempt as interrupted. */
export function startedRecordFor(request: PromotionRequest, write: StartedWrite, who: Who, id: string, at = Date.now()): HistoryRecord {
  return startedRecord(write, { ...inputsOf(request, who, undefined), id }, who, { pid: process.pid, host: os.hostname() }, at);
}

function inputsOf(request: PromotionRequest, who: Who, overriddenGates: readonly string[] | undefined): AttemptInputs {
  const { source, target, config } = request;
  const whoName = who.name ? `${who.name}${who.email ? ` <${who.email}>` : ''}` : who.user;
  return {
    kind: request.mode ?? 'promotion',
    source: {
      label: sourceLabelOf(source),
      repository: repositoryName(sourceRepositoryOf(config, source)),
      ...(source.kind === 'environment' ? { environment: source.environment.name } : {}),
      ...(source.kind === 'build' ? { buildTag: source.tag } : request.build?.tag ? { buildTag: request.build.tag } : {}),
      ...(request.build?.revision ? { revision: request.build.revision } : {}),
    },
    target: { environment: target.name, tag: target.tag, repository: repositoryName(target.repository) },
    ...(overriddenGates?.length ? { override: { by: whoName, gates: overriddenGates } } : {}),
    ...(request.auto ? { auto: true } : {}),
  };
}
