// "Promote to Staging", "Promote to Production", "Promote…" and the tree's "Promote to Next
// Environment…": pick what and where, then run the core promotion inside a cancellable progress.
import * as vscode from 'vscode';
import type { EnvironmentConfig, PromotionConfig } from '../../config/types';
import { shortDigest } from '../../core/reference';
import type { PromotionModel } from '../../model/promotionModel';
import type { BuildRow, Snapshot } from '../../model/snapshot';
import { defaultTarget, findEnvironment, previousEnvironment } from '../../promotion/plan';
import type { PromotionOutcome, PromotionRequest, PromotionSource } from '../../promotion/promote';
import type { PickItem, UserInteraction } from '../interaction';
import type { PromotionRunner } from '../promotionRunner';
import { digestOf, type PromotionNode } from '../tree/nodes';
import { currentSnapshot, readyConfig, seenTarget, type ReadyConfig } from './commandContext';

export interface PromoteCommandDeps {
  readonly model: PromotionModel;
  readonly runner: PromotionRunner;
  readonly interaction: () => UserInteraction;
}

export class PromoteCommands {
  constructor(private readonly deps: PromoteCommandDeps) {}

  /** Palette "Promote to <name>", or a row's menu entry for that environment. */
  async promoteTo(targetName: string, node?: PromotionNode): Promise<PromotionOutcome | undefined> {
    const ready = this.readyConfig();
    if (!ready) return undefined;
    const target = findEnvironment(ready.config, targetName);
    if (!target) {
      void vscode.window.showErrorMessage(`There is no environment named "${targetName}" in the promotion config (it has ${ready.config.environments.map((e) => e.name).join(', ')}).`);
      return undefined;
    }
    const source = node ? sourceFromNode(node) : await this.defaultSource(ready.config, target);
    if (!source) return undefined;
    return this.run(ready, source, target);
  }

  /** A row's "Promote to Next Environment…": after an environment, or into the first one for a build. */
  async promoteToNext(node?: PromotionNode): Promise<PromotionOutcome | undefined> {
    const ready = this.readyConfig();
    if (!ready) return undefined;
    if (!node) return this.promotePick();
    const source = sourceFromNode(node);
    const target = defaultTarget(ready.config, source?.kind === 'environment' ? { environment: source.environment } : {});
    if (!source || !target) {
      void vscode.window.showInformationMessage('That row has no digest to promote, or it is the last environment.');
      return undefined;
    }
    return this.run(ready, source, target);
  }

  /** "Promote…": pick the target, then the build (or, from a row, just the target). */
  async promotePick(node?: PromotionNode): Promise<PromotionOutcome | undefined> {
    const ready = this.readyConfig();
    if (!ready) return undefined;
    const fromRow = node ? sourceFromNode(node) : undefined;
    const snapshot = await this.snapshot();
    const targets = ready.config.environments.filter((e) => !(fromRow?.kind === 'environment' && fromRow.environment.name === e.name));
    const suggested = fromRow ? defaultTarget(ready.config, fromRow.kind === 'environment' ? { environment: fromRow.environment } : {}) : undefined;
    const target = await this.deps.interaction().pick(
      targets.map((env) => ({ label: env.name, description: targetDescription(env, snapshot), value: env, picked: env.name === suggested?.name })).sort((a, b) => Number(b.picked ?? false) - Number(a.picked ?? false)),
      { title: fromRow ? `Promote ${shortDigest(fromRow.digest!)}` : 'Promote: target environment', placeholder: 'Environment to promote into' },
    );
    if (!target) return undefined;
    const source = fromRow ?? (await this.pickBuild(ready.config, target, snapshot));
    if (!source) return undefined;
    return this.run(ready, source, target);
  }

  private async run(ready: ReadyConfig, source: PromotionSource, target: EnvironmentConfig): Promise<PromotionOutcome> {
    const request: PromotionRequest = { config: ready.config, source, target, ...seenTarget(this.deps.model, target) };
    return this.deps.runner.run(request, ready.workspaceDir);
  }

  private readyConfig(): ReadyConfig | undefined {
    return readyConfig(this.deps.model);
  }

  /** The palette's source: what the environment before the target holds, or a build for the first one. */
  private async defaultSource(config: PromotionConfig, target: EnvironmentConfig): Promise<PromotionSource | undefined> {
    const previous = previousEnvironment(config, target);
    if (previous) return { kind: 'environment', environment: previous };
    return this.pickBuild(config, target, await this.snapshot());
  }

  async pickBuild(config: PromotionConfig, target: EnvironmentConfig, snapshot: Snapshot | undefined): Promise<PromotionSource | undefined> {
    const builds = snapshot?.builds.state === 'ok' ? snapshot.builds.rows : [];
    const previous = previousEnvironment(config, target);
    const previousDigest = previous ? snapshot?.environments.find((r) => r.env.name === previous.name)?.lookup : undefined;
    const ready = (row: BuildRow): boolean => !previous || (previousDigest?.state === 'present' && previousDigest.digest === row.digest);
    const items: PickItem<PromotionSource>[] = builds
      .map((row) => ({
        label: row.tag,
        description: [shortDigest(row.digest), row.heldBy.length ? `in ${row.heldBy.join(', ')}` : ''].filter(Boolean).join(' · '),
        ...(previous && !ready(row) ? { detail: `not in ${previous.name}: the promotion-order gate will refuse it` } : {}),
        value: { kind: 'build' as const, tag: row.tag, digest: row.digest },
        picked: ready(row) && !!previous,
      }))
      .sort((a, b) => Number(b.picked) - Number(a.picked));
    if (!items.length) {
      void vscode.window.showInformationMessage(`No builds to promote: no tag of ${config.image} matches ${config.builds.tagPattern.source}.`);
      return undefined;
    }
    return this.deps.interaction().pick(items, { title: `Promote into ${target.name}: build`, placeholder: 'Build to promote (newest first)' });
  }

  private async snapshot(): Promise<Snapshot | undefined> {
    return currentSnapshot(this.deps.model);
  }
}

export function sourceFromNode(node: PromotionNode): PromotionSource | undefined {
  const picked = digestOf(node);
  if (!picked) return undefined;
  if (node.kind === 'environment') return { kind: 'environment', environment: node.row.env, digest: picked.digest };
  if (node.kind === 'build') return { kind: 'build', tag: node.row.tag, digest: picked.digest };
  return undefined;
}

function targetDescription(env: EnvironmentConfig, snapshot: Snapshot | undefined): string {
  const lookup = snapshot?.environments.find((r) => r.env.name === env.name)?.lookup;
  const holds = !lookup ? '' : lookup.state === 'present' ? shortDigest(lookup.digest) : lookup.state === 'absent' ? 'empty' : 'unknown';
  return [env.tag, holds, env.protected ? 'protected' : ''].filter(Boolean).join(' · ');
}
