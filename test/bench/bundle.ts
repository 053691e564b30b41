// The bundles: their size (and gzipped, as a download or the .vsix carries them), and how long Node
// takes to load (evaluate) the extension's in a fresh process, with the `vscode` module answered by a
// stub (the host provides it; its own load is not ours). `node esbuild.mjs --analyze` says where
// the bytes go.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { median } from './stats';

const LOADER = `
const Module = require('node:module');
const load = Module._load;
const stub = new Proxy(function () {}, { get: (_t, k) => (k === '__esModule' ? false : stub), apply: () => stub, construct: () => stub });
Module._load = function (request, ...rest) { return request === 'vscode' ? stub : load.call(this, request, ...rest); };
const t = process.hrtime.bigint();
require(process.argv[1]);
process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));
`;

export interface BundleFigures {
  /** dist/extension.js */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Median `require` time of dist/extension.js, each in a fresh process. */
  readonly loadMs: number;
  readonly loadRuns: readonly number[];
  /** dist/cli.js */
  readonly cliBytes: number;
  readonly cliGzipBytes: number;
}

export function bundleFigures(root: string, rounds = 7): BundleFigures {
  const size = (name: string): { bytes: number; gzipBytes: number } => {
    const file = join(root, 'dist', name);
    return { bytes: statSync(file).size, gzipBytes: gzipSync(readFileSync(file)).length };
  };
  const extension = size('extension.js');
  const cli = size('cli.js');
  const file = join(root, 'dist', 'extension.js');
  const runs: number[] = [];
  for (let i = 0; i < rounds; i++) runs.push(Number(execFileSync(process.execPath, ['-e', LOADER, file], { encoding: 'utf8' })));
  return { ...extension, loadMs: median(runs), loadRuns: runs, cliBytes: cli.bytes, cliGzipBytes: cli.gzipBytes };
}
