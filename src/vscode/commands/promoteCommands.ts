// "Promote to Staging", "Promote to Production", "Promote…" and the tree's "Promote to Next
// Environment…": pick what and where, then run the core promotion inside a cancellable progress.
import * as vscode from 'vscode';
import type { EnvironmentConfig, PromotionConfig } from '../../config/types';
import { shortDigest, type Repository } from '../../core/reference';
import { firstArrivals } from '../../history/queries';
import type { ImageDetails } from '../../images/imageDetails';
import type { PromotionModel } from '../../model/promotionModel';
import { ageLookup, compareAge } from '../../model/relations';
import type { BuildRow, Snapshot } from '../../model/snapshot';
import { defaultTarget, findEnvironment, previousEnvironment } from '../../promotion/plan';
import type { PromotionOutcome, PromotionRequest, PromotionSource } from '../../promotion/promote';
import type { PickItem, UserInteraction } from '../interaction';
import type { PromotionRunner } from '../promotionRunner';
import { digestOf, type PromotionNode } from '../tree/nodes';
import { buildLabel, buildTagOf, type BuildIdentity } from '../../app/text/buildLabel';
import { currentSnapshot, readyConfig, seenTarget, type ReadyConfig } from './commandContext';
import { aliasKey, likelyEnvironment, type NamedRole } from './environmentAliases';

/** Workspace memory (vscode.Memento's shape). */
export interface Memory {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export interface PromoteCommandDeps {
  readonly model: PromotionModel;
  readonly runner: PromotionRunner;
  readonly interaction: () => UserInteraction;
  /** Remembers which environment "staging"/"production" means in a workspace that names them otherwise. */
  readonly memory?: Memory;
  /** Revision and title of a digest, for the history and the confirmation. */
  readonly describe?: (repo: Repository, digest: string) => Promise<ImageDetails>;
}

export class PromoteCommands {
  constructor(private readonly deps: PromoteCommandDeps) {}

  /** Palette "Promote to Staging/Production", or a row's menu entry for that environment. */
  async promoteTo(role: NamedRole, node?: PromotionNode): Promise<PromotionOutcome | undefined> {
    const ready = this.readyConfig();
    if (!ready) return undefined;
    const target = await this.namedTarget(ready.config, role);
    if (!target) return undefined;
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
      targets
        .map((env) => ({ label: env.name, description: targetDescription(env, snapshot), value: env, picked: env.name === suggested?.name }))
        .sort((a, b) => Number(b.picked ?? false) - Number(a.picked ?? false)),
      {
        title: fromRow ? `Promote ${buildLabel({ tag: buildTagOf(snapshot?.builds, fromRow.digest) }, fromRow.digest)}` : 'Promote: target environment',
        placeholder: 'Environment to promote into',
      },
    );
    if (!target) return undefined;
    const source = fromRow ?? (await this.pickBuild(ready.config, target, snapshot));
    if (!source) return undefined;
    return this.run(ready, source, target);
  }

  /**
   * The environment a role names: by name; else the one this workspace chose before; else the person
   * picks (the likely one first and preselected) and the answer is remembered.
   */
  private async namedTarget(config: PromotionConfig, role: NamedRole): Promise<EnvironmentConfig | undefined> {
    const named = findEnvironment(config, role);
    if (named) return named;
    const remembered = this.deps.memory?.get<string>(aliasKey(role));
    const known = remembered ? config.environments.find((e) => e.name === remembered) : undefined;
    if (known) return known;
    const likely = likelyEnvironment(config, role);
    const items = config.environments
      .map((env) => ({ label: env.name, description: env.tag, value: env, picked: env.name === likely?.name }))
      .sort((a, b) => Number(b.picked) - Number(a.picked));
    const chosen = await this.deps.interaction().pick(items, {
      title: `Promote to ${role === 'staging' ? 'Staging' : 'Production'}: which environment is ${role}?`,
      placeholder: `No environment is named "${role}"; the answer is remembered for this workspace`,
    });
    if (chosen) await this.deps.memory?.update(aliasKey(role), chosen.name);
    return chosen;
  }

  private async run(ready: ReadyConfig, source: PromotionSource, target: EnvironmentConfig): Promise<PromotionOutcome | undefined> {
    const snapshot = this.deps.model.snapshot;
    const digest = source.digest ?? (source.kind === 'environment' ? presentDigest(snapshot, source.environment.name) : undefined);
    const held = presentDigest(snapshot, target.name);
    const build = digest ? await this.buildOf(source, digest, snapshot) : undefined;
    const ui = this.deps.interaction();
    if (digest && held === digest) {
      ui.inform(`${target.name} already holds ${buildLabel(build, digest)} (${shortDigest(digest)}): nothing to promote.`);
      return undefined;
    }
    if (digest && held && snapshot) {
      const ageOf = ageLookup(snapshot.builds.state === 'ok' ? snapshot.builds.rows : [], firstArrivals(snapshot.history?.records ?? []));
      if ((compareAge(ageOf(digest), ageOf(held)) ?? 0) < 0) {
        const heldLabel = buildLabel({ tag: buildTagOf(snapshot.builds, held) }, held);
        const proceed = await ui.warn(
          `${buildLabel(build, digest)} is older than the build ${target.name} holds (${heldLabel}).`,
          `Promoting it moves ${target.name} back to an older build. To undo a bad release, Roll Back… says what ${target.name} held before.`,
          'Promote Older Build',
        );
        if (!proceed) return undefined;
      }
    }
    const request: PromotionRequest = { config: ready.config, source, target, ...seenTarget(this.deps.model, target), ...(build ? { build } : {}) };
    return this.deps.runner.run(request, ready.workspaceDir);
  }

  /** The build tag (from the builds list) and the image's revision, when known. */
  private async buildOf(source: PromotionSource, digest: string, snapshot: Snapshot | undefined): Promise<BuildIdentity | undefined> {
    const tag = source.kind === 'build' ? source.tag : buildTagOf(snapshot?.builds, digest);
    const repo = source.kind === 'environment' ? source.environment.repository : source.kind === 'digest' ? source.repository : this.readyRepository();
    const details = repo ? await this.deps.describe?.(repo, digest).catch(() => undefined) : undefined;
    const build: BuildIdentity = { ...(tag ? { tag } : {}), ...(details?.revision ? { revision: details.revision } : {}) };
    return build.tag || build.revision ? build : undefined;
  }

  private readyRepository(): Repository | undefined {
    const state = this.deps.model.config;
    return state.kind === 'ready' ? state.config.repository : undefined;
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
    const previousRelease = previous ? snapshot?.environments.find((r) => r.env.name === previous.name)?.release : undefined;
    const ready = (row: BuildRow): boolean =>
      !previous ||
      (row.components
        ? previousRelease?.kind === 'release' && previousRelease.build === row.tag
        : previousDigest?.state === 'present' && previousDigest.digest === row.digest);
    const items: PickItem<PromotionSource>[] = builds
      // An incomplete build of a release (an image lacks the tag) is listed in the Builds view, never offered.
      .filter((row) => !row.missing?.length)
      .map((row) => ({
        label: row.tag,
        description: [row.heldBy.length ? `in ${row.heldBy.join(', ')}` : '', shortDigest(row.digest)].filter(Boolean).join(' · '),
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

function presentDigest(snapshot: Snapshot | undefined, environment: string): string | undefined {
  const lookup = snapshot?.environments.find((r) => r.env.name === environment)?.lookup;
  return lookup?.state === 'present' ? lookup.digest : undefined;
}

function targetDescription(env: EnvironmentConfig, snapshot: Snapshot | undefined): string {
  const lookup = snapshot?.environments.find((r) => r.env.name === env.name)?.lookup;
  const holds = !lookup
    ? ''
    : lookup.state === 'present'
      ? `holds ${buildLabel({ tag: buildTagOf(snapshot?.builds, lookup.digest) }, lookup.digest)}`
      : lookup.state === 'absent'
        ? 'empty'
        : 'unknown';
  return [env.tag, holds, env.protected ? 'protected' : ''].filter(Boolean).join(' · ');
}
