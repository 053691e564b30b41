// The History view: per environment, every recorded attempt newest first; a row opens its details.
// In a multi-root workspace, under a group row per folder with a config (each folder's own history file).
import * as vscode from 'vscode';
import { finishedAt, type HistoryRecord } from '../../history/record';
import { recordsFor } from '../../history/queries';
import { folderItem, scopedId, topLevel, type TreeFolder, type TreeFolders } from './folderGroups';
import { historyHeadline } from '../../app/text/historyHeadline';
import { relativeTime } from './tooltips';
import { PacedChanges } from './pacedChanges';

type HistoryRow = (
  | { readonly kind: 'environment'; readonly name: string; readonly records: readonly HistoryRecord[] }
  | { readonly kind: 'record'; readonly record: HistoryRecord }
  | { readonly kind: 'note'; readonly id: string; readonly label: string; readonly description?: string; readonly warning?: boolean }
) & { readonly folder?: string };

/** A row of the History view, or (multi-root) a folder's group row. */
export type HistoryNode = HistoryRow | { readonly kind: 'folder'; readonly folder: string };

export class HistoryTree implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Every change goes through here: VS Code draws changes that come close together late (pacedChanges.ts). */
  private readonly paced = new PacedChanges(() => this.changed.fire());
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly folders: TreeFolders,
    private readonly historyFile: (folder: string) => string | undefined,
  ) {
    this.subscription = folders.onDidChange(() => this.paced.request());
  }

  getChildren(node?: HistoryNode): HistoryNode[] {
    if (!node) return topLevel(this.folders, (f) => this.rowsOf(f));
    if (node.kind === 'environment') return node.records.map((record) => ({ kind: 'record', record, ...(node.folder ? { folder: node.folder } : {}) }));
    if (node.kind !== 'folder') return [];
    const folder = this.folders.get(node.folder);
    if (!folder) return [];
    const rows = this.rowsOf(folder);
    if (rows.length) return rows;
    const state = folder.model.config;
    const label = state.kind === 'invalid' ? 'Fix the promotion config to see its history' : 'Reading the history…';
    return [{ kind: 'note', id: 'unavailable', label, warning: state.kind === 'invalid', folder: folder.key }];
  }

  /** One folder's top rows, each carrying its folder. */
  private rowsOf(folder: TreeFolder): HistoryRow[] {
    return this.historyRows(folder).map((n) => ({ ...n, folder: folder.key }));
  }

  private historyRows(folder: TreeFolder): HistoryRow[] {
    // While the config is broken, the history of the last valid one stays.
    const kept = folder.model.lastGood;
    const state = kept?.config ?? folder.model.config;
    const snapshot = kept?.snapshot ?? folder.model.snapshot;
    const history = snapshot?.history;
    if (state.kind !== 'ready' || !snapshot) return [];
    const notes: HistoryRow[] = [];
    if (history?.problems.length) {
      notes.push({
        kind: 'note',
        id: 'problems',
        label: `${history.problems.length} line${history.problems.length === 1 ? '' : 's'} of the history could not be read`,
        description: `line ${history.problems[0]!.line}: ${history.problems[0]!.reason}`,
        warning: true,
      });
    }
    const records = history?.records ?? [];
    if (!records.length) return [...notes, { kind: 'note', id: 'empty', label: 'No promotions recorded yet', description: this.historyFile(folder.key) ?? '' }];
    return [...notes, ...state.config.environments.map((env): HistoryRow => ({ kind: 'environment', name: env.name, records: recordsFor(records, env.name) }))];
  }

  getTreeItem(node: HistoryNode): vscode.TreeItem {
    if (node.kind === 'folder') return folderItem(this.folders.get(node.folder), 'history');
    const item = this.rowItem(node);
    item.id = scopedId(item.id, node.folder, this.folders);
    return item;
  }

  private rowItem(node: HistoryRow): vscode.TreeItem {
    if (node.kind === 'environment') {
      const item = new vscode.TreeItem(node.name, node.records.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      // VS Code keeps a row's first collapse state by id: a row first drawn with no attempts (a leaf)
      // stayed collapsed when its first attempt came. Another id then is another row, drawn expanded.
      item.id = node.records.length ? `history:env:${node.name}` : `history:env:${node.name}:none`;
      item.description = node.records.length ? `${node.records.length} attempt${node.records.length === 1 ? '' : 's'}` : 'no attempts';
      item.contextValue = 'historyEnvironment';
      item.iconPath = new vscode.ThemeIcon('layers');
      item.accessibilityInformation = { label: `History of ${node.name}, ${item.description}` };
      return item;
    }
    if (node.kind === 'note') {
      const item = new vscode.TreeItem(node.label);
      item.id = `history:note:${node.id}`;
      if (node.description) item.description = node.description;
      item.iconPath = new vscode.ThemeIcon(node.warning ? 'warning' : 'info');
      item.accessibilityInformation = { label: `${node.warning ? 'Warning: ' : ''}${node.label}${node.description ? `, ${node.description}` : ''}` };
      return item;
    }
    const r = node.record;
    const item = new vscode.TreeItem(historyHeadline(r));
    item.id = `history:record:${r.id}`;
    const who = r.who.name ?? r.who.user;
    item.description = [relativeTime(finishedAt(r)), who, r.transport, r.override ? 'gates overridden' : ''].filter(Boolean).join(' · ');
    item.tooltip = `${r.message}\n\n${r.digest ?? ''}\n${new Date(finishedAt(r)).toISOString()} by ${who}${r.who.email ? ` <${r.who.email}>` : ''}`;
    item.accessibilityInformation = { label: `${historyHeadline(r)}, ${item.description}` };
    item.iconPath = outcomeIcon(r);
    item.contextValue = 'historyRecord';
    item.command = { command: 'imagePromotion.showHistoryEntry', title: 'Show Details', arguments: [r] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.paced.dispose();
    this.changed.dispose();
  }
}

function outcomeIcon(r: HistoryRecord): vscode.ThemeIcon {
  switch (r.outcome) {
    case 'succeeded':
      return new vscode.ThemeIcon(r.kind === 'rollback' ? 'discard' : 'pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'blocked':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    case 'cancelled':
      return new vscode.ThemeIcon('circle-large-outline');
    case 'started':
    case 'interrupted':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  }
}
