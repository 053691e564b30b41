// Bundles the extension into dist/extension-main.js and the command line into dist/cli-main.js, each
// loaded by a small loader with V8's code cache (dist/extension.js, dist/cli.js).
// Type checking is its own step (`npm run typecheck`). `--analyze` prints where each bundle's bytes go.
//
// Start-up is most of what a person waits for (docs/benchmarks.md, "Single figures"), so the bundles
// carry and run at load only what the first lookup needs: the config's validator is generated here
// instead of compiled at load, and the parts of dependencies promotion never or rarely uses are left
// out or evaluated on first use (the plugins below).
import * as esbuild from 'esbuild';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const analyze = process.argv.includes('--analyze');
const require = createRequire(import.meta.url);

/** Replaces a dependency's module (resolved from `importer`, a folder pattern) by `contents`. */
function replaceModule(name, request, importer, contents) {
  return {
    name,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`) }, (args) =>
        importer.test(args.resolveDir) ? { path: name, namespace: 'replaced', pluginData: { resolveDir: args.resolveDir } } : undefined,
      );
      build.onLoad({ filter: new RegExp(`^${name}$`), namespace: 'replaced' }, (args) => ({
        contents,
        resolveDir: args.pluginData.resolveDir,
        loader: 'js',
      }));
    },
  };
}

const dockerodeLib = /[\\/]dockerode[\\/]lib$/;
/**
 * dockerode requires its BuildKit session module (gRPC + protobuf, ~380 KiB minified) at load time,
 * but only `docker build` with BuildKit uses it; promotion never builds. Swap it for a stub. The same
 * for its BuildKit progress decoder (protobufjs, ~90 KiB), used only by `docker.followProgress()`.
 */
const noBuildKitSession = replaceModule(
  'dockerode-session-stub',
  './session',
  dockerodeLib,
  'module.exports = function withSession() { throw new Error("BuildKit sessions are not part of this bundle"); };',
);
const noBuildKitProgress = replaceModule(
  'dockerode-buildkit-stub',
  './buildkit',
  dockerodeLib,
  'exports.followProgress = function followProgress() { throw new Error("BuildKit progress decoding is not part of this bundle; use docker.modem.followProgress"); };',
);

/**
 * docker-modem requires ssh2 (~330 KiB with its crypto) when it loads, for `ssh://` engines only.
 * Keep it in the bundle but evaluate it on the first ssh connection, not whenever the engine is used.
 */
const lazySsh = replaceModule(
  'docker-modem-lazy-ssh',
  './ssh',
  /[\\/]docker-modem[\\/]lib$/,
  'module.exports = function ssh(options) { return require("./ssh.js")(options); };',
);
/** Of ssh2, docker-modem uses only the Client: not the SSH server, key generation or the HTTP agents ssh2's index loads too. */
const ssh2Client = replaceModule('ssh2-client', 'ssh2', /[\\/]docker-modem[\\/]lib$/, 'module.exports = { Client: require("ssh2/lib/client.js") };');

/**
 * bcrypt-pbkdf (ssh2: encrypted OpenSSH keys) pins tweetnacl 0.14 for its SHA-512 alone
 * (`lowlevel.crypto_hash`, the same function in 1.0); the project has tweetnacl 1.0.3 (cosign's
 * encrypted keys). One copy in the bundles, not two (33 KiB minified):
 * test/unit/oneTweetnacl.test.ts decrypts an ssh-keygen key through bcrypt-pbkdf on 1.0.3.
 */
const oneTweetnacl = {
  name: 'one-tweetnacl',
  setup(build) {
    build.onResolve({ filter: /^tweetnacl$/ }, (args) => (/[\\/]bcrypt-pbkdf$/.test(args.resolveDir) ? { path: require.resolve('tweetnacl') } : undefined));
  },
};

/**
 * `import … from 'undici'` loads undici's index, which builds everything it exports: WebSocket,
 * EventSource, the Cache API, mocks, cookies. The core imports only the Agent, ProxyAgent and
 * fetch; give it those, wired as undici's index wires them (the request API on every dispatcher:
 * ProxyAgent tunnels with `connect`; fetch's stack trace kept). An ES module on purpose: importing
 * anything else from 'undici' in src/ fails the build ("No matching export") instead of at run time.
 */
const undiciParts = replaceModule(
  'undici-parts',
  'undici',
  /[\\/]src[\\/]/,
  `import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import buildConnector from 'undici/lib/core/connect.js';
import { fetch as fetchImpl } from 'undici/lib/web/fetch/index.js';
Object.assign(Dispatcher.prototype, api);
async function fetch(init, options = undefined) {
  try {
    return await fetchImpl(init, options);
  } catch (err) {
    if (err && typeof err === 'object') Error.captureStackTrace(err);
    throw err;
  }
}
export { Agent, ProxyAgent, buildConnector, fetch };
`,
);

const kubernetesDist = /[\\/]@kubernetes[\\/]client-node[\\/]dist$/;
/**
 * Of @kubernetes/client-node the runtime uses only KubeConfig (src/runtime/kubernetesApi.ts: the
 * kubeconfig, its contexts, certificates, tokens and exec plugins) and makes its one request itself.
 * Its config module imports the generated API (every resource's model, ~900 KiB) for makeApiClient
 * alone, and node-fetch for a Headers class Node has built in: leave both out.
 */
const noKubernetesApi = replaceModule(
  'kubernetes-gen-stub',
  './gen/index.js',
  kubernetesDist,
  'export function createConfiguration() { throw new Error("the generated Kubernetes API is not part of this bundle"); } export class ServerConfiguration {}',
);
const kubernetesHeaders = replaceModule('kubernetes-fetch-stub', 'node-fetch', kubernetesDist, 'export const Headers = globalThis.Headers;');

/**
 * The config's JSON Schema validator, generated now rather than compiled by ajv when the bundle loads
 * (that compile was half of loading the extension). src/config/schemaCompiler.ts holds the options
 * and generates the code (ajv's standalone output); the bundles get that code in its place. Tests
 * run the source, and test/unit/schemaValidator.test.ts checks both validators agree.
 */
const generatedSchemaValidator = {
  name: 'generated-schema-validator',
  setup(build) {
    const compiler = resolve('src/config/schemaCompiler.ts');
    build.onLoad({ filter: /[\\/]src[\\/]config[\\/]schemaCompiler\.ts$/ }, async (args) => {
      if (resolve(args.path) !== compiler) return undefined;
      const source = await schemaValidatorSource(compiler);
      return {
        contents: `const validate = (function (module) {\n${source}\nreturn module.exports;\n})({ exports: {} });\nexports.compileSchemaValidator = function compileSchemaValidator() { return validate; };\n`,
        loader: 'js',
        watchFiles: [compiler, resolve('src/config/promotion.schema.json')],
      };
    });
  },
};

/** Runs schemaCompiler.ts's schemaValidatorSource() (bundled on the fly: it is TypeScript). */
async function schemaValidatorSource(compiler) {
  const { outputFiles } = await esbuild.build({ entryPoints: [compiler], bundle: true, platform: 'node', format: 'cjs', packages: 'external', write: false });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(module, module.exports, require);
  return module.exports.schemaValidatorSource();
}

/** @type {import('esbuild').BuildOptions} */
const extension = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/extension-main.js',
  // ssh2 (under dockerode) loads its optional native add-ons inside try/catch and falls back to JS.
  external: ['vscode', 'cpu-features', '*.node'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  metafile: true,
  plugins: [
    noBuildKitSession,
    noBuildKitProgress,
    lazySsh,
    ssh2Client,
    oneTweetnacl,
    undiciParts,
    noKubernetesApi,
    kubernetesHeaders,
    generatedSchemaValidator,
  ],
  logLevel: 'warning',
};

/**
 * The extension's entry, package.json's "main": a loader of a few KiB that loads the bundle above with
 * V8's code cache (src/extensionLoader.ts). Node built-ins only; it imports nothing of the bundle's.
 * @type {import('esbuild').BuildOptions}
 */
const loader = {
  entryPoints: ['src/extensionLoader.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/extension.js',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
};

/**
 * The CLI must run where VS Code is not: `vscode` is not external here, so an import of it anywhere on
 * the CLI's path fails the build (it cannot be resolved), and the check below names the culprit.
 * Minified in every build: `npm run build && node dist/cli.js` is how CI runs it from a checkout, and a
 * process that starts per command pays for parsing every byte; the source map stays beside it.
 * @type {import('esbuild').BuildOptions}
 */
const cli = {
  ...extension,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli-main.js',
  external: ['cpu-features', '*.node'],
  minify: true,
  define: { IMAGE_PROMOTION_VERSION: JSON.stringify(JSON.parse(await readFile('package.json', 'utf8')).version) },
};

/**
 * The CLI's entry, the package's bin: a loader that loads the bundle above with V8's code cache
 * (src/cli/loader.ts), which runs the command line (the bundle's own `require.main` check is then false).
 * @type {import('esbuild').BuildOptions}
 */
const cliLoader = {
  ...loader,
  entryPoints: ['src/cli/loader.ts'],
  outfile: 'dist/cli.js',
  external: [],
  minify: true,
  sourcemap: false,
  banner: { js: '#!/usr/bin/env node' },
};

/** Fails when a file of the CLI's bundle is the VS Code layer or imports `vscode`. */
function assertNoVscode(metafile) {
  const offenders = Object.entries(metafile.inputs)
    .filter(([file, input]) => file.startsWith('src/vscode/') || file === 'src/extension.ts' || input.imports.some((i) => i.path === 'vscode'))
    .map(([file]) => file);
  if (offenders.length) throw new Error(`dist/cli.js must not depend on VS Code, but it bundles ${offenders.join(', ')}`);
}

/** What the plugins above keep out; a new import that brings one back fails the build and says which. */
const LEFT_OUT = [
  [/[\\/]ajv[\\/]dist[\\/](core|compile[\\/])/, "ajv's schema compiler (the config validator is generated: src/config/schemaCompiler.ts)"],
  [/[\\/]undici[\\/]index\.js$/, "undici's index (import only Agent, ProxyAgent, buildConnector and fetch from 'undici', or add to undici-parts)"],
  [/[\\/](protobufjs|@grpc)[\\/]/, "dockerode's BuildKit support"],
  [/[\\/]ssh2[\\/]lib[\\/]server\.js$/, "ssh2's server"],
  [/[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]gen[\\/]/, 'the generated Kubernetes API (use KubeConfig from @kubernetes/client-node/dist/config.js)'],
  [/[\\/]node-fetch[\\/]/, 'node-fetch (Node has fetch and Headers)'],
  [/[\\/]bcrypt-pbkdf[\\/]node_modules[\\/]tweetnacl[\\/]/, "a second tweetnacl (bcrypt-pbkdf's 0.14: see one-tweetnacl)"],
];

/** A loader is loaded before the cache can help: it bundles its own few files, never the bundle's. */
function assertOnlyLoader(file, metafile, own) {
  const others = Object.keys(metafile.inputs).filter((input) => !own.includes(input.replaceAll('\\', '/')));
  if (others.length) throw new Error(`${file} is a loader alone, but it bundles ${others.join(', ')}`);
}

/**
 * The loaders run the bundles through vm.Script (for the code cache), where a dynamic `import()` has
 * no loader on Node 20 and fails when called: every module must be in the bundle (esbuild turns a
 * bundled `import()` into a require), none ESM-only and external.
 */
function assertNoDynamicImport(file, metafile) {
  const dynamic = Object.values(metafile.outputs).flatMap((output) => output.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path));
  if (dynamic.length) throw new Error(`${file} keeps a dynamic import() of ${dynamic.join(', ')}; the loader's vm.Script cannot run it`);
}

function assertLeftOut(file, metafile) {
  for (const [pattern, what] of LEFT_OUT) {
    const found = Object.keys(metafile.inputs).filter((input) => pattern.test(input));
    if (found.length) throw new Error(`${file} must not bundle ${what}, but it has ${found.slice(0, 3).join(', ')}`);
  }
}

/**
 * The GitHub Action's entry, committed (action.yml runs it; a runner downloads nothing): the CLI with a
 * thin wrapper, minified, no source map, so the same sources give the same bytes anywhere.
 * `--action` writes it (`npm run build:action`); `--action --check` fails when the committed file is
 * not what the sources give now. `--out=<file>` for another file (the test of the check).
 * @type {import('esbuild').BuildOptions}
 */
const action = {
  ...cli,
  entryPoints: ['src/action/main.ts'],
  outfile: 'action/index.js',
  sourcemap: false,
  banner: {},
  write: false,
  // src/cli/main.ts runs itself when it is the process's main module, which the bundle is: the
  // wrapper calls main() with the inputs instead.
  define: { ...cli.define, 'require.main': 'undefined' },
};

async function actionBundle(check, file) {
  const result = await esbuild.build({ ...action, outfile: file });
  assertNoVscode(result.metafile);
  assertLeftOut(file, result.metafile);
  const bytes = result.outputFiles[0].contents;
  if (!check) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bytes);
    console.log(`${file} ${(bytes.length / 1024).toFixed(0)} KiB (minified), ${(gzipSync(bytes).length / 1024).toFixed(0)} KiB gzipped`);
  } else if (!Buffer.from(bytes).equals(await readFile(file).catch(() => Buffer.alloc(0)))) {
    console.error(`${file} is stale: it is not what the sources build now. Run \`npm run build:action\` and commit ${file}.`);
    process.exitCode = 1;
  }
}

if (process.argv.includes('--action')) {
  const out = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? action.outfile;
  await actionBundle(process.argv.includes('--check'), out);
  process.exit();
}

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
// The JSON Schema is bundled for validation and shipped as a file for `contributes.yamlValidation`.
await copyFile('src/config/promotion.schema.json', 'dist/promotion.schema.json');

if (watch) {
  const contexts = await Promise.all([loader, extension, cliLoader, cli].map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  const [loaderResult, ext, cliLoaderResult, cliResult] = await Promise.all([loader, extension, cliLoader, cli].map((options) => esbuild.build(options)));
  assertNoVscode(cliResult.metafile);
  // The extension's loader also opens the window's first connections before the bundle loads (src/vscode/earlyStart.ts).
  assertOnlyLoader('dist/extension.js', loaderResult.metafile, [
    'src/extensionLoader.ts',
    'src/startup/codeCache.ts',
    'src/vscode/earlyStart.ts',
    'src/vscode/networkSettings.ts',
    'src/config/restrictedSetting.ts',
    'src/startup/earlyConnections.ts',
    'src/model/lastRows.ts',
    'src/core/cacheFile.ts',
    'src/core/folders.ts',
    'src/core/reference.ts',
    'src/core/errors.ts',
    'src/core/sentences.ts',
    'src/registry/transport/proxy.ts',
    'src/registry/transport/origin.ts',
    'src/registry/transport/preconnect.ts',
  ]);
  assertOnlyLoader('dist/cli.js', cliLoaderResult.metafile, ['src/cli/loader.ts', 'src/cli/cacheDir.ts', 'src/startup/codeCache.ts']);
  assertLeftOut('dist/extension-main.js', ext.metafile);
  assertLeftOut('dist/cli-main.js', cliResult.metafile);
  assertNoDynamicImport('dist/extension-main.js', ext.metafile);
  assertNoDynamicImport('dist/cli-main.js', cliResult.metafile);
  await chmod('dist/cli.js', 0o755);
  for (const [file, result, minified] of [
    ['dist/extension.js', loaderResult, production],
    ['dist/extension-main.js', ext, production],
    ['dist/cli.js', cliLoaderResult, true],
    ['dist/cli-main.js', cliResult, true],
  ]) {
    const gzipped = gzipSync(await readFile(file)).length;
    console.log(
      `${file} ${(result.metafile.outputs[file].bytes / 1024).toFixed(0)} KiB${minified ? ' (minified)' : ''}, ${(gzipped / 1024).toFixed(0)} KiB gzipped`,
    );
    if (analyze) console.log(await esbuild.analyzeMetafile(result.metafile, { verbose: false }));
  }
}
