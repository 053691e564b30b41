// The Builds view: tags matching the build pattern, newest first, with the environments holding each;
// in a multi-root workspace, under a group row per folder with a config.
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { shortDigest } from '../../core/reference';
import type { DetailsLookup } from './environmentsTree';
import { messageItem } from './messageItem';
import { folderItem, scopedId, topLevel, type TreeFolder, type TreeFolders } from './folderGroups';
import { contextValue, type BuildNode, type PromotionNode } from './nodes';
import { digestTooltip, relativeTime, repositoryLine } from './tooltips';
import { PacedChanges } from './pacedChanges';

export class BuildsTree implements vscode.TreeDataProvider<PromotionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Every change goes through here: VS Code draws changes that come close together late (pacedChanges.ts). */
  private readonly paced = new PacedChanges(() => this.changed.fire());
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly folders: TreeFolders,
    private readonly details: DetailsLookup,
  ) {
    this.subscription = folders.onDidChange(() => this.paced.request());
  }

  getChildren(node?: PromotionNode): PromotionNode[] {
    if (!node) return topLevel(this.folders, (f) => this.rowsOf(f));
    if (node.kind !== 'folder') return [];
    const folder = this.folders.get(node.folder);
    if (!folder) return [];
    const rows = this.rowsOf(folder);
    // Under its group row a broken config says so; alone, the view's welcome text does.
    if (!rows.length && folder.model.config.kind === 'invalid') {
      return [{ kind: 'message', id: 'builds-invalid', label: 'Fix the promotion config to list its builds', icon: 'error', folder: folder.key }];
    }
    return rows;
  }

  /** One folder's rows, each carrying its folder. */
  private rowsOf(folder: TreeFolder): PromotionNode[] {
    return this.buildRows(folder).map((n) => ({ ...n, folder: folder.key }));
  }

  private buildRows(folder: TreeFolder): PromotionNode[] {
    const state = folder.model.config;
    if (state.kind !== 'ready') return [];
    const snapshot = folder.model.shown;
    if (!snapshot) return [{ kind: 'message', id: 'loading', label: 'Listing builds…', icon: 'loading' }];
    const builds = snapshot.builds;
    const config = state.config;
    if (builds.state === 'error') {
      return [
        {
          kind: 'message',
          id: 'builds-error',
          label: 'Builds could not be listed',
          description: errorMessage(builds.error),
          tooltip: errorMessage(builds.error),
          icon: 'error',
          command: { command: 'imagePromotion.showLog', title: 'Show Log' },
        },
      ];
    }
    if (!builds.rows.length && builds.complete === false) return [{ kind: 'message', id: 'loading', label: 'Listing builds…', icon: 'loading' }];
    if (!builds.rows.length) {
      return [
        {
          kind: 'message',
          id: 'no-builds',
          label: 'No builds yet',
          description: `no tag of ${config.image} matches ${config.builds.tagPattern.source}`,
          icon: 'info',
        },
      ];
    }
    const nodes: PromotionNode[] = builds.rows.map((row): BuildNode => ({
      kind: 'build',
      row,
      repository: config.repository,
      ...(config.environments[0] ? { next: config.environments[0] } : {}),
    }));
    if (builds.complete === false) nodes.push({ kind: 'message', id: 'describing', label: "Reading the builds' details…", icon: 'loading' });
    if (snapshot.remembered || snapshot.buildsRemembered)
      nodes.unshift({ kind: 'message', id: 'refreshing', label: 'Refreshing…', description: 'as the last refresh left them', icon: 'loading' });
    if (builds.matching > builds.rows.length) {
      const unplaced = builds.matching - builds.scanned;
      const note = unplaced > 0 ? `; ${unplaced} not placed yet (their creation time is read a few per refresh)` : '';
      nodes.push({
        kind: 'message',
        id: 'more-builds',
        label: `${builds.matching - builds.rows.length} older builds not shown`,
        description: `builds.limit is ${config.builds.limit}${note}`,
        icon: 'info',
        tooltip: orderTooltip(builds.order),
      });
    }
    return nodes;
  }

  getTreeItem(node: PromotionNode): vscode.TreeItem {
    if (node.kind === 'folder') return folderItem(this.folders.get(node.folder), 'builds');
    const item = this.rowItem(node);
    item.id = scopedId(item.id, node.folder, this.folders);
    return item;
  }

  private rowItem(node: PromotionNode): vscode.TreeItem {
    if (node.kind === 'message') return messageItem(node);
    if (node.kind !== 'build') throw new Error('environments are not shown in the Builds view');
    const { row } = node;
    const item = new vscode.TreeItem(row.tag, vscode.TreeItemCollapsibleState.None);
    item.id = `build:${row.tag}`;
    const incomplete = !!row.missing?.length;
    // A release's build lists its images; one that some image lacks is incomplete and offers no promotion.
    const parts = row.components ? [incomplete ? `incomplete: no ${row.missing!.join(', ')}` : `${row.components.length} images`] : [shortDigest(row.digest)];
    if (row.heldBy.length) parts.push(`in ${row.heldBy.join(', ')}`);
    if (row.created && Number.isFinite(Date.parse(row.created))) parts.push(relativeTime(Date.parse(row.created)));
    item.description = parts.join(' · ');
    item.contextValue = incomplete ? 'build incomplete' : contextValue('build', true, node.next);
    item.iconPath = incomplete
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : row.heldBy.length
        ? new vscode.ThemeIcon('tag', new vscode.ThemeColor('charts.green'))
        : new vscode.ThemeIcon('tag');
    item.accessibilityInformation = { label: `build ${row.tag}, ${item.description}` };
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: PromotionNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'build') return item;
    const details = await this.details(node).catch(() => undefined);
    const held = node.row.heldBy.length ? `Held by: ${node.row.heldBy.join(', ')}` : 'Not in any environment yet';
    const images = (node.row.components ?? []).map((c) => `${c.name}: ${c.digest ?? `no tag ${node.row.tag} (an incomplete build: never promoted)`}`);
    item.tooltip = digestTooltip(`build ${node.row.tag}`, node.repository, node.row.digest, details, [
      repositoryLine(node.repository, node.row.tag),
      held,
      ...images,
    ]);
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.paced.dispose();
    this.changed.dispose();
  }
}

function orderTooltip(order: string | undefined): string {
  switch (order) {
    case 'git':
      return "Newest first by the commit time of each build's commit in this workspace's git history, else by its image creation time.";
    case 'semver':
      return 'Newest first by semantic version (the tags are versions).';
    case 'numerical':
      return 'Newest first by number (the tags are numbers).';
    case 'date':
      return 'Newest first by the date in the tag.';
    default:
      return 'Newest first by the image creation time.';
  }
}
