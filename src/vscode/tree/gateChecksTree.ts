// The Gate Checks view: the last "Check Gates…" run, one row per gate with its reason; a gate's
// details (a command's last output, a response excerpt) below it.
import * as vscode from 'vscode';
import { shortDigest } from '../../core/reference';
import type { GateResult } from '../../gates/gate';
import type { GateCheck, PendingApproval } from '../../promotion/checkGates';
import { relativeTime } from './tooltips';

type Node =
  | { kind: 'summary'; check: GateCheck }
  | { kind: 'gate'; gate: GateResult; index: number }
  | { kind: 'approval'; approval: PendingApproval; index: number }
  | { kind: 'detail'; text: string; id: string };

export class GateChecksTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private last: GateCheck | undefined;

  get check(): GateCheck | undefined {
    return this.last;
  }

  show(check: GateCheck): void {
    this.last = check;
    this.changed.fire();
  }

  getChildren(node?: Node): Node[] {
    if (!this.last) return [];
    if (!node) {
      const approvals = this.last.problem ? [] : this.last.approvals.map((approval, index): Node => ({ kind: 'approval', approval, index }));
      return [{ kind: 'summary', check: this.last }, ...this.last.gates.map((gate, index): Node => ({ kind: 'gate', gate, index })), ...approvals];
    }
    if (node.kind === 'gate') return (node.gate.details ?? []).map((text, i) => ({ kind: 'detail', text, id: `${node.index}:${i}` }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'summary') {
      const c = node.check;
      const item = new vscode.TreeItem(`${c.sourceLabel} → ${c.target}`);
      item.id = 'check:summary';
      const verdict = checkVerdict(c);
      item.description = [c.digest ? shortDigest(c.digest) : '', verdict, `checked ${relativeTime(c.checkedAt)} in ${(c.durationMs / 1000).toFixed(1)} s`]
        .filter(Boolean)
        .join(' · ');
      item.tooltip = `${c.sourceLabel} → ${c.target}\n${c.digest ?? ''}\n${verdict}${c.transport ? `\ntransport: ${c.transport}` : ''}\nNothing was promoted.`;
      item.iconPath = !c.passed
        ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
        : c.approvals.length
          ? new vscode.ThemeIcon('person', new vscode.ThemeColor('problemsWarningIcon.foreground'))
          : new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
      item.accessibilityInformation = { label: `Gate check ${c.sourceLabel} to ${c.target}: ${verdict}` };
      return item;
    }
    if (node.kind === 'gate') {
      const g = node.gate;
      const item = new vscode.TreeItem(g.name, g.details?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `check:gate:${node.index}`;
      item.description = `${g.reason}${g.durationMs >= 100 ? ` · ${(g.durationMs / 1000).toFixed(1)} s` : ''}`;
      item.tooltip = new vscode.MarkdownString().appendText(
        `${g.name} (${g.type}): ${g.status}\n\n${g.reason}${g.details?.length ? `\n\n${g.details.join('\n')}` : ''}`,
      );
      item.iconPath =
        g.status === 'passed'
          ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
          : g.status === 'failed'
            ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
            : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.accessibilityInformation = { label: `${g.name}: ${g.status}: ${g.reason}` };
      return item;
    }
    if (node.kind === 'approval') {
      const item = new vscode.TreeItem(node.approval.name);
      item.id = `check:approval:${node.index}`;
      item.description = node.approval.reason;
      item.iconPath = new vscode.ThemeIcon('person', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.accessibilityInformation = { label: `${node.approval.name}: not passed: ${node.approval.reason}` };
      return item;
    }
    const item = new vscode.TreeItem(node.text);
    item.id = `check:detail:${node.id}`;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The summary line: an approval still to give is never "all gates pass". */
export function checkVerdict(c: GateCheck): string {
  if (c.problem) return c.problem;
  const approvals = c.approvals.length
    ? `; ${c.approvals.length === 1 ? c.approvals[0]!.name : `${c.approvals.length} approvals`} ${c.approvals[0]!.reason}`
    : '';
  if (c.passed) return `${c.approvals.length ? 'automated gates pass' : 'all gates pass'}${approvals}`;
  return `${c.gates.filter((g) => g.status !== 'passed').length} of ${c.gates.length} gates do not pass${approvals}`;
}
