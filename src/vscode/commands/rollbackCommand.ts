// "Roll Back…": offers the digests an environment held before (from the history), newest first, and
// moves the chosen one back through the same verified path. The order gate does not apply (it was
// there before); the other gates run unless the person overrides them, typing the name (recorded).
import * as vscode from 'vscode';
import type { EnvironmentConfig } from '../../config/types';
import { previousDigests, type HeldDigest } from '../../history/queries';
import type { PromotionModel } from '../../model/promotionModel';
import type { PromotionOutcome } from '../../promotion/promote';
import type { HistoryService } from '../../app/historyService';
import { rollbackSource } from '../../app/rollbackSource';
import type { UserInteraction } from '../interaction';
import type { PromotionRunner } from '../promotionRunner';
import { relativeTime } from '../tree/tooltips';
import type { HistoryNode } from '../tree/historyTree';
import type { PromotionNode } from '../tree/nodes';
import { buildLabel, buildTagOf } from '../../app/text/buildLabel';
import { readyConfig, seenTarget } from './commandContext';

export interface RollbackDeps {
  readonly model: PromotionModel;
  readonly runner: PromotionRunner;
  readonly history: HistoryService;
  readonly interaction: () => UserInteraction;
}

export async function rollBack(deps: RollbackDeps, node?: PromotionNode | HistoryNode): Promise<PromotionOutcome | undefined> {
  const ready = readyConfig(deps.model);
  if (!ready) return undefined;
  const ui = deps.interaction();
  const target =
    node?.kind === 'environment'
      ? // An Environments row carries its environment; a History view's environment row only its name.
        'row' in node
        ? node.row.env
        : ready.config.environments.find((env) => env.name === node.name)
      : await ui.pick(
          ready.config.environments.map((env) => ({ label: env.name, description: env.tag, value: env })),
          { title: 'Roll back: environment', placeholder: 'Environment to roll back' },
        );
  if (!target) {
    if (node?.kind === 'environment' && !('row' in node))
      ui.inform(`The promotion config has no environment named ${node.name} any more: nothing to roll back.`);
    return undefined;
  }
  const { records } = await deps.history.read(ready.workspaceDir);
  const current = deps.model.snapshot?.environments.find((r) => r.env.name === target.name)?.lookup;
  const held = previousDigests(records, target.name, current?.state === 'present' ? current.digest : null);
  if (!held.length) {
    void vscode.window.showInformationMessage(
      `The promotion history (${deps.history.file(ready.workspaceDir)}) has no earlier digest of ${target.name} to roll back to.`,
    );
    return undefined;
  }
  const builds = deps.model.snapshot?.builds;
  const labelOf = (digest: string): string => buildLabel({ tag: buildTagOf(builds, digest) }, digest);
  const chosen = await ui.pick(
    held.map((h, i) => ({ label: labelOf(h.digest), description: heldDescription(h), detail: h.digest, value: h, picked: i === 0 })),
    { title: `Roll back ${target.name}: earlier digest`, placeholder: 'Digests it held before, most recent first' },
  );
  if (!chosen) return undefined;
  const overrideGates = await askOverride(ui, target);
  if (overrideGates === undefined) return undefined;
  return deps.runner.run(
    {
      config: ready.config,
      mode: 'rollback',
      overrideGates,
      source: rollbackSource(ready.config, records, target, chosen.digest, `${target.name}'s earlier ${labelOf(chosen.digest)}`),
      target,
      ...(buildTagOf(builds, chosen.digest) ? { build: { tag: buildTagOf(builds, chosen.digest)! } } : {}),
      ...seenTarget(deps.model, target),
    },
    ready.workspaceDir,
  );
}

/** false: run the gates; true: override them; undefined: the person backed out. */
async function askOverride(ui: UserInteraction, target: EnvironmentConfig): Promise<boolean | undefined> {
  const automated = target.gates.filter((g) => g.type !== 'approval');
  if (!automated.length) return false;
  return ui.pick(
    [
      { label: `Run the gates of ${target.name}`, description: automated.map((g) => g.name).join(', '), value: false, picked: true },
      { label: 'Override the gates', description: `you type "${target.name}"; the override is recorded in the history`, value: true },
    ],
    { title: `Roll back ${target.name}: gates`, placeholder: 'The promotion-order gate does not apply to a rollback' },
  );
}

function heldDescription(h: HeldDigest): string {
  const parts: string[] = [];
  if (h.arrivedAt !== undefined) parts.push(`arrived ${relativeTime(h.arrivedAt)}`);
  if (h.arrivedBy) parts.push(`by ${h.arrivedBy.name ?? h.arrivedBy.user}`);
  if (h.leftAt !== undefined) parts.push(`replaced ${relativeTime(h.leftAt)}`);
  return parts.join(' · ') || 'held before the history began';
}
