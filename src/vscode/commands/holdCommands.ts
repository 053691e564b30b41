// "Hold Promotions…" and "Release Hold" on an environment row: the same hold the CLI places
// (app/holdActions.ts), in the environment's registry, so every editor and pipeline sees it.
import { holdEnvironment, identity, releaseEnvironment } from '../../app/holdActions';
import type { AppServices } from '../../app/services';
import type { EnvironmentConfig, PromotionConfig } from '../../config/types';
import { webhooksFor } from '../../notify/sendWebhooks';
import type { PromotionModel } from '../../model/promotionModel';
import type { UserInteraction } from '../interaction';
import { withCancellableProgress } from '../progress';
import type { PromotionNode } from '../tree/nodes';
import { readyConfig } from './commandContext';

export interface HoldDeps {
  readonly model: PromotionModel;
  readonly app: Pick<AppServices, 'documents' | 'log'>;
  readonly interaction: () => UserInteraction;
  /** After a change: the rows show it at once, not at the next refresh. */
  readonly refresh: () => Promise<void>;
}

async function targetOf(
  deps: HoldDeps,
  node: PromotionNode | undefined,
  title: string,
  held?: boolean,
): Promise<{ env: EnvironmentConfig; dir: string; config: PromotionConfig } | undefined> {
  const ready = readyConfig(deps.model);
  if (!ready) return undefined;
  if (node?.kind === 'environment') return { env: node.row.env, dir: ready.workspaceDir, config: ready.config };
  const rows = deps.model.snapshot?.environments ?? [];
  const isHeld = (env: EnvironmentConfig): boolean => rows.find((r) => r.env.name === env.name)?.hold?.state === 'held';
  const env = await deps.interaction().pick(
    ready.config.environments
      .filter((e) => held === undefined || isHeld(e) === held)
      .map((e) => ({ label: e.name, description: isHeld(e) ? 'held' : e.tag, value: e })),
    { title, placeholder: 'Environment' },
  );
  return env ? { env, dir: ready.workspaceDir, config: ready.config } : undefined;
}

export async function holdPromotions(deps: HoldDeps, node?: PromotionNode): Promise<string | undefined> {
  const target = await targetOf(deps, node, 'Hold promotions: environment');
  if (!target) return undefined;
  const ui = deps.interaction();
  const reason = await ui.ask({
    title: `Hold promotions into ${target.env.name}`,
    prompt: 'Why? Everyone who promotes (editors and pipelines) reads this.',
    validate: (value) => (value.trim() ? undefined : 'Say why: the team reads it'),
  });
  if (!reason?.trim()) return undefined;
  const by = await identity(target.dir);
  const { message } = await withCancellableProgress(`Holding ${target.env.name}`, (_report, signal) =>
    holdEnvironment(deps.app, target.env, { by, reason: reason.trim() }, signal, webhooksFor(target.config, target.env.name)),
  );
  await deps.refresh();
  ui.inform(message);
  return message;
}

export async function releaseHold(deps: HoldDeps, node?: PromotionNode): Promise<string | undefined> {
  const target = await targetOf(deps, node, 'Release hold: environment', true);
  if (!target) return undefined;
  const by = await identity(target.dir);
  const { message } = await withCancellableProgress(`Releasing the hold on ${target.env.name}`, (_report, signal) =>
    releaseEnvironment(deps.app, target.env, by, signal),
  );
  await deps.refresh();
  deps.interaction().inform(message);
  return message;
}
