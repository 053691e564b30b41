// Runs the extension's mocha suites inside a real VS Code (code-server's server build + headless Chromium):
// - the extension-host suite (out/test/host/index.js, loaded by VS Code as `extensionTestsPath`), once in a
//   trusted window and, when there are *.untrusted.test.js files, once more in Restricted Mode; when there
//   are multiRoot*.test.js files, once more in a window on a two-folder .code-workspace;
// - the UI suite (out/test/ui/**/*.test.js), mocha in this Node process, driving a real workbench page.
//
// Counts come back exactly: the host suite appends one JSON line per test to a file named by
// IMGPROMO_HOST_RESULTS (see test/host/index.ts). A suite that crashes, never starts or hangs past the
// timeout counts what it reported so far plus one failure.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { format } from 'node:util';
import type MochaType from 'mocha';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { harnessClientEnv, repoRoot, startCodeServer, type CodeServer } from './codeServer';
import { prepareMultiRootWorkspace, prepareWorkspace } from './workspace';
// Only the constant: the suite module itself loads in the extension host, not here.
import { LOG_PREFIX, RESULT_MARKER } from '../host/index';

export interface SuiteCounts {
  passed: number;
  failed: number;
}

export interface SuiteResult extends SuiteCounts {
  pending: number;
  /** `host (trusted)`, `host (untrusted)`, `ui` */
  name: string;
  /** Full titles (and first error line) of the failed tests, plus what went wrong around them. */
  failures: string[];
  timings: Record<string, number>;
}

export interface RunHostSuitesOptions {
  /** Extra environment for the extension host and the UI tests (e.g. IMGPROMO_TEST_DOCKER_HOST, DOCKER_CONFIG). */
  env?: Record<string, string>;
  /** Run only one of the two suites. Default: both. */
  only?: 'host' | 'ui';
}

export interface ExtensionHostSuiteOptions {
  env?: Record<string, string>;
  /** Default `trusted`: runs every file except *.untrusted.test.js; `untrusted` runs only those, in Restricted Mode. */
  trust?: 'trusted' | 'untrusted';
  /** Mocha grep on full titles. Default `IMGPROMO_HOST_GREP` from the environment. */
  grep?: string;
  /** Whole-run limit. Default `IMGPROMO_HOST_TIMEOUT_MS` or 10 min. */
  timeoutMs?: number;
  /** Template folder for the workspace. Default test/fixtures/workspace. */
  workspaceTemplate?: string;
  /** `multiroot`: open a .code-workspace with two folders and run only multiRoot*.test.js. Default `single`. */
  layout?: 'single' | 'multiroot';
  /** Print the server's and the workbench's own log lines too. Default `IMGPROMO_VERBOSE=1`. */
  verbose?: boolean;
}

export interface UiSuiteOptions {
  env?: Record<string, string>;
  grep?: string;
  /** Per-test timeout. Default 120 s. */
  testTimeoutMs?: number;
}

const print = (line: string): void => {
  process.stdout.write(line.endsWith('\n') ? line : line + '\n');
};

function outDir(): string {
  return join(repoRoot(), 'out', 'test');
}

function listFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(dir, f));
}

/** Both suites; the counts are summed. Never throws: a suite that cannot start counts as one failure. */
export async function runHostSuites(options: RunHostSuitesOptions = {}): Promise<SuiteCounts> {
  const results: SuiteResult[] = [];
  const guarded = async (name: string, body: () => Promise<SuiteResult>): Promise<void> => {
    try {
      results.push(await body());
    } catch (error) {
      print(`[${name}] could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      results.push({ name, passed: 0, failed: 1, pending: 0, failures: [`${name}: could not run`], timings: {} });
    }
  };
  if (options.only !== 'ui') {
    await guarded('host (trusted)', () => runExtensionHostSuite({ env: options.env, trust: 'trusted' }));
    const untrusted = listFiles(join(outDir(), 'host'), '.untrusted.test.js');
    if (untrusted.length > 0) {
      await guarded('host (untrusted)', () => runExtensionHostSuite({ env: options.env, trust: 'untrusted' }));
    }
    const multiRoot = listFiles(join(outDir(), 'host'), '.test.js').filter((f) => basename(f).startsWith('multiRoot'));
    if (multiRoot.length > 0) {
      await guarded('host (multi-root)', () => runExtensionHostSuite({ env: options.env, trust: 'trusted', layout: 'multiroot' }));
    }
  }
  if (options.only !== 'host') {
    await guarded('ui', () => runUiSuite({ env: options.env }));
  }
  for (const r of results) {
    const timings = Object.entries(r.timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ');
    print(`[${r.name}] ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} pending` : ''}${timings ? ` (${timings})` : ''}`);
    for (const f of r.failures) print(`[${r.name}]   ✗ ${f}`);
  }
  return {
    passed: results.reduce((n, r) => n + r.passed, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
  };
}

interface HostEvent {
  event: string;
  title?: string;
  error?: string;
  passed?: number;
  failed?: number;
  pending?: number;
  total?: number;
}

function readEvents(file: string): HostEvent[] {
  if (!existsSync(file)) return [];
  const events: HostEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as HostEvent);
    } catch {
      // a line cut short by a crash
    }
  }
  return events;
}

/** Workbench errors that an offline test window always logs (the marketplace, the service worker). */
const OFFLINE_NOISE = /open-vsx\.org|ENOTFOUND|ERR_NAME_NOT_RESOLVED|\[Service Worker\]|vsda|Failed to load resource/;

/** Console arguments as Node's console would print them (`%s`/`%d`… substituted; each `%c` and its CSS argument dropped). */
function formatArgs(args: unknown[]): string {
  const [first, ...rest] = args;
  if (typeof first !== 'string' || !first.includes('%c')) return format(...args);
  const kept: unknown[] = [];
  let next = 0;
  const template = first.replace(/%[sdifjoOc%]/g, (token) => {
    if (token === '%%') return token;
    const arg = rest[next++];
    if (token === '%c') return '';
    kept.push(arg);
    return token;
  });
  return format(template, ...kept, ...rest.slice(next));
}

export async function runExtensionHostSuite(options: ExtensionHostSuiteOptions = {}): Promise<SuiteResult> {
  const trust = options.trust ?? 'trusted';
  const multiRoot = options.layout === 'multiroot';
  const name = multiRoot ? 'host (multi-root)' : `host (${trust})`;
  const timeoutMs = options.timeoutMs ?? Number(process.env.IMGPROMO_HOST_TIMEOUT_MS ?? 10 * 60_000);
  const verbose = options.verbose ?? process.env.IMGPROMO_VERBOSE === '1';
  const root = repoRoot();
  const testsPath = join(outDir(), 'host', 'index.js');
  if (!existsSync(testsPath)) throw new Error(`${testsPath} is missing: compile the tests first (npx tsc -p test/tsconfig.json).`);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string };
  if (manifest.main && !existsSync(join(root, manifest.main))) {
    throw new Error(`${manifest.main} is missing: build the extension first (node esbuild.mjs).`);
  }

  const timings: Record<string, number> = {};
  const failures: string[] = [];
  const t0 = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), 'imgpromo-host-'));
  const resultsFile = join(scratch, 'results.jsonl');
  const workspace = multiRoot
    ? prepareMultiRootWorkspace({ env: options.env, template: options.workspaceTemplate })
    : prepareWorkspace({ env: options.env, template: options.workspaceTemplate });
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let exitCode: number | undefined;
  let stopReason = '';
  let serverOutput = '';
  const grep = options.grep ?? process.env.IMGPROMO_HOST_GREP;

  try {
    server = await startCodeServer({
      trust,
      env: {
        ...harnessClientEnv({ ...process.env, ...options.env }),
        ...options.env,
        IMGPROMO_HOST_RESULTS: resultsFile,
        IMGPROMO_HOST_TRUST: trust,
        ...(multiRoot ? { IMGPROMO_HOST_LAYOUT: 'multiroot' } : {}),
        ...(grep ? { IMGPROMO_HOST_GREP: grep } : {}),
      },
      log: verbose ? (line) => print(`[${name}][server] ${line}`) : undefined,
    });
    timings['code-server start'] = server.startMs;
    print(`[${name}] code-server ready on ${server.origin} in ${server.startMs} ms; workspace ${workspace.path}`);

    browser = await launchChromium();
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let settle: (reason: string) => void = () => undefined;
    const settled = new Promise<string>((r) => (settle = r));

    await page.exposeFunction('codeAutomationExit', (code: number) => {
      exitCode = code;
      settle(`codeAutomationExit(${code})`);
    });
    // The extension host's console reaches the page through the workbench's log service, unlabelled, mixed with the
    // workbench's own lines. Mocha's reporter lines (and test/host `log()`) carry LOG_PREFIX; other lines logged
    // while the suite runs (between its first marked line and RESULT_MARKER) are shown too, tagged [log].
    let suiteRunning = false;
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const list = Array.isArray(args) ? args : [args];
      if (typeof list[0] === 'string' && list[0].startsWith(LOG_PREFIX)) {
        const text = formatArgs([list[0].slice(LOG_PREFIX.length), ...list.slice(1)]);
        if (text.startsWith(RESULT_MARKER)) suiteRunning = false;
        else {
          suiteRunning = true;
          for (const line of text.split('\n')) print(`[${name}] ${line}`);
        }
        return;
      }
      const text = formatArgs(list);
      if (verbose || (type === 'error' && !OFFLINE_NOISE.test(text))) print(`[${name}][workbench ${type}] ${text}`);
      else if (suiteRunning) print(`[${name}][${type}] ${text}`);
    });
    page.on('console', (message) => {
      // Playwright joins the arguments into one text: drop the `%c` markers and the colours after them.
      if (verbose)
        print(
          `[${name}][browser ${message.type()}] ${message
            .text()
            .replace(/%c/g, '')
            .replace(/\s*color: #[0-9a-f]{3,8}\b/gi, '')
            .trim()}`,
        );
    });
    page.on('pageerror', (error) => {
      if (verbose) print(`[${name}][page error] ${error.message}`);
    });
    page.on('crash', () => settle('the page crashed'));
    void server.exited.then((code) => settle(`code-server exited (code ${code})`));
    const timer = setTimeout(() => settle(`timed out after ${timeoutMs} ms`), timeoutMs);

    const url = server.workbenchUrl({
      ...(multiRoot ? { workspace: workspace.path } : { folder: workspace.path }),
      extensionDevelopmentPath: root,
      extensionTestsPath: testsPath,
    });
    const tGoto = Date.now();
    await page.goto(url);
    stopReason = await settled;
    clearTimeout(timer);
    timings[exitCode === undefined ? 'until given up' : 'to codeAutomationExit'] = Date.now() - tGoto;
    if (exitCode === undefined) failures.push(`the suite did not finish: ${stopReason}`);
  } finally {
    serverOutput = server?.output() ?? '';
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    workspace.dispose();
  }

  const events = readEvents(resultsFile);
  rmSync(scratch, { recursive: true, force: true });
  const end = events.find((e) => e.event === 'end');
  let passed = events.filter((e) => e.event === 'pass').length;
  let failed = events.filter((e) => e.event === 'fail').length;
  const pending = events.filter((e) => e.event === 'pending').length;
  if (end) {
    passed = end.passed ?? passed;
    failed = end.failed ?? failed;
  }
  for (const e of events.filter((x) => x.event === 'fail')) failures.push(`${e.title}: ${(e.error ?? '').split('\n')[0]}`);
  if (!end) {
    if (events.length === 0) failures.push('the suite never started (no results from the extension host)');
    else failures.push('the suite did not report its end (crashed or hung)');
    failed += 1;
    if (!verbose) {
      print(`[${name}] last lines of the server's output (IMGPROMO_VERBOSE=1 shows everything):`);
      for (const line of serverOutput
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-30))
        print(`[${name}][server] ${line}`);
    }
  } else if (exitCode !== undefined && exitCode !== 0 && failed === 0) {
    failures.push(`the extension host exited with code ${exitCode} although no test failed`);
    failed += 1;
  }
  timings['host suite total'] = Date.now() - t0;
  return { name, passed, failed, pending, failures, timings };
}

/** Mocha 12 is an ES module; Node 20.19+ can require() it and the constructor is its default export. */
function loadMocha(): typeof MochaType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('mocha') as typeof MochaType & { default?: typeof MochaType };
  return mod.default ?? mod;
}

/** out/test/ui/**\/*.test.js with mocha in this process. The tests start their own server and page (test/ui/workbench.ts). */
export async function runUiSuite(options: UiSuiteOptions = {}): Promise<SuiteResult> {
  const name = 'ui';
  const t0 = Date.now();
  const files = listFiles(join(outDir(), 'ui'), '.test.js');
  if (files.length === 0) throw new Error(`no compiled UI tests in ${join(outDir(), 'ui')} (npx tsc -p test/tsconfig.json)`);
  mkdirSync(join(repoRoot(), 'test-results'), { recursive: true });

  // The tests read their environment (harness variables, IMGPROMO_*) from process.env; lend them ours for the run.
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(options.env ?? {})) {
    saved.set(key, process.env[key]);
    process.env[key] = value;
  }
  const Mocha = loadMocha();
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: options.testTimeoutMs ?? 120_000,
    reporter: 'spec',
    rootHooks: {
      // What the window showed when a test failed: test-results/failed-<title>.png, for runs nobody watched (CI).
      async afterEach(this: MochaType.Context) {
        if (this.currentTest?.state !== 'failed') return;
        const workbench = require(join(outDir(), 'ui', 'workbench.js')) as typeof import('../ui/workbench');
        for (const file of await workbench.screenshotsOfFailure(this.currentTest.fullTitle())) console.log(`      failure screenshot: ${file}`);
      },
    },
  });
  const grep = options.grep ?? process.env.IMGPROMO_UI_GREP;
  if (grep) mocha.grep(grep);
  for (const f of files) mocha.addFile(f);
  const failures: string[] = [];
  let passed = 0;
  let failed = 0;
  let pending = 0;
  try {
    await new Promise<void>((resolveRun) => {
      const runner = mocha.run(() => resolveRun());
      runner.on('pass', () => passed++);
      runner.on('pending', () => pending++);
      runner.on('fail', (test, error: unknown) => {
        failed++;
        failures.push(`${test.fullTitle()}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
      });
    });
  } catch (error) {
    failed++;
    failures.push(`loading the UI test files: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    mocha.dispose();
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  return { name, passed, failed, pending, failures, timings: { 'ui suite total': Date.now() - t0 } };
}

// `node out/test/vscode-host/runHostSuites.js [host|ui]` runs it standalone; the exit code is the failure count (max 100).
if (require.main === module) {
  const arg = process.argv[2];
  const only = arg === 'host' || arg === 'ui' ? arg : undefined;
  const t0 = Date.now();
  void runHostSuites({ only }).then(({ passed, failed }) => {
    print(`vscode-host: ${passed} passed, ${failed} failed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    process.exit(Math.min(failed, 100));
  });
}
