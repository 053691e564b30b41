// The extension bundle: its size, and how long Node takes to load (evaluate) it in a fresh process,
// with the `vscode` module answered by a stub (the host provides it; its own load is not ours).
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
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

export function bundleFigures(root: string, rounds = 7): { bytes: number; gzipBytes: number; loadMs: number } {
  const file = join(root, 'dist', 'extension.js');
  const bytes = statSync(file).size;
  const gzipBytes = gzipSync(readFileSync(file)).length;
  const runs: number[] = [];
  for (let i = 0; i < rounds; i++) runs.push(Number(execFileSync(process.execPath, ['-e', LOADER, file], { encoding: 'utf8' })));
  return { bytes, gzipBytes, loadMs: median(runs) };
}
