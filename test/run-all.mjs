#!/usr/bin/env node
// The whole test run (`npm test`):
//   1. compile the tests (tsc -p test/tsconfig.json) and build the extension (node esbuild.mjs);
//   2. the unit suite, in this process (out/test/unit/**/*.test.js);
//   3. private throwaway services (dockerd + registries, test/harness/services.ts), exported as
//      IMGPROMO_TEST_* variables, the integration suite (out/test/integration/**/*.test.js) and the
//      command-line suite (out/test/cli/**/*.test.js: dist/cli.js as a separate process);
//   4. the fault suite (out/test/faults/**/*.test.js: faults injected into the real engine and
//      registries, hostile configs), counting into IMGPROMO_FAULT_TALLY (a temp file unless set) and
//      printing the tally line (test/faults/tallyLine.mjs) just before the last line;
//   5. the VS Code extension-host and UI suites (out/test/vscode-host/runHostSuites.js), if present;
//   6. services stopped (always: also on failure, SIGINT, SIGTERM), one line per suite, and as the
//      very last line `N passed, N failed` over every suite. Exit 1 if anything failed or crashed.
//
// Usage: node test/run-all.mjs [lint] [unit] [integration] [cli] [faults] [host] [electron] [--grep=<pattern>]
//   no suite named: all of lint, unit, integration, cli, faults, host (code-server + Chromium: runHostSuites.js).
//   `electron` (alone): the extension-host suite in desktop VS Code via @vscode/test-electron
//   (runElectron.js), for machines that can download VS Code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readTally, tallyLine } from './faults/tallyLine.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const out = join(root, 'out', 'test');
const started = Date.now();

// ---------- arguments ----------
const SUITES = ['lint', 'unit', 'integration', 'cli', 'faults', 'host'];
const args = process.argv.slice(2);
const grepArg = args.find((a) => a.startsWith('--grep='));
const grep = grepArg ? grepArg.slice('--grep='.length) : process.env.IMGPROMO_TEST_GREP || undefined;
const named = args.filter((a) => !a.startsWith('--'));
const unknown = [...named.filter((a) => ![...SUITES, 'electron'].includes(a)), ...args.filter((a) => a.startsWith('--') && a !== grepArg)];
const electron = named.includes('electron');
const wanted = new Set(named.length === 0 ? SUITES : named.map((a) => (a === 'electron' ? 'host' : a)));
if (electron && named.length > 1) unknown.push('electron (use it alone)');

/** name -> { passed, failed, pending, note, ms } in the order the suites ran */
const results = new Map();
let services;
/** The fault tally ({ file, dir if we made it }) when the fault suite runs. */
let tally;
let finishing = false;
/** The mocha run in progress, so an interrupt can still report what it counted. */
let currentRun;
/** The suite running now (unit, integration, host…), to charge stray errors to. */
let phase;
/** suite -> unhandled rejections / uncaught exceptions no test runner took (each one counts as a failure). */
const strays = new Map();

function record(name, counts) {
  const r = { passed: 0, failed: 0, pending: 0, ...counts };
  const stray = strays.get(name) ?? 0;
  if (stray) {
    r.failed += stray;
    r.note = [r.note, `${stray} unhandled error(s) outside tests`].filter(Boolean).join(', ');
  }
  results.set(name, r);
}

function summaryLines() {
  const lines = [];
  let passed = 0;
  let failed = 0;
  const order = ['arguments', 'compile', 'build', 'lint', 'unit', 'services', 'integration', 'cli', 'faults', 'host', 'electron'];
  const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
  for (const [name, r] of [...results].sort((a, b) => rank(a[0]) - rank(b[0]))) {
    passed += r.passed;
    failed += r.failed;
    const extra = [r.pending ? `${r.pending} pending` : '', r.ms !== undefined ? `${(r.ms / 1000).toFixed(1)} s` : '', r.note ?? ''].filter(Boolean).join(', ');
    lines.push(r.skipped ? `${name}: skipped (${r.note})` : `${name}: ${r.passed} passed, ${r.failed} failed${extra ? ` (${extra})` : ''}`);
  }
  lines.push(`total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (tally) lines.push(tallyLine(tally.file));
  // The very last line, read by CI.
  lines.push(`${passed} passed, ${failed} failed`);
  return { lines, failed };
}

async function finish(extraFailure) {
  if (finishing) return;
  finishing = true;
  if (currentRun) {
    const { name, runner, t } = currentRun;
    const stats = runner?.stats ?? {};
    record(name, { passed: stats.passes ?? 0, failed: stats.failures ?? 0, pending: stats.pending ?? 0, ms: Date.now() - t, note: 'interrupted' });
  }
  if (extraFailure) record(extraFailure.name, { failed: 1, note: extraFailure.note });
  await stopServices();
  // A state nobody chose fails the run even when the test that saw it did not (a child process).
  const unchosen = tally ? readTally(tally.file)['unchosen-state'] : 0;
  if (unchosen > 0) record('fault tally', { failed: unchosen, note: 'environments left in a state nobody chose' });
  const { lines, failed } = summaryLines();
  if (tally?.dir) rmSync(tally.dir, { recursive: true, force: true });
  process.stdout.write('\n' + lines.join('\n') + '\n', () => process.exit(failed > 0 || extraFailure ? 1 : 0));
}

async function stopServices() {
  const s = services;
  services = undefined;
  if (s) {
    try {
      await Promise.race([s.stop(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 60 s')), 60000).unref())]);
    } catch (err) {
      // Not a test failure, but say so: the harness's exit hook still removes what is left.
      console.error(`run-all: stopping services: ${err.message}`);
    }
  }
  // Whatever a suite started itself and left running (the harness's exit hook is the last resort).
  try {
    const cleanup = require.cache[join(out, 'harness', 'cleanup.js')]?.exports;
    if (cleanup) await cleanup.stopAllResources();
  } catch (err) {
    console.error(`run-all: stopping leftover test services: ${err.message}`);
  }
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    if (finishing) {
      // A second signal: leave now; the harness's exit hook stops what is still running.
      process.exit(code);
    }
    console.error(`\nrun-all: ${signal} received, stopping services…`);
    void finish({ name: 'interrupted', note: signal });
  });
}

// Errors no test runner took. While a suite runs they count against it (mocha fails the running test
// for an uncaught exception itself, but only re-emits unhandled rejections); outside suites they end the run.
const seenRejections = new WeakSet();
process.on('unhandledRejection', (reason, promise) => {
  // A running mocha Runner re-emits the event it got, so the same promise can arrive twice.
  if (promise && typeof promise === 'object') {
    if (seenRejections.has(promise)) return;
    seenRejections.add(promise);
  }
  console.error(`\nrun-all: unhandled promise rejection${phase ? ` during the ${phase} suite` : ''}:\n${reason?.stack ?? reason}`);
  if (phase) strays.set(phase, (strays.get(phase) ?? 0) + 1);
  else void finish({ name: 'run-all', note: 'unhandled rejection' });
});
process.on('uncaughtException', (err) => {
  // Another listener is a running mocha Runner: it fails the current test with this error.
  if (phase && process.listenerCount('uncaughtException') > 1) return;
  console.error(`\nrun-all: uncaught exception${phase ? ` during the ${phase} suite` : ''}:\n${err?.stack ?? err}`);
  if (phase) strays.set(phase, (strays.get(phase) ?? 0) + 1);
  else void finish({ name: 'run-all', note: 'uncaught exception' });
});

// ---------- helpers ----------
function run(what, command, commandArgs) {
  const t = Date.now();
  const res = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (res.error || res.status !== 0) {
    const why = res.error ? res.error.message : res.signal ? `signal ${res.signal}` : `exit code ${res.status}`;
    console.error(`\nrun-all: ${what} failed (${why}); see the output above.`);
    return false;
  }
  console.log(`run-all: ${what} ok (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  return true;
}

/** Compiled test files of a suite whose TypeScript source still exists (stale out/ files are ignored). */
function testFiles(suite) {
  const dir = join(out, suite);
  const files = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.js')) {
        const source = join(root, 'test', relative(out, p)).replace(/\.js$/, '.ts');
        if (existsSync(source)) files.push(p);
      }
    }
  };
  walk(dir);
  return files;
}

async function runMocha(name, files, timeout) {
  phase = name;
  try {
    await runMochaSuite(name, files, timeout);
  } finally {
    phase = undefined;
  }
}

async function runMochaSuite(name, files, timeout) {
  const t = Date.now();
  if (files.length === 0) {
    record(name, { note: `no test files in out/test/${name}`, ms: 0 });
    return;
  }
  const { default: Mocha } = await import(pathToFileURL(require.resolve('mocha')).href);
  const mocha = new Mocha({ timeout, reporter: 'spec', color: Boolean(process.stdout.isTTY), ...(grep ? { grep } : {}) });
  for (const f of files) mocha.addFile(f);
  try {
    await mocha.loadFilesAsync();
  } catch (err) {
    console.error(`\nrun-all: loading the ${name} suite failed:\n${err?.stack ?? err}`);
    record(name, { failed: 1, note: 'could not load', ms: Date.now() - t });
    return;
  }
  try {
    const stats = await new Promise((resolve, reject) => {
      try {
        const runner = mocha.run(() => resolve(runner.stats));
        currentRun = { name, runner, t };
      } catch (err) {
        reject(err);
      }
    });
    currentRun = undefined;
    record(name, { passed: stats.passes, failed: stats.failures, pending: stats.pending, ms: Date.now() - t });
  } catch (err) {
    currentRun = undefined;
    console.error(`\nrun-all: the ${name} suite crashed:\n${err?.stack ?? err}`);
    record(name, { failed: 1, note: 'crashed', ms: Date.now() - t });
  } finally {
    try {
      mocha.dispose();
    } catch {
      /* already disposed */
    }
  }
}

// ---------- the run ----------
async function main() {
  if (unknown.length) {
    console.error(
      `run-all: unknown argument(s) ${unknown.join(' ')}\nusage: node test/run-all.mjs [lint] [unit] [integration] [cli] [faults] [host] [electron] [--grep=<pattern>]`,
    );
    return finish({ name: 'arguments', note: `unknown ${unknown.join(' ')}` });
  }
  if (!run('compiling the tests (tsc -p test/tsconfig.json)', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join('test', 'tsconfig.json')])) {
    return finish({ name: 'compile', note: 'tsc -p test/tsconfig.json failed' });
  }
  if (!run('building the extension (node esbuild.mjs)', process.execPath, ['esbuild.mjs'])) {
    return finish({ name: 'build', note: 'node esbuild.mjs failed' });
  }

  for (const s of SUITES) if (!wanted.has(s) && !(electron && s === 'host')) record(s, { skipped: true, note: 'not requested' });
  if (wanted.has('lint')) {
    // Each check counts as one test: the layer rule and the linter (oxlint, .oxlintrc.json), the formatter (prettier --check).
    const bin = (pkg, file) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
    const t = Date.now();
    const checks = [
      run('linting (oxlint: no vscode import outside src/vscode, correctness rules)', process.execPath, [
        bin('oxlint', 'bin/oxlint'),
        '-c',
        '.oxlintrc.json',
        'src',
        'test',
        'esbuild.mjs',
      ]),
      run('checking the formatting (prettier --check)', process.execPath, [
        bin('prettier', 'bin/prettier.cjs'),
        '--check',
        '--log-level',
        'warn',
        'src',
        'test',
        'esbuild.mjs',
      ]),
    ];
    record('lint', { passed: checks.filter(Boolean).length, failed: checks.filter((ok) => !ok).length, ms: Date.now() - t });
  }
  if (wanted.has('faults')) {
    // Set before any suite runs (the unit suite holds the config corpus), so every suite (and child processes) adds to the same figures.
    if (process.env.IMGPROMO_FAULT_TALLY) tally = { file: process.env.IMGPROMO_FAULT_TALLY };
    else {
      const dir = mkdtempSync(join(tmpdir(), 'imgpromo-tally-'));
      tally = { file: join(dir, 'tally.jsonl'), dir };
      process.env.IMGPROMO_FAULT_TALLY = tally.file;
    }
  }
  if (wanted.has('unit')) await runMocha('unit', testFiles('unit'), 10000);

  const needServices = wanted.has('integration') || wanted.has('cli') || wanted.has('faults') || wanted.has('host');
  if (needServices) {
    const t = Date.now();
    try {
      const harness = require(join(out, 'harness', 'cleanup.js'));
      harness.leaveSignalsToCaller();
      const { startServices } = require(join(out, 'harness', 'services.js'));
      services = await startServices();
      if (finishing) return; // interrupted while starting
      Object.assign(process.env, services.env);
      console.log(
        `run-all: services up in ${((Date.now() - t) / 1000).toFixed(1)} s: engine ${services.dockerHost}, registry ${services.registry}, auth registry ${services.authRegistry}`,
      );
    } catch (err) {
      console.error(`\nrun-all: starting the test services failed:\n${err?.stack ?? err}`);
      record('services', { failed: 1, note: 'could not start dockerd/registries' });
      for (const s of ['integration', 'cli', 'faults', 'host']) if (wanted.has(s)) record(s, { skipped: true, note: 'no services' });
      return finish();
    }
  }

  if (wanted.has('integration')) await runMocha('integration', testFiles('integration'), 60000);
  if (!finishing && wanted.has('cli')) await runMocha('cli', testFiles('cli'), 60000);
  if (finishing) return;
  if (wanted.has('faults')) await runMocha('faults', testFiles('faults'), 120000);
  if (finishing) return;

  if (wanted.has('host')) {
    // `electron`: the extension-host suite in desktop VS Code through @vscode/test-electron
    // (runElectron.ts); otherwise the code-server host + UI suites (runHostSuites.ts).
    const [file, fn, label] = electron ? ['runElectron', 'runElectron', 'electron'] : ['runHostSuites', 'runHostSuites', 'host'];
    const entry = join(out, 'vscode-host', `${file}.js`);
    if (!existsSync(entry) || !existsSync(join(root, 'test', 'vscode-host', `${file}.ts`))) {
      console.log(`run-all: the VS Code ${label} suites were skipped: out/test/vscode-host/${file}.js not found`);
      record(label, { skipped: true, note: `out/test/vscode-host/${file}.js not found` });
    } else {
      const t = Date.now();
      phase = label;
      try {
        const runSuites = require(entry)[fn];
        const options = { env: { ...services.env } };
        const counts = await runSuites(options);
        const passed = Number(counts?.passed) || 0;
        let failed = Number(counts?.failed) || 0;
        if (!counts || typeof counts.passed !== 'number' || typeof counts.failed !== 'number') {
          console.error(`run-all: ${fn} returned ${JSON.stringify(counts)}, not { passed, failed }`);
          failed = Math.max(1, failed);
        }
        record(label, { passed, failed, ms: Date.now() - t, note: electron ? 'desktop VS Code' : 'extension host + UI' });
      } catch (err) {
        console.error(`\nrun-all: the VS Code ${label} suites crashed:\n${err?.stack ?? err}`);
        record(label, { failed: 1, note: 'crashed', ms: Date.now() - t });
      } finally {
        phase = undefined;
      }
    }
  }
  return finish();
}

main().catch((err) => {
  console.error(`\nrun-all: ${err?.stack ?? err}`);
  return finish({ name: 'run-all', note: 'crashed' });
});
