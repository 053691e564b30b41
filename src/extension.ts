import type * as vscode from 'vscode';
import { createContainer, type ImagePromotionApi } from './vscode/container';
import type { BundleLoad } from './vscode/bundleLoad';

/** Called by the loader (src/extensionLoader.ts), which says how the bundle was loaded. */
export function activate(context: vscode.ExtensionContext, load?: BundleLoad): ImagePromotionApi {
  return createContainer(context, load);
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
