// The extension-test entry VS Code loads in its extension host (`extensionTestsPath`), for both runners:
// test/vscode-host/runHostSuites.ts (code-server + headless Chromium) and test/vscode-host/runElectron.ts
// (@vscode/test-electron). It runs mocha over out/test/host/**/*.test.js.
//
// Talking back to the runner (all optional, read from the extension host's environment):
// - IMGPROMO_HOST_RESULTS: path of a JSON-lines file; one line per event, written synchronously as it happens
//   ({"event":"start"|"pass"|"fail"|"pending"|"end", ...}), so a crash or hang still leaves the counts so far.
//   The last line of a finished run is {"event":"end","passed":n,"failed":n,"pending":n}.
// - IMGPROMO_HOST_TRUST: `trusted` (default) runs every test file except *.untrusted.test.js;
//   `untrusted` runs only *.untrusted.test.js (the runner opens those in Restricted Mode).
// - IMGPROMO_HOST_GREP: only tests whose full title contains this (mocha `grep`).
// - IMGPROMO_HOST_LAYOUT: `multiroot` runs only multiRoot*.test.js (the runner opens a two-folder
//   .code-workspace); otherwise those files are left out (every other test expects one folder).
// Besides the file, the suite logs `[imgpromo-host-result] {"passed":n,"failed":n,"pending":n}` last.
import { appendFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { format } from 'node:util';
import type MochaType from 'mocha';

export const RESULT_MARKER = '[imgpromo-host-result]';
/**
 * With IMGPROMO_HOST_RESULTS set, mocha's reporter lines (and `log()` below) are formatted here and start with
 * this, so the code-server runner can tell them from the workbench's own log lines. (The extension host's
 * `console` cannot be wrapped: VS Code defines its methods with a no-op setter.)
 */
export const LOG_PREFIX = '\u27EAhost\u27EB ';

/** console.log for host tests: marked so the code-server runner always shows it. */
export function log(...args: unknown[]): void {
  console.log((process.env.IMGPROMO_HOST_RESULTS ? LOG_PREFIX : '') + format(...args));
}

export interface HostResultEvent {
  event: 'start' | 'pass' | 'fail' | 'pending' | 'end';
  title?: string;
  error?: string;
  durationMs?: number;
  total?: number;
  trust?: string;
  passed?: number;
  failed?: number;
  pending?: number;
}

/** Mocha 12 is an ES module; Node 20.19+ can require() it and the constructor is its default export. */
function loadMocha(): typeof MochaType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('mocha') as typeof MochaType & { default?: typeof MochaType };
  return mod.default ?? mod;
}

function findTests(dir: string, trust: string): string[] {
  const untrustedOnly = trust === 'untrusted';
  const multiRoot = process.env.IMGPROMO_HOST_LAYOUT === 'multiroot';
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => f.endsWith('.untrusted.test.js') === untrustedOnly)
    .filter((f) => basename(f).startsWith('multiRoot') === multiRoot)
    .sort()
    .map((f) => join(dir, f));
}

export async function run(): Promise<void> {
  const resultsFile = process.env.IMGPROMO_HOST_RESULTS;
  const trust = process.env.IMGPROMO_HOST_TRUST === 'untrusted' ? 'untrusted' : 'trusted';
  const record = (event: HostResultEvent): void => {
    if (!resultsFile) return;
    try {
      appendFileSync(resultsFile, JSON.stringify(event) + '\n');
    } catch (error) {
      console.error(`cannot write ${resultsFile}: ${String(error)}`);
    }
  };

  const Mocha = loadMocha();
  if (resultsFile) {
    const write = console.log.bind(console);
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => write(LOG_PREFIX + format(...args));
  }
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  if (process.env.IMGPROMO_HOST_GREP) mocha.grep(process.env.IMGPROMO_HOST_GREP);
  const files = findTests(__dirname, trust);
  for (const file of files) mocha.addFile(file);

  const counts = { passed: 0, failed: 0, pending: 0 };
  try {
    await new Promise<void>((resolveRun) => {
      const runner = mocha.run(() => resolveRun());
      record({ event: 'start', total: runner.total, trust });
      runner.on('pass', (test) => {
        counts.passed++;
        record({ event: 'pass', title: test.fullTitle(), durationMs: test.duration ?? 0 });
      });
      runner.on('fail', (test, error: unknown) => {
        counts.failed++;
        record({ event: 'fail', title: test.fullTitle(), error: describeError(error) });
      });
      runner.on('pending', (test) => {
        counts.pending++;
        record({ event: 'pending', title: test.fullTitle() });
      });
    });
  } catch (error) {
    // Loading a test file threw (syntax error, missing module): that is a failure of the suite.
    counts.failed++;
    record({ event: 'fail', title: 'loading the host test files', error: describeError(error) });
    console.error(describeError(error));
  }
  if (files.length === 0) log(`no ${trust === 'untrusted' ? '*.untrusted.test.js' : '*.test.js'} files in ${__dirname}`);
  record({ event: 'end', ...counts });
  log(`${RESULT_MARKER} ${JSON.stringify(counts)}`);
  if (counts.failed > 0) throw new Error(`${counts.failed} host test(s) failed.`);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
