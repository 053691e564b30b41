// What the extension's loader does before the bundle loads: opens connections to the registries
// the window's remembered rows show (startup/earlyConnections.ts), under the settings a request
// would go by (the proxy, plain-http registries). Never fails activation: anything wrong is no
// early connections, and the bundle reports it as always.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { LAST_ROWS_FILE, targetsInFileNow } from '../model/lastRows';
import { proxyRules } from '../registry/transport/proxy';
import { earlyTargets, openEarlyConnections, type EarlyConnections } from '../startup/earlyConnections';
import { insecureRegistries, proxySetting } from './networkSettings';

/** IMGPROMO_EARLY_CONNECTIONS=off opens none (for measuring them). */
export function openWindowConnections(context: vscode.ExtensionContext): EarlyConnections | undefined {
  if (process.env['IMGPROMO_EARLY_CONNECTIONS'] === 'off') return undefined;
  try {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    if (!folders.length) return undefined;
    const lookups = targetsInFileNow(join(context.globalStorageUri.fsPath, LAST_ROWS_FILE), folders);
    const targets = lookups.length ? earlyTargets(lookups, insecureRegistries(), proxyRules(proxySetting())) : [];
    return targets.length ? openEarlyConnections(targets) : undefined;
  } catch {
    return undefined;
  }
}
