// The one way a front end runs a promotion or rollback and records it: read the history fresh (another
// window or pipeline may have promoted since), promote under the cross-process lock beside the history
// file, journal the start before the tag moves (and start preparing the registry record beside the
// move), append the attempt, and say "done"; the registry's record and, with a signing key, the
// signed attestation follow (registryRecords), which a front end shows when they land and a process
// waits for before it exits.
// Both the extension and the CLI call this.
import { randomUUID } from 'node:crypto';
import { arrivals } from '../history/queries';
import { failedWebhooks, sendWebhooks, webhooksFor, type WebhookResult } from '../notify/sendWebhooks';
import { promote, sourceRepositoryOf, type PromotionEnvironment, type PromotionOutcome, type PromotionRequest } from '../promotion/promote';
import type { RecordWrite } from '../records/promotionRecords';
import type { PreparedRecord } from '../records/registryRecords';
import { releaseViews } from '../records/releaseViews';
import type { AppServices } from './services';
import { identity } from './holdActions';
import { holdAfterFailedVerification } from './verifyHold';
import { rollbackAfterFailedVerification } from './verifyRollback';

export interface RunEnvironment extends Omit<PromotionEnvironment, 'history' | 'workspaceDir' | 'historyFile' | 'journal' | 'promoter'> {
  readonly workspaceDir: string;
  /** Who promotes, when given (--approved-by); else the git identity of the workspace. */
  readonly promoter?: string;
}

export interface RecordedOutcome {
  readonly outcome: PromotionOutcome;
  /** Set when the attempt could not be recorded: the sentence to show. */
  readonly recordProblem?: string;
  /**
   * The config's webhooks, told after the record was written. Not awaited here: a slow or failing
   * receiver never delays or fails the promotion; the front end says what failed when they answer.
   */
  readonly notifications: Promise<WebhookResult[]>;
  /**
   * The registry records of the attempt (and of its rollback, if verification rolled it back), still
   * being written when the outcome is returned. Never rejects; a record that could not be written was
   * also told through AppOptions.warn. A process must not exit before it settles.
   */
  readonly registryRecords: Promise<RecordWrite[]>;
}

/**
 * Registry records and signed attestations still on their way after "done", per set of services. The
 * next promotion waits for them before its gates read the registry: the signed order gate needs the
 * attestation of the promotion just made, and soak gates read the records.
 */
const inFlight = new WeakMap<object, Set<Promise<unknown>>>();

async function earlierWrites(owner: object, env: RunEnvironment): Promise<void> {
  const pending = [...(inFlight.get(owner) ?? [])];
  if (!pending.length) return;
  env.progress('Waiting for the last promotion’s record to reach the registry…');
  await Promise.all(pending);
}

function track<T>(owner: object, write: Promise<T>): Promise<T> {
  const pending = inFlight.get(owner) ?? new Set<Promise<unknown>>();
  inFlight.set(owner, pending);
  pending.add(write);
  void write.finally(() => pending.delete(write));
  return write;
}

export async function runPromotion(
  app: Pick<AppServices, 'promotion' | 'history' | 'records' | 'log' | 'attestations' | 'documents'>,
  request: PromotionRequest,
  env: RunEnvironment,
): Promise<RecordedOutcome> {
  const { workspaceDir } = env;
  await earlierWrites(app.records, env);
  // Read beside the lock and the lookups (the registry's records are requests of their own); the
  // gates wait for it.
  const history = app.history.read(workspaceDir).then(
    (h) => arrivals(h.records),
    () => undefined,
  );
  // Before anything moves: a key that cannot be read (wrong password, not P-256) stops here.
  const [signingKey, promoter] = await Promise.all([app.attestations.signingKey(), identity(workspaceDir, env.promoter)]);
  let startedId: string | undefined;
  let prepared: Promise<PreparedRecord> | undefined;
  const outcome = await promote(request, app.promotion, {
    ...env,
    historyLater: history,
    promoter,
    // Other windows and processes promoting into the same environment are kept out, and a start line
    // before the write shows a killed process's attempt as interrupted afterwards.
    historyFile: app.history.file(workspaceDir),
    journal: {
      started: async (write) => {
        // Beside the move: what the registry record needs whatever the move's result.
        prepared = app.records.prepare(request.target.repository, write.digest, sourceRepositoryOf(request.config, request.source));
        const id = randomUUID();
        await app.history.recordStart(workspaceDir, request, write, id);
        startedId = id;
      },
    },
  });
  env.progress('Recording…');
  const { record, problem } = await app.history.record(workspaceDir, request, outcome, startedId);
  // After the file, and not waited for: a registry that refuses the record never fails a move that
  // already happened, and the person is told "done" once the move is verified and in the file. The
  // record and the signed attestation go to different tags: written side by side, signing adds no wait.
  // A release's record (and attestation) goes beside every image's digest (records/releaseViews.ts).
  const views = releaseViews(record);
  const registryRecord = track(
    app.records,
    Promise.all([
      app.records.write(outcome, record, undefined, prepared),
      ...views.slice(1).map((view) => app.records.write(outcome, view)),
      ...(signingKey ? views.map((view) => app.attestations.write(signingKey, view)) : []),
    ]).then(([written]) => written),
  );
  const hooks = webhooksFor(request.config, request.target.name);
  const notifications = hooks.length ? sendWebhooks(hooks, record) : Promise.resolve([]);
  void notifications.then((results) => {
    for (const r of results) if (r.ok) app.log.info(`notified ${r.shownAs} (${r.ms} ms)`);
    for (const line of failedWebhooks(results)) app.log.warn(line);
  });
  // onVerifyFailure: hold or rollback: the environment held first (naming the bad digest), so nothing
  // promotes into it meanwhile; then, with rollback, a recorded rollback of its own through the hold.
  const held = await holdAfterFailedVerification(app, request, outcome, env.signal);
  const after = await rollbackAfterFailedVerification(
    (r, e) => runPromotion(app, r, e),
    request,
    held.said ? { ...outcome, message: `${outcome.message} ${held.said}` } : outcome,
    env,
  );
  const recordProblem = [problem, after.rollback?.recordProblem].filter(Boolean).join(' ');
  const all = [notifications, ...(held.notifications ? [held.notifications] : []), ...(after.rollback ? [after.rollback.notifications] : [])];
  return {
    outcome: after.outcome,
    notifications: Promise.all(all).then((lists) => lists.flat()),
    registryRecords: after.rollback
      ? Promise.all([registryRecord, after.rollback.registryRecords]).then(([first, rest]) => [first, ...rest])
      : registryRecord.then((w) => [w]),
    ...(recordProblem ? { recordProblem } : {}),
  };
}
