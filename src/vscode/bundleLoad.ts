import type { CodeCacheState } from '../startup/codeCache';
import type { EarlyConnections } from '../startup/earlyConnections';

/** How the loader (src/extensionLoader.ts) loaded the extension's bundle, for the start-up log. */
export interface BundleLoad {
  readonly codeCache: CodeCacheState;
  readonly loadMs: number;
  /** Where the code cache is kept (undefined: IMGPROMO_CODE_CACHE=off). */
  readonly cacheDir: string | undefined;
  /** Connections to the registries of the window's remembered rows, opened before the bundle loaded. */
  readonly earlyConnections?: EarlyConnections;
}

const CACHE_WORDS: Record<CodeCacheState, string> = {
  used: 'with its code cache',
  none: 'compiled (no code cache yet: saved shortly)',
  rejected: 'compiled (the code cache was made by another runtime: saved again shortly)',
  off: 'compiled (IMGPROMO_CODE_CACHE=off)',
};

export function bundleLoadLine(load: BundleLoad): string {
  return `start-up: the extension's bundle loaded in ${load.loadMs.toFixed(0)} ms, ${CACHE_WORDS[load.codeCache]}${load.cacheDir ? ` (${load.cacheDir})` : ''}${load.earlyConnections?.opened ? `; ${load.earlyConnections.opened} registry connection(s) opened before it` : ''}`;
}
