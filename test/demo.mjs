#!/usr/bin/env node
// `npm run demo`: the extension doing its job against a throwaway setup, in a real VS Code.
//
// Starts a private Docker engine and registry (test/harness), pushes a few sample builds of
// `demo/shop` (one of them a multi-platform index) and points dev/staging/production at them,
// pulls staging's build into the demo's engine (so Promote to Production goes through the engine
// transport, the others registry-side),
// writes a sample workspace whose .promotion.yaml names that registry, builds the extension, and
// serves VS Code (code-server) with the extension loaded and the workspace open. Prints the URL;
// on a desktop it opens it, otherwise it also saves a headless screenshot to test-results/demo.png.
// Runs until Ctrl+C (SIGINT) or SIGTERM, also when sent to `npm run demo`, then stops and removes
// everything it started, whatever it was doing.
//
//   npm run demo [-- --port 8080] [-- --once] [-- --no-open]
//     --port N   serve VS Code on 127.0.0.1:N (default: a free port)
//     --once     take the screenshot, clean up and exit (a smoke test of the demo)
//     --no-open  never launch a desktop browser
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const say = (line) => console.log(`[demo ${elapsed()}] ${line}`);

function parseArgs(argv) {
  const args = { port: undefined, once: false, open: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') args.port = Number(argv[++i]);
    else if (argv[i] === '--once') args.once = true;
    else if (argv[i] === '--no-open') args.open = false;
    else throw new Error(`unknown argument ${argv[i]} (use --port N, --once, --no-open)`);
  }
  return args;
}

/** The build step running now, so a signal stops it at once rather than after tsc's minute. */
let building;

function run(args, options) {
  return new Promise((settle, reject) => {
    const child = spawn(process.execPath, args, { cwd: repo, ...options });
    building = child;
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (status) => {
      building = undefined;
      settle({ status, output });
    });
  });
}

/** tsc for the test helpers (harness, code-server runner, Playwright helpers), esbuild for the extension. */
async function build() {
  const tsc = await run([require.resolve('typescript/bin/tsc'), '-p', 'test/tsconfig.json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const needed = ['out/test/harness/index.js', 'out/test/vscode-host/codeServer.js', 'out/test/ui/workbench.js'];
  const missing = needed.filter((f) => !existsSync(join(repo, f)));
  if (tsc.status !== 0) {
    const errors = tsc.output.trim().split('\n');
    console.warn(`[demo] tsc reported ${errors.length} line(s) of errors; continuing with what it emitted:\n${errors.slice(0, 10).join('\n')}`);
  }
  if (missing.length) throw new Error(`compiling the tests did not produce ${missing.join(', ')}`);
  const esbuild = await run(['esbuild.mjs'], { stdio: 'inherit' });
  if (esbuild.status !== 0) throw new Error('building the extension (node esbuild.mjs) failed');
}

/** The sample project: its promotion config and the smoke-test script its staging gate runs. */
function writeWorkspace(registry) {
  const parent = mkdtempSync(join(tmpdir(), 'imgpromo-demo-'));
  const folder = join(parent, 'shop');
  mkdirSync(join(folder, 'scripts'), { recursive: true });
  writeFileSync(
    join(folder, '.promotion.yaml'),
    [
      '# Demo: builds of demo/shop live in a throwaway registry started by `npm run demo`.',
      `image: ${registry}/demo/shop`,
      'builds:',
      "  tagPattern: '^[0-9a-f]{7,40}$'",
      '  limit: 20',
      'environments:',
      '  - name: development',
      '    tag: dev',
      '  - name: staging',
      '    tag: staging',
      '    gates:',
      '      - type: command',
      '        name: smoke test',
      '        run: ["./scripts/smoke-test.sh"]',
      '        timeoutSeconds: 60',
      '  - name: production',
      '    tag: production',
      '    protected: true',
      '    gates:',
      '      - type: approval',
      '        name: release manager sign-off',
      '',
    ].join('\n'),
  );
  const script = join(folder, 'scripts', 'smoke-test.sh');
  writeFileSync(script, '#!/bin/sh\n# The demo\'s stand-in for a real smoke test.\necho "smoke test: ok"\n');
  chmodSync(script, 0o755);
  writeFileSync(join(folder, 'README.md'), '# shop\n\nA sample service for the Image Promotion demo. Open the Image Promotion view in the activity bar.\n');
  return { folder, dispose: () => rmSync(parent, { recursive: true, force: true }) };
}

/** Three builds, oldest first, the newest a multi-platform index; production ← oldest, staging ← middle, dev ← newest. */
async function pushSampleBuilds(harness, services) {
  const repoName = 'demo/shop';
  const hoursAgo = (h) => new Date(Date.now() - h * 3600_000).toISOString();
  const labels = (sha, title) => ({ 'org.opencontainers.image.revision': sha, 'org.opencontainers.image.title': title });
  const builds = [];
  for (const [sha, h, title] of [
    ['3f9c2ab', 72, 'checkout: retry payment capture'],
    ['8d41e07', 26, 'catalog: faster search'],
  ]) {
    const image = await harness.pushImage(services.registryUrl, repoName, sha, {
      created: hoursAgo(h),
      labels: labels(sha, title),
      files: { 'app/VERSION': `${sha}\n`, 'app/CHANGES': `${title}\n` },
    });
    builds.push({ sha, digest: image.digest });
  }
  const index = await harness.pushIndex(
    services.registryUrl,
    repoName,
    'c52a9f1',
    [
      { os: 'linux', architecture: 'amd64', files: { 'app/VERSION': 'c52a9f1 amd64\n' } },
      { os: 'linux', architecture: 'arm64', files: { 'app/VERSION': 'c52a9f1 arm64\n' } },
    ],
    { kind: 'oci', created: hoursAgo(2), labels: labels('c52a9f1', 'cart: multi-platform build') },
  );
  builds.push({ sha: 'c52a9f1', digest: index.digest });
  await harness.tagExisting(services.registryUrl, repoName, '3f9c2ab', 'production');
  await harness.tagExisting(services.registryUrl, repoName, '8d41e07', 'staging');
  await harness.tagExisting(services.registryUrl, repoName, 'c52a9f1', 'dev');
  // One build already in the engine: transport "auto" then retags and pushes it through the engine
  // (staging → production); the multi-platform index still goes registry-side (dev → staging).
  await harness.enginePull(services.dockerHost, `${services.registry}/${repoName}:8d41e07`);
  return { repoName, builds };
}

/** code-server would offer to forward every port the harness's registries and engine listen on. */
const NO_PORT_POPUPS = {
  'remote.autoForwardPorts': false,
  'remote.restoreForwardedPorts': false,
  'remote.otherPortsAttributes': { onAutoForward: 'ignore' },
};

function canOpenDesktopBrowser() {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return undefined;
  const found = spawnSync('sh', ['-c', 'command -v xdg-open'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cleanups = [];
  let cleaning;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse()) {
        try {
          await step();
        } catch (error) {
          console.error(`[demo] cleanup: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })());
  let interrupted = false;
  let harnessForSignals;
  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping VS Code, the registry and the Docker engine…`);
    building?.kill('SIGTERM');
    // Also what is still starting: the harness registers each service before it answers.
    const deadline = new Promise((settle) => setTimeout(settle, 30_000).unref());
    void Promise.race([cleanup().then(() => harnessForSignals?.stopAllResources()), deadline])
      .catch((error) => console.error(`[demo] cleanup: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        say('cleaned up');
        // 128 + the signal's number, as a shell reports a process stopped by it.
        process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143);
      });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
  // `npm run demo` runs this through `sh -c`: a SIGTERM sent to npm kills that shell, which does not
  // pass it on, and this process would live on as an orphan. Losing the parent counts as the signal.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && onSignal('SIGTERM'), 250).unref();

  try {
    say('building the extension and the test helpers (tsc + esbuild)…');
    await build();
    if (interrupted) return;

    const harness = require(join(repo, 'out/test/harness/index.js'));
    harnessForSignals = harness;
    const { startCodeServer } = require(join(repo, 'out/test/vscode-host/codeServer.js'));
    const { Workbench } = require(join(repo, 'out/test/ui/workbench.js'));
    // This script stops the services itself on Ctrl+C (the harness's own hook would exit first).
    harness.leaveSignalsToCaller?.();

    say('starting a private Docker engine and registry…');
    const services = await harness.startServices();
    cleanups.push(() => services.stop());
    say(`engine ${services.dockerHost}, registry ${services.registry}`);

    const { repoName, builds } = await pushSampleBuilds(harness, services);
    for (const b of builds) say(`pushed ${services.registry}/${repoName}:${b.sha}  ${b.digest}`);
    say('production → 3f9c2ab, staging → 8d41e07, dev → c52a9f1 (multi-platform); 8d41e07 is also in the engine');

    const workspace = writeWorkspace(services.registry);
    cleanups.push(() => workspace.dispose());

    const server = await startCodeServer({
      port: args.port,
      trust: 'trusted',
      // The extension host inherits these: the demo engine, and a DOCKER_CONFIG with the harness's credential helper.
      env: services.clientEnv(),
      userSettings: { 'imagePromotion.refreshInterval': 0, ...NO_PORT_POPUPS },
    });
    cleanups.push(() => server.stop());
    const url = server.workbenchUrl({ folder: workspace.folder, extensionDevelopmentPath: repo });
    say(`VS Code is ready (server started in ${server.startMs} ms).`);
    console.log(`\n  Open this in a browser:\n\n    ${url}\n\n  Then click "Image Promotion" in the activity bar. Ctrl+C stops everything.\n`);

    const opener = args.open && !args.once ? canOpenDesktopBrowser() : undefined;
    if (opener) {
      spawnSync(opener, [url], { stdio: 'ignore' });
      say(`opened with ${opener}`);
    } else {
      say('taking a headless screenshot of the view…');
      const wb = await Workbench.open({ server, folder: workspace.folder });
      try {
        await wb.openViewContainer();
        await wb.resizeSideBar(560);
        try {
          await wb.waitForTreeRows('Environments', (rows) => rows.length >= 3, 30_000);
        } catch (error) {
          say(`the Environments view did not show three rows: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
        }
        await wb.page.waitForTimeout(1000);
        const [file] = await wb.screenshot('demo');
        say(`screenshot: ${file}`);
      } finally {
        await wb.close();
      }
    }

    if (args.once) {
      await cleanup();
      say('done (--once)');
      return;
    }
    say('running; press Ctrl+C to stop and clean up.');
    setInterval(() => undefined, 1 << 30); // keep the process alive until a signal
    await new Promise(() => undefined);
  } catch (error) {
    console.error(`[demo] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanup();
    process.exitCode = 1;
  }
}

await main();
