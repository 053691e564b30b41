import * as vscode from 'vscode';
import type { MessageNode } from './nodes';

/** A row that says something instead of showing a digest: loading, an error, a hint. */
export function messageItem(node: MessageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  item.id = `message:${node.id}`;
  item.contextValue = `message ${node.id}`;
  if (node.description) item.description = node.description;
  if (node.tooltip) item.tooltip = node.tooltip;
  if (node.command) item.command = { command: node.command.command, title: node.command.title, arguments: node.command.arguments ?? [] };
  item.iconPath = icon(node.icon);
  // The icon's colour says error or warning; a screen reader hears the word.
  const kind =
    node.icon === 'error' || node.icon === 'engine-error' ? 'Error: ' : node.icon === 'warning' ? 'Warning: ' : node.icon === 'loading' ? 'Loading: ' : '';
  item.accessibilityInformation = { label: `${kind}${node.label}${node.description ? `, ${node.description}` : ''}` };
  return item;
}

function icon(kind: MessageNode['icon']): vscode.ThemeIcon {
  switch (kind) {
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    case 'warning':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    case 'loading':
      return new vscode.ThemeIcon('loading~spin');
    case 'engine':
      return new vscode.ThemeIcon('server-environment');
    case 'engine-error':
      return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    case 'info':
      return new vscode.ThemeIcon('info');
  }
}
