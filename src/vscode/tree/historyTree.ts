// The History view: per environment, every recorded attempt newest first; a row opens its details.
import * as vscode from 'vscode';
import { finishedAt, type HistoryRecord } from '../../history/record';
import { recordsFor } from '../../history/queries';
import type { PromotionModel } from '../../model/promotionModel';
import { historyHeadline } from '../../app/text/historyHeadline';
import { relativeTime } from './tooltips';

export type HistoryNode =
  | { readonly kind: 'environment'; readonly name: string; readonly records: readonly HistoryRecord[] }
  | { readonly kind: 'record'; readonly record: HistoryRecord }
  | { readonly kind: 'note'; readonly id: string; readonly label: string; readonly description?: string; readonly warning?: boolean };

export class HistoryTree implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly model: PromotionModel,
    private readonly historyFile: () => string | undefined,
  ) {
    this.subscription = model.onDidChange(() => this.changed.fire());
  }

  getChildren(node?: HistoryNode): HistoryNode[] {
    // While the config is broken, the history of the last valid one stays.
    const kept = this.model.lastGood;
    const state = kept?.config ?? this.model.config;
    const snapshot = kept?.snapshot ?? this.model.snapshot;
    const history = snapshot?.history;
    if (state.kind !== 'ready' || !snapshot) return [];
    if (node?.kind === 'environment') return node.records.map((record) => ({ kind: 'record', record }));
    if (node) return [];
    const notes: HistoryNode[] = [];
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
    if (!records.length) return [...notes, { kind: 'note', id: 'empty', label: 'No promotions recorded yet', description: this.historyFile() ?? '' }];
    return [
      ...notes,
      ...state.config.environments.map((env): HistoryNode => ({ kind: 'environment', name: env.name, records: recordsFor(records, env.name) })),
    ];
  }

  getTreeItem(node: HistoryNode): vscode.TreeItem {
    if (node.kind === 'environment') {
      const item = new vscode.TreeItem(node.name, node.records.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.id = `history:env:${node.name}`;
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
