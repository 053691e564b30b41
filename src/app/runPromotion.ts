// The one way a front end runs a promotion or rollback and records it: read the history fresh (another
// window or pipeline may have promoted since), promote under the cross-process lock beside the history
// file, journal the start before the tag moves, append the attempt, then the registry's record and,
// with a signing key, the signed attestation.
// Both the extension and the CLI call this.
import { randomUUID } from 'node:crypto';
import { arrivals } from '../history/queries';
import { failedWebhooks, sendWebhooks, webhooksFor, type WebhookResult } from '../notify/sendWebhooks';
import { promote, type PromotionEnvironment, type PromotionOutcome, type PromotionRequest } from '../promotion/promote';
import type { AppServices } from './services';
import { rollbackAfterFailedVerification } from './verifyRollback';

export interface RunEnvironment extends Omit<PromotionEnvironment, 'history' | 'workspaceDir' | 'historyFile' | 'journal'> {
  readonly workspaceDir: string;
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
}

export async function runPromotion(
  app: Pick<AppServices, 'promotion' | 'history' | 'records' | 'log' | 'attestations'>,
  request: PromotionRequest,
  env: RunEnvironment,
): Promise<RecordedOutcome> {
  const { workspaceDir } = env;
  // Before anything moves: a key that cannot be read (wrong password, not P-256) stops here.
  const signingKey = await app.attestations.signingKey();
  const history = await app.history.read(workspaceDir).catch(() => undefined);
  let startedId: string | undefined;
  const outcome = await promote(request, app.promotion, {
    ...env,
    ...(history ? { history: arrivals(history.records) } : {}),
    // Other windows and processes promoting into the same environment are kept out, and a start line
    // before the write shows a killed process's attempt as interrupted afterwards.
    historyFile: app.history.file(workspaceDir),
    journal: {
      started: async (write) => {
        const id = randomUUID();
        await app.history.recordStart(workspaceDir, request, write, id);
        startedId = id;
      },
    },
  });
  env.progress('Recording…');
  const { record, problem } = await app.history.record(workspaceDir, request, outcome, startedId);
  // After the file: a registry that refuses the record never fails a move that already happened. The
  // record and the signed attestation go to different tags: written side by side, signing adds no wait.
  await Promise.all([app.records.write(outcome, record), signingKey ? app.attestations.write(signingKey, record) : undefined]);
  const hooks = webhooksFor(request.config, request.target.name);
  const notifications = hooks.length ? sendWebhooks(hooks, record) : Promise.resolve([]);
  void notifications.then((results) => {
    for (const r of results) if (r.ok) app.log.info(`notified ${r.shownAs} (${r.ms} ms)`);
    for (const line of failedWebhooks(results)) app.log.warn(line);
  });
  // onVerifyFailure: rollback: a recorded rollback of its own, now that this attempt's lock is released.
  const after = await rollbackAfterFailedVerification((r, e) => runPromotion(app, r, e), request, outcome, env);
  const recordProblem = [problem, after.rollback?.recordProblem].filter(Boolean).join(' ');
  return {
    outcome: after.outcome,
    notifications: after.rollback ? Promise.all([notifications, after.rollback.notifications]).then((lists) => lists.flat()) : notifications,
    ...(recordProblem ? { recordProblem } : {}),
  };
}
