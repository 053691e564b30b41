// "Approve Build for Environment…": an approval given ahead of a promotion, stored in the environment's
// registry on that digest (app/approvalActions.ts, as `image-promotion approve`). From an environment
// row: that environment, and what the environment before holds is offered first. Signed with the
// configured signing key when there is one.
import { approveBuild } from '../../app/approvalActions';
import { identity } from '../../app/holdActions';
import type { AppServices } from '../../app/services';
import { buildLabel, buildTagOf } from '../../app/text/buildLabel';
import type { EnvironmentConfig } from '../../config/types';
import type { PromotionModel } from '../../model/promotionModel';
import type { Snapshot } from '../../model/snapshot';
import type { UserInteraction } from '../interaction';
import { withCancellableProgress } from '../progress';
import type { PromotionNode } from '../tree/nodes';
import { readyConfig } from './commandContext';

export interface ApproveDeps {
  readonly model: PromotionModel;
  readonly app: Pick<AppServices, 'documents' | 'log' | 'attestations'>;
  readonly interaction: () => UserInteraction;
  readonly refresh: () => Promise<void>;
}

export async function approveBuildCommand(deps: ApproveDeps, node?: PromotionNode): Promise<string | undefined> {
  const ready = readyConfig(deps.model);
  if (!ready) return undefined;
  const ui = deps.interaction();
  const snapshot = deps.model.snapshot;
  const withGates = ready.config.environments.filter((e) => e.gates.some((g) => g.type === 'approval'));
  const target: EnvironmentConfig | undefined =
    node?.kind === 'environment'
      ? node.row.env
      : await ui.pick(
          (withGates.length ? withGates : ready.config.environments).map((e) => ({ label: e.name, description: e.tag, value: e })),
          { title: 'Approve a build: environment', placeholder: 'Environment the build is approved for' },
        );
  if (!target) return undefined;
  const rows = snapshot?.environments ?? [];
  const index = rows.findIndex((r) => r.env.name === target.name);
  const before = index > 0 ? rows[index - 1]!.lookup : undefined;
  const label = (digest: string): string => buildLabel({ tag: buildTagOf(snapshot?.builds, digest) }, digest);
  const offered = [
    ...(before?.state === 'present'
      ? [{ label: label(before.digest), description: `what ${rows[index - 1]!.env.name} holds`, detail: before.digest, value: before.digest, picked: true }]
      : []),
    ...(snapshot?.builds.state === 'ok' ? snapshot.builds.rows : [])
      .filter((b) => before?.state !== 'present' || b.digest !== before.digest)
      .map((b) => ({ label: b.tag, description: b.heldBy.join(', '), detail: b.digest, value: b.digest })),
  ];
  const digest = await ui.pick(offered, { title: `Approve a build for ${target.name}`, placeholder: 'The build you approve' });
  if (!digest) return undefined;
  // A release's approval names every image's digest: of the build picked, or what the environment before holds.
  const components = ready.config.components ? releaseDigests(snapshot, index, digest) : undefined;
  if (components === null) {
    ui.inform(`${label(digest)} is not a complete release (some image's digest is unknown or missing): nothing was approved.`);
    return undefined;
  }
  const by = await identity(ready.workspaceDir);
  // Signed with the configured signing key (imagePromotion.signingKey), as promotions are: approval gates
  // whose from lists public keys count only signed approvals. A key that cannot be loaded stops here.
  const key = await deps.app.attestations.signingKey();
  const { message } = await withCancellableProgress(`Approving ${label(digest)} for ${target.name}`, (_report, signal) =>
    approveBuild(deps.app, target, digest, by, signal, components, { ...(key ? { key } : {}), workspaceDir: ready.workspaceDir }),
  );
  await deps.refresh();
  ui.inform(message);
  return message;
}

/** Every image's digest of the release whose first image is `digest` (null: not a complete release known to the snapshot). */
function releaseDigests(snapshot: Snapshot | undefined, index: number, digest: string): Record<string, string> | null {
  const before = index > 0 ? snapshot?.environments[index - 1] : undefined;
  const held = before?.lookup.state === 'present' && before.lookup.digest === digest ? before.components : undefined;
  const listed = held?.map((c) => [c.name, c.lookup.state === 'present' ? c.lookup.digest : null] as const);
  const build = snapshot?.builds.state === 'ok' ? snapshot.builds.rows.find((b) => b.digest === digest) : undefined;
  const pairs = listed ?? build?.components?.map((c) => [c.name, c.digest] as const);
  if (!pairs || pairs.some(([, d]) => !d)) return null;
  return Object.fromEntries(pairs.map(([name, d]) => [name, d!]));
}
