import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Filled in by the composition root.
}

export function deactivate(): void {
  // Disposables are owned by the context.
}
