// The Environments view: one row per environment in promotion order, plus the engine they go through;
// in a multi-root workspace, under a group row per folder with a config.
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { environmentDescriptionParts, relationText, releaseText } from '../../app/statusText';
import { runningText, runtimeStateOf } from '../../app/text/runningText';
import type { ImageDetails } from '../../images/imageDetails';
import type { EnvironmentRow, Snapshot } from '../../model/snapshot';
import { contextValue, type EnvironmentNode, type MessageNode, type PromotionNode } from './nodes';
import { messageItem } from './messageItem';
import { folderItem, folderOf, scopedId, topLevel, type TreeFolder, type TreeFolders } from './folderGroups';
import { buildLabel, buildTagOf } from '../../app/text/buildLabel';
import { digestTooltip, escape, holdTooltipLine, repositoryLine } from './tooltips';
import { shortDigest } from '../../core/reference';
import type { Shipped } from '../../model/compare';
import { heldBy, type Held } from '../shippedLookup';
import { commitLine, shippedCommits, shippedSummary } from '../../app/text/shippedText';
import { WindowTimer } from '../../model/windowTimer';
import { environmentWindow } from '../../model/windows';
import { DrawnFrom, PacedChanges } from './pacedChanges';

/** How long VS Code's first ask for the rows may wait for them (the remembered ones are due within 300 ms of activation). */
const FIRST_ROWS_WAIT_MS = 300;

export type DetailsLookup = (node: PromotionNode) => Promise<ImageDetails | undefined>;
/** The commits promoting the environment before into this one would ship (for a *behind* row's tooltip). */
export type ShippedLookup = (folder: string | undefined, target: Held, source: Held) => Promise<Shipped>;

/** The digest's signed promotion chain into the environment (undefined: no promotionKeys). */
export interface SignedLookup {
  /** In words, for the tooltip (read when it opens). */
  line(folder: string | undefined, environment: string, digest: string): Promise<string | undefined>;
  /** A word for the row, as last known (undefined: not known yet); checked in the background when due. */
  word(folder: string | undefined, environment: string, digest: string): string | undefined;
  /** The rows are drawn from this snapshot (a new one: a refresh happened). */
  seen(snapshot: Snapshot): void;
}

export class EnvironmentsTree implements vscode.TreeDataProvider<PromotionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Every change goes through here: VS Code draws changes that come close together late (pacedChanges.ts). */
  private readonly paced = new PacedChanges(() => this.changed.fire());
  private readonly subscription: { dispose(): void };
  /** Redraws the rows when a release window opens or closes (their words change, the registry does not). */
  private readonly windowTimer: WindowTimer;
  /**
   * A window's first look: VS Code's first ask for the rows waits (at most FIRST_ROWS_WAIT_MS) until
   * they are known (the remembered ones are, some 40 ms after activation), so that they are drawn
   * without a change event; and a model change that leaves what the rows are drawn from as it was (a
   * refresh starting) is not said (drawnFrom). The fresh rows, a round trip later, are then the first
   * change event: drawn at once, not paced behind another.
   */
  private readonly firstRows: Promise<void>;
  private readonly firstRowsTimer: ReturnType<typeof setTimeout>;
  private readonly drawnFrom = new DrawnFrom();

  constructor(
    private readonly folders: TreeFolders,
    private readonly details: DetailsLookup,
    private readonly promoting: (folder: string | undefined, environment: string) => boolean,
    private readonly shipped?: ShippedLookup,
    private readonly signed?: SignedLookup,
    private readonly now: () => number = Date.now,
  ) {
    let known = (): void => undefined;
    this.firstRows = new Promise<void>((resolve) => (known = resolve));
    this.firstRowsTimer = setTimeout(known, FIRST_ROWS_WAIT_MS);
    this.subscription = folders.onDidChange(() => {
      if (this.rowsKnown()) known();
      if (this.drawnFrom.changed(this.drawnState())) this.paced.request();
    });
    this.windowTimer = new WindowTimer(() => this.paced.request(), now);
  }

  /** Redraws rows without a new lookup (e.g. a promotion started or ended). */
  redraw(): void {
    this.paced.request();
  }

  getChildren(node?: PromotionNode): PromotionNode[] | Promise<PromotionNode[]> {
    if (!node) return this.drawnFrom.everAsked || this.rowsKnown() ? this.topLevel() : this.firstRows.then(() => this.topLevel());
    if (node.kind === 'folder') {
      const folder = this.folders.get(node.folder);
      return folder ? this.rowsOf(folder) : [];
    }
    return [];
  }

  private topLevel(): PromotionNode[] {
    this.drawnFrom.asked(this.drawnState());
    this.windowTimer.schedule(this.folders.configured.flatMap((f) => (f.model.config.kind === 'ready' ? f.model.config.config.environments : [])));
    return topLevel(this.folders, (f) => this.rowsOf(f));
  }

  /** Every folder has rows to draw, or a state without any (no config, a broken one). */
  private rowsKnown(): boolean {
    return this.folders.configured.every((f) => {
      const kind = f.model.config.kind;
      return kind !== 'no-workspace' && (kind !== 'ready' || f.model.shown !== undefined);
    });
  }

  /** What the rows are drawn from, compared by identity: the folders, their configs and snapshots. */
  private drawnState(): readonly unknown[] {
    return [this.folders.grouped, ...this.folders.configured.flatMap((f) => [f.key, f.model.config, f.model.shown, f.model.lastGood?.snapshot])];
  }

  /** One folder's rows, each carrying its folder. */
  private rowsOf(folder: TreeFolder): PromotionNode[] {
    const model = folder.model;
    const state = model.config;
    const inFolder = { folder: folder.key };
    if (state.kind === 'no-workspace' || state.kind === 'no-config') return [];
    if (state.kind === 'invalid') {
      // The last good tree stays visible under the error row (marked as such), not a blank view.
      const kept = model.lastGood?.snapshot;
      return [
        // Its click opens this folder's config, not a folder picker.
        { ...configErrorsNode(state.file, state.diagnostics, [inFolder]), ...inFolder },
        ...(kept ? kept.environments.map((row): EnvironmentNode => ({ kind: 'environment', row, stale: true, builds: kept.builds, ...inFolder })) : []),
      ];
    }
    const snapshot = model.shown;
    if (!snapshot) return [{ kind: 'message', id: 'loading', label: 'Looking up digests…', icon: 'loading', ...inFolder }];
    this.signed?.seen(snapshot);
    return [
      ...snapshot.environments.map((row): EnvironmentNode => ({
        kind: 'environment',
        row,
        builds: snapshot.builds,
        ...(snapshot.remembered ? { refreshing: true } : {}),
        ...inFolder,
      })),
      ...engineNodes(snapshot).map((n) => ({ ...n, ...inFolder })),
    ];
  }

  getTreeItem(node: PromotionNode): vscode.TreeItem {
    if (node.kind === 'folder') return folderItem(this.folders.get(node.folder), 'environments');
    const item = node.kind === 'environment' ? this.environmentItem(node) : node.kind === 'message' ? messageItem(node) : undefined;
    if (!item) throw new Error('builds are not shown in the Environments view');
    item.id = scopedId(item.id, node.folder, this.folders);
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: PromotionNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'environment' || node.row.lookup.state !== 'present') return item;
    const { env } = node.row;
    const details = await this.details(node).catch(() => undefined);
    const drift = node.row.drift ? '**Changed outside promotion:** this is not what the history last saw here, nor what the environment before holds.' : '';
    const stale = node.stale ? '_As of the last valid config: fix the config to refresh._' : '';
    const tag = buildTagOf(node.builds, node.row.lookup.digest);
    const heading = `${env.name} (${env.tag}): ${buildLabel({ tag, revision: details?.revision }, node.row.lookup.digest)}`;
    const [ships, signed] = await Promise.all([
      this.shippedLines(node),
      node.stale ? undefined : this.signed?.line(node.folder, env.name, node.row.lookup.digest).catch(() => undefined),
    ]);
    const window = node.stale ? undefined : environmentWindow(env, this.now());
    item.tooltip = digestTooltip(
      heading,
      env.repository,
      node.row.lookup.digest,
      details,
      [
        stale,
        repositoryLine(env.repository, env.tag),
        relationText(node.row) ?? '',
        runningTooltip(node.row),
        signed ? escape(signed) : '',
        drift,
        node.row.hold?.state === 'held' ? holdTooltipLine(node.row.hold.hold, this.now()) : '',
        window ? `**Release window:** ${escape(window.reason)}` : '',
        ...ships,
      ].filter(Boolean),
    );
    return item;
  }

  private async shippedLines(node: EnvironmentNode): Promise<string[]> {
    const { row } = node;
    const folder = folderOf(this.folders, node.folder)?.model;
    const before = folder?.snapshot?.environments[row.index - 1];
    if (!this.shipped || node.stale || row.relation !== 'behind' || !before) return [];
    const config = folder?.config.kind === 'ready' ? folder.config.config : undefined;
    const [target, source] = [heldBy(config, row), heldBy(config, before)];
    if (!target || !source) return [];
    const shipped = await this.shipped(node.folder, target, source).catch((error: Error): Shipped => ({
      kind: 'note',
      note: 'failed',
      message: error.message,
    }));
    const { commits, more } = shippedCommits(shipped);
    return [
      `**Promoting ${escape(before.env.name)}:** ${escape(shippedSummary(shipped, row.env.name))}`,
      ...(commits.length
        ? [
            commits
              .slice(0, 10)
              .map((c) => `- ${escape(commitLine(c))}`)
              .join('\n') + (more + commits.length > 10 ? `\n- … ${more + commits.length - 10} more (Compare with Previous Environment)` : ''),
          ]
        : []),
    ];
  }

  dispose(): void {
    clearTimeout(this.firstRowsTimer);
    this.windowTimer.dispose();
    this.subscription.dispose();
    this.paced.dispose();
    this.changed.dispose();
  }

  private environmentItem(node: EnvironmentNode): vscode.TreeItem {
    const { row } = node;
    const { env, lookup } = row;
    const item = new vscode.TreeItem(env.name, vscode.TreeItemCollapsibleState.None);
    item.id = `environment:${env.name}${node.stale ? ':stale' : ''}`;
    // Lead with the build a person knows; the digest is in the tooltip.
    // A row of a broken config keeps its old words: its windows may no longer be the config's.
    const parts = environmentDescriptionParts(row, node.builds, node.stale ? undefined : this.now());
    const signed = !node.stale && lookup.state === 'present' ? this.signed?.word(node.folder, env.name, lookup.digest) : undefined;
    if (signed) parts.push(signed);
    const busy = this.promoting(node.folder, env.name);
    if (busy) parts.push('promoting…');
    if (node.stale) parts.push('as of the last valid config');
    if (node.refreshing) parts.push('refreshing…');
    item.description = parts.join(' · ');
    // A row of a broken config offers no commands: they would act on a config that no longer loads; nor
    // does a remembered row: they act on what the registry says now, which is on its way.
    item.contextValue =
      node.stale || node.refreshing
        ? 'environment stale'
        : `${contextValue('environment', lookup.state === 'present', row.next)}${row.hold?.state === 'held' ? ' held' : ''}${row.env.gates.some((g) => g.type === 'approval') ? ' approvals' : ''}`;
    item.iconPath = busy || node.refreshing ? new vscode.ThemeIcon('sync~spin') : environmentIcon(row);
    item.accessibilityInformation = { label: `${env.name}, ${item.description}` };
    if (lookup.state !== 'present') {
      item.tooltip =
        lookup.state === 'absent'
          ? `${env.name}: the tag ${env.tag} does not exist in ${env.image} yet. Nothing has been promoted into it.`
          : `${env.name}: ${errorMessage(lookup.error)}`;
    }
    if (row.components) item.tooltip = releaseTooltip(row);
    return item;
  }
}

/** Each image of the release and what its tag holds. */
function releaseTooltip(row: EnvironmentRow): string {
  const lines = (row.components ?? []).map(
    (c) =>
      `${c.name}: ${c.lookup.state === 'present' ? c.lookup.digest : c.lookup.state === 'absent' ? `no tag ${row.env.tag}` : errorMessage(c.lookup.error)}`,
  );
  return [`${row.env.name} (${row.env.tag}): ${releaseText(row)}`, ...lines].join('\n');
}

function environmentIcon(row: EnvironmentRow): vscode.ThemeIcon {
  if (row.hold?.state === 'held') return new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  if (row.release?.kind === 'mixed') return new vscode.ThemeIcon('split-horizontal', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  if (row.drift) return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  // The tag moved but the workload runs something else: its own icon and colour.
  const runtime = runtimeStateOf(row);
  if (runtime === 'not-redeployed' || runtime === 'not-running')
    return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('list.warningForeground'));
  switch (row.lookup.state) {
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    case 'absent':
      return new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('disabledForeground'));
    case 'present':
      if (row.relation === 'in-step') return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
      if (row.relation === 'behind') return new vscode.ThemeIcon('arrow-circle-up', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      if (row.relation === 'ahead') return new vscode.ThemeIcon('arrow-circle-down');
      if (row.relation === 'differs') return new vscode.ThemeIcon('diff');
      return new vscode.ThemeIcon('package');
  }
}

/** What runs, where it was read, and each instance: the row's words spelled out. */
function runningTooltip(row: EnvironmentRow): string {
  const running = row.running;
  if (!running) return '';
  if (running.state === 'unreachable') return `**What runs:** ${escape(running.where)} could not be read: ${escape(running.reason)}`;
  const words = runningText(row)?.text ?? '';
  const lines = running.instances.slice(0, 10).map((i) => `- ${escape(i.name)}: ${i.digests[0] ? shortDigest(i.digests[0]) : 'an image no registry names'}`);
  return [`**What runs:** ${escape(words)} (${escape(running.where)})`, ...lines].join('\n');
}

function engineNodes(snapshot: Snapshot): MessageNode[] {
  const engine = snapshot.engine;
  if (!engine) return [];
  if (engine.state === 'ok') {
    return [
      {
        kind: 'message',
        id: 'engine',
        label: 'Docker engine',
        description: engine.address,
        tooltip: `Promotions retag and push through the Docker engine at ${engine.address}.`,
        icon: 'engine',
      },
    ];
  }
  return [
    {
      kind: 'message',
      id: 'engine',
      label: 'Docker engine unreachable',
      description: engine.address,
      tooltip: `${errorMessage(engine.error)}\n\nPromotions need the engine. Set imagePromotion.dockerHost, DOCKER_HOST or a Docker context to use another one.`,
      icon: 'engine-error',
      command: { command: 'imagePromotion.showLog', title: 'Show Log' },
    },
  ];
}

function configErrorsNode(
  file: string,
  diagnostics: readonly { severity: string; message: string; range: { startLine: number } }[],
  args: unknown[],
): MessageNode {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  return {
    kind: 'message',
    id: 'config-errors',
    label: `Configuration has errors (${errors.length})`,
    ...(first ? { description: `line ${first.range.startLine + 1}: ${first.message}` } : {}),
    tooltip: `${file}\n\n${errors.map((d) => `line ${d.range.startLine + 1}: ${d.message}`).join('\n')}\n\nClick to open the file; the Problems panel lists every error.`,
    icon: 'error',
    command: { command: 'imagePromotion.openConfig', title: 'Open Promotion Config', arguments: args },
  };
}
