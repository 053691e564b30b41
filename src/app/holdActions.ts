// Hold Promotions… / Release Hold and `image-promotion hold|release`: the same steps for both front
// ends. Who: the name given (--by, the CI's approver variables), else the git identity of the
// workspace, else the OS account.
import type { EnvironmentConfig, WebhookConfig } from '../config/types';
import { failedWebhooks, sendHoldWebhooks, type WebhookResult } from '../notify/sendWebhooks';
import { PromotionError } from '../core/errors';
import { repositoryName } from '../core/reference';
import type { Who } from '../history/record';
import { whoIsPromoting } from '../history/who';
import { describeHold, holdTag, isHeld, placeHold, readHold, releaseHold, type HoldDocument } from '../records/holds';
import type { AppServices } from './services';

export function whoLabel(who: Who): string {
  return who.name && who.email ? `${who.name} <${who.email}>` : (who.name ?? who.email ?? who.user);
}

export async function identity(workspaceDir: string | undefined, given?: string): Promise<string> {
  return given?.trim() || whoLabel(await whoIsPromoting(workspaceDir));
}

export interface HoldChange {
  /** What was written (undefined: nothing to do, `message` says why). */
  readonly hold?: HoldDocument;
  readonly message: string;
  /** The `held` webhooks, told after the hold was written; never rejects (failures are results). */
  readonly notifications?: Promise<WebhookResult[]>;
}

/** Places (or replaces) the environment's hold. A registry that refuses it throws a PromotionError naming the tag and what to do. */
export async function holdEnvironment(
  app: Pick<AppServices, 'documents' | 'log'>,
  env: EnvironmentConfig,
  hold: { by: string; reason: string; digest?: string },
  signal?: AbortSignal,
  /** The webhooks of the config and the environment (webhooksFor): those listening to `held` are told. */
  hooks: readonly WebhookConfig[] = [],
): Promise<HoldChange> {
  const written = await refusedSaysWhere(env, 'place the hold', () => placeHold(app.documents, env, hold, signal));
  app.log.info(`hold placed on ${env.name} (${where(env)}): ${describeHold(written)}`);
  const notifications = sendHoldWebhooks(hooks, {
    environment: env.name,
    repository: repositoryName(env.repository),
    tag: env.tag,
    by: written.by,
    at: written.at,
    reason: written.reason,
    ...(written.digest ? { digest: written.digest } : {}),
  });
  void notifications.then((results) => {
    for (const r of results) if (r.ok) app.log.info(`notified ${r.shownAs} of the hold (${r.ms} ms)`);
    for (const line of failedWebhooks(results)) app.log.warn(line);
  });
  return {
    hold: written,
    message: `${env.name} is ${describeHold(written)}. No promotion moves it until the hold is released; a rollback still can.`,
    notifications,
  };
}

export async function releaseEnvironment(
  app: Pick<AppServices, 'documents' | 'log'>,
  env: EnvironmentConfig,
  by: string,
  signal?: AbortSignal,
): Promise<HoldChange> {
  const released = await refusedSaysWhere(env, 'release the hold', () => releaseHold(app.documents, env, by, signal));
  if (!released) return { message: `${env.name} is not held: nothing to release.` };
  app.log.info(`hold on ${env.name} released by ${by} (${where(env)})`);
  return {
    hold: released,
    message: `${env.name} is no longer held (the hold ${released.released!.by} placed at ${released.released!.at}, released by ${by}).`,
  };
}

/** The hold as it stands now, read from the registry. */
export async function currentHold(app: Pick<AppServices, 'documents'>, env: EnvironmentConfig, signal?: AbortSignal): Promise<HoldDocument | undefined> {
  const hold = await readHold(app.documents, env, signal);
  return isHeld(hold) ? hold : undefined;
}

function where(env: EnvironmentConfig): string {
  return `${repositoryName(env.repository)}:${holdTag(env)}`;
}

async function refusedSaysWhere<T>(env: EnvironmentConfig, what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof PromotionError)) throw error;
    const hint =
      error.kind === 'unauthorized' || error.kind === 'denied'
        ? `A hold is a small artifact under ${where(env)}: it needs push rights to ${repositoryName(env.repository)}.`
        : error.hint;
    throw new PromotionError(error.kind, `Could not ${what} on ${env.name}: ${where(env)} was not written (${error.message}). Nothing else changed.`, hint, {
      cause: error,
    });
  }
}
