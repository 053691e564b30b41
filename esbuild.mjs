// Bundles the extension into dist/extension.js and the command-line front end into dist/cli.js.
// Type checking is its own step (`npm run typecheck`).
import * as esbuild from 'esbuild';
import { chmod, copyFile, mkdir, readFile, rm } from 'node:fs/promises';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * dockerode requires its BuildKit session module (gRPC + protobuf, ~380 KiB minified) at load time,
 * but only `docker build` with BuildKit uses it; promotion never builds. Swap it for a stub.
 * @type {import('esbuild').Plugin}
 */
const noBuildKitSession = {
  name: 'no-buildkit-session',
  setup(build) {
    build.onResolve({ filter: /^\.\/session$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: 'dockerode-session-stub', namespace: 'stub' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'module.exports = function withSession() { throw new Error("BuildKit sessions are not part of this bundle"); };',
      loader: 'js',
    }));
  },
};

/** @type {import('esbuild').BuildOptions} */
const extension = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/extension.js',
  // ssh2 (under dockerode) loads its optional native add-ons inside try/catch and falls back to JS.
  external: ['vscode', 'cpu-features', '*.node'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  metafile: true,
  plugins: [noBuildKitSession],
  logLevel: 'warning',
};

/**
 * The CLI must run where VS Code is not: `vscode` is not external here, so an import of it anywhere on
 * the CLI's path fails the build (it cannot be resolved), and the check below names the culprit.
 * @type {import('esbuild').BuildOptions}
 */
const cli = {
  ...extension,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
  external: ['cpu-features', '*.node'],
  banner: { js: '#!/usr/bin/env node' },
  define: { IMAGE_PROMOTION_VERSION: JSON.stringify(JSON.parse(await readFile('package.json', 'utf8')).version) },
};

/** Fails when a file of the CLI's bundle is the VS Code layer or imports `vscode`. */
function assertNoVscode(metafile) {
  const offenders = Object.entries(metafile.inputs)
    .filter(([file, input]) => file.startsWith('src/vscode/') || file === 'src/extension.ts' || input.imports.some((i) => i.path === 'vscode'))
    .map(([file]) => file);
  if (offenders.length) throw new Error(`dist/cli.js must not depend on VS Code, but it bundles ${offenders.join(', ')}`);
}

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
// The JSON Schema is bundled for validation and shipped as a file for `contributes.yamlValidation`.
await copyFile('src/config/promotion.schema.json', 'dist/promotion.schema.json');

if (watch) {
  const contexts = await Promise.all([esbuild.context(extension), esbuild.context(cli)]);
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  const [ext, cliResult] = await Promise.all([esbuild.build(extension), esbuild.build(cli)]);
  assertNoVscode(cliResult.metafile);
  await chmod('dist/cli.js', 0o755);
  for (const [file, result] of [
    ['dist/extension.js', ext],
    ['dist/cli.js', cliResult],
  ]) {
    const bytes = Object.entries(result.metafile.outputs)
      .filter(([name]) => name.endsWith('.js'))
      .reduce((n, [, o]) => n + o.bytes, 0);
    console.log(`${file} ${(bytes / 1024).toFixed(0)} KiB${production ? ' (minified)' : ''}`);
  }
}
