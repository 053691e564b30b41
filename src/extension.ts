import type * as vscode from 'vscode';
import { createContainer, type ImagePromotionApi } from './vscode/container';

export function activate(context: vscode.ExtensionContext): ImagePromotionApi {
  return createContainer(context);
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
