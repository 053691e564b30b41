// Loads a CommonJS bundle with V8's code cache: the bundle's compiled code, saved after one session
// has run its start (its first refresh included), so that the next session neither parses the bundle
// again nor compiles the functions its start runs (what Node's `module.enableCompileCache()` does from
// Node 22; VS Code's extension host and the CLI run on Node 20). Node built-ins only: the loaders are
// tiny bundles of their own.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** What happened to the cache when the bundle loaded. */
export type CodeCacheState = 'used' | 'none' | 'rejected' | 'off';

export interface CachedBundle<T> {
  readonly exports: T;
  readonly state: CodeCacheState;
  /** Loading, compiling and running the bundle's top level, ms. */
  readonly loadMs: number;
  /**
   * Writes the code cache once, with every function compiled by now, when none was used (missing,
   * rejected by this V8): later loads use it. Never throws (a cache is an optimization).
   */
  save(): void;
}

interface NodeModuleInternals {
  _nodeModulePaths(from: string): string[];
  wrap(source: string): string;
}

/**
 * Loads `file` as `require(file)` would, with the code cache kept in `cacheDir` (undefined: no cache,
 * a plain require). The cache file is named by the hash of the bundle's bytes and of this runtime, so
 * a new build or Node never reads another's cache (V8 itself checks the source's length only, and
 * rejects a cache made under other V8 flags).
 */
export function loadWithCodeCache<T>(file: string, cacheDir: string | undefined, parent: NodeModule | undefined): CachedBundle<T> {
  const began = performance.now();
  if (!cacheDir) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the plain load, as Node does it
    const exports = require(file) as T;
    return { exports, state: 'off', loadMs: performance.now() - began, save: () => undefined };
  }
  const source = readFileSync(file, 'utf8');
  const prefix = `${basename(file, '.js')}-`;
  const key = createHash('sha256').update(source).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32);
  const cacheFile = join(cacheDir, `${prefix}${key}.v8cache`);
  const cachedData = readOptional(cacheFile);
  const script = new Script((Module as unknown as NodeModuleInternals).wrap(source), { filename: file, cachedData });
  const state: CodeCacheState = !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';

  const mod = new Module(file, parent);
  mod.filename = file;
  mod.paths = (Module as unknown as NodeModuleInternals)._nodeModulePaths(dirname(file));
  // The bundle's `require` is its module's, so a host that answers `require('vscode')` by the caller's file (VS Code) sees the bundle.
  const requireFromBundle = Object.assign((id: string) => mod.require(id), {
    resolve: (request: string) => (Module as unknown as { _resolveFilename(r: string, p: NodeModule): string })._resolveFilename(request, mod),
    cache: require.cache,
    // As Node gives every module: the process's main module (never the bundle, so a bundle's own `require.main === module` is false).
    main: require.main,
  });
  const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, requireFromBundle, mod, file, dirname(file));
  mod.loaded = true;
  const loadMs = performance.now() - began;

  let saved = state === 'used';
  return {
    exports: mod.exports as T,
    state,
    loadMs,
    save() {
      if (saved) return;
      saved = true;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
        renameSync(temp, cacheFile);
        // Other builds' caches (an update, another Node) are dead weight.
        for (const other of readdirSync(cacheDir))
          if (other.startsWith(prefix) && join(cacheDir, other) !== cacheFile) rmSync(join(cacheDir, other), { force: true });
      } catch {
        // a read-only or full disk: the next load compiles, as without a cache
      }
    },
  };
}

function readOptional(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
