// Bundles the extension into dist/extension.js. Type checking is its own step (`npm run typecheck`).
import * as esbuild from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';

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
const options = {
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

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
// The JSON Schema is bundled for validation and shipped as a file for `contributes.yamlValidation`.
await copyFile('src/config/promotion.schema.json', 'dist/promotion.schema.json');

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`dist/extension.js ${(bytes / 1024).toFixed(0)} KiB${production ? ' (minified)' : ''}`);
}
