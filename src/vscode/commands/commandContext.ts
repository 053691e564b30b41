// What every command needs before it acts: a loaded config, and what the tree showed.
import * as vscode from 'vscode';
import type { EnvironmentConfig, PromotionConfig } from '../../config/types';
import type { PromotionModel } from '../../model/promotionModel';
import type { Snapshot } from '../../model/snapshot';
import { runCommand } from './runCommand';

export interface ReadyConfig {
  readonly config: PromotionConfig;
  readonly workspaceDir: string;
}

/** The loaded config, or undefined after telling the user why there is none (with a way to fix it). */
export function readyConfig(model: PromotionModel): ReadyConfig | undefined {
  const state = model.config;
  if (state.kind === 'ready') return state;
  const why =
    state.kind === 'invalid'
      ? 'The promotion config has errors (see the Problems panel).'
      : state.kind === 'no-config'
        ? 'This workspace has no promotion config.'
        : 'Open a folder with a promotion config first.';
  const action = state.kind === 'no-workspace' ? undefined : state.kind === 'invalid' ? 'Open Config' : 'Create Config';
  void (action ? vscode.window.showErrorMessage(why, action) : vscode.window.showErrorMessage(why)).then((choice) => {
    if (choice === 'Open Config') void runCommand('imagePromotion.openConfig');
    if (choice === 'Create Config') void runCommand('imagePromotion.createConfig');
  });
  return undefined;
}

/** The target digest the tree showed (null: empty), so a promotion can tell when it moved since. */
export function seenTarget(model: PromotionModel, target: EnvironmentConfig): { seenTargetDigest?: string | null } {
  const seen = model.snapshot?.environments.find((r) => r.env.name === target.name)?.lookup;
  return seen && seen.state !== 'error' ? { seenTargetDigest: seen.state === 'present' ? seen.digest : null } : {};
}

/** The latest snapshot, taking one first when there is none yet. */
export async function currentSnapshot(model: PromotionModel): Promise<Snapshot | undefined> {
  if (!model.snapshot) await model.refresh();
  return model.snapshot;
}
