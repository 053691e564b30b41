// The bundles: their size (and gzipped, as a download or the .vsix carries them), and how long Node
// takes to load (evaluate) the extension's in a fresh process, with the `vscode` module answered by a
// stub (the host provides it; its own load is not ours): compiled from source, as a first window does,
// and with the code cache a window saves for the next (src/startup/codeCache.ts; the bench's cache
// holds the top level only, a window's also what its start ran). `node esbuild.mjs --analyze` says
// where the bytes go.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { median } from './stats';
import { makeTempDir } from '../harness/tempdirs';

const LOADER = `
const Module = require('node:module');
const load = Module._load;
const stub = new Proxy(function () {}, { get: (_t, k) => (k === '__esModule' ? false : stub), apply: () => stub, construct: () => stub });
Module._load = function (request, ...rest) { return request === 'vscode' ? stub : load.call(this, request, ...rest); };
const { loadWithCodeCache } = require(process.argv[1]);
const bundle = loadWithCodeCache(process.argv[2], process.argv[3] || undefined, module);
bundle.save();
process.stdout.write(JSON.stringify({ ms: bundle.loadMs, state: bundle.state }));
`;

export interface BundleFigures {
  /** dist/extension-main.js (dist/extension.js is its loader, a few KiB) */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Median load time of dist/extension-main.js, each in a fresh process: a plain require, and with the code cache. */
  readonly loadMs: number;
  readonly loadRuns: readonly number[];
  readonly cachedLoadMs: number;
  readonly cachedLoadRuns: readonly number[];
  /** dist/cli-main.js (dist/cli.js is its loader) */
  readonly cliBytes: number;
  readonly cliGzipBytes: number;
}

export function bundleFigures(root: string, rounds = 7): BundleFigures {
  const size = (name: string): { bytes: number; gzipBytes: number } => {
    const file = join(root, 'dist', name);
    return { bytes: statSync(file).size, gzipBytes: gzipSync(readFileSync(file)).length };
  };
  const extension = size('extension-main.js');
  const cli = size('cli-main.js');
  const file = join(root, 'dist', 'extension-main.js');
  const codeCache = join(root, 'out', 'src', 'startup', 'codeCache.js');
  const cacheDir = join(makeTempDir('bench-code-cache'), 'cache');
  const loadOnce = (dir: string): { ms: number; state: string } =>
    JSON.parse(execFileSync(process.execPath, ['-e', LOADER, codeCache, file, dir], { encoding: 'utf8' })) as { ms: number; state: string };
  const plain: number[] = [];
  const cached: number[] = [];
  loadOnce(cacheDir); // saves the cache
  for (let i = 0; i < rounds; i++) {
    plain.push(loadOnce('').ms);
    const withCache = loadOnce(cacheDir);
    if (withCache.state !== 'used') throw new Error(`the code cache was ${withCache.state}, not used`);
    cached.push(withCache.ms);
  }
  return {
    ...extension,
    loadMs: median(plain),
    loadRuns: plain,
    cachedLoadMs: median(cached),
    cachedLoadRuns: cached,
    cliBytes: cli.bytes,
    cliGzipBytes: cli.gzipBytes,
  };
}
