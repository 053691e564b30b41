// The extension's entry (dist/extension.js): loads the extension's bundle (dist/extension-main.js)
// with V8's code cache, kept in the extension's global storage, so that a window's start neither
// parses the bundle again nor compiles what its first refresh runs (src/startup/codeCache.ts).
// IMGPROMO_CODE_CACHE=off loads it plainly. Before that it opens the connections the window's first
// lookups will take (src/vscode/earlyStart.ts).
import type * as vscode from 'vscode';
import { join } from 'node:path';
import { loadWithCodeCache, type CachedBundle } from './startup/codeCache';
import { openWindowConnections } from './vscode/earlyStart';

type Main = typeof import('./extension');

/** The cache is written this long after activation: a new window's first refresh has run by then. */
const SAVE_AFTER_MS = 5_000;

let bundle: CachedBundle<Main> | undefined;

export function activate(context: vscode.ExtensionContext): ReturnType<Main['activate']> | Promise<ReturnType<Main['activate']>> {
  const earlyConnections = openWindowConnections(context);
  const start = (): ReturnType<Main['activate']> => {
    const cacheDir = process.env['IMGPROMO_CODE_CACHE'] === 'off' ? undefined : join(context.globalStorageUri.fsPath, 'code-cache');
    bundle = loadWithCodeCache<Main>(join(__dirname, 'extension-main.js'), cacheDir, module);
    const loaded = bundle;
    const api = loaded.exports.activate(context, {
      codeCache: loaded.state,
      loadMs: loaded.loadMs,
      cacheDir,
      ...(earlyConnections ? { earlyConnections } : {}),
    });
    const timer = setTimeout(() => loaded.save(), SAVE_AFTER_MS);
    context.subscriptions.push({ dispose: () => clearTimeout(timer) }, { dispose: () => earlyConnections?.close() });
    return api;
  };
  // A socket to an IP address starts connecting on the next tick (node:net): let it, before this
  // thread spends tens of milliseconds loading the bundle. Only ticks run first, nothing else's I/O.
  return earlyConnections ? new Promise<void>((resolve) => process.nextTick(resolve)).then(start) : start();
}

export function deactivate(): void {
  bundle?.exports.deactivate();
}
