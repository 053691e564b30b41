// The same extension-host suite (out/test/host/index.js) under @vscode/test-electron: a desktop VS Code
// that test-electron downloads into .vscode-test/ (or VSCODE_EXECUTABLE_PATH). Machines that reach only
// the npm registry cannot download it; then this fails with a message saying so, and the code-server
// runner (runHostSuites.ts) is the one to use. `npm run test:electron` calls it through test/run-all.mjs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { repoRoot } from './codeServer';
import type { SuiteCounts } from './runHostSuites';
import { prepareWorkspace } from './workspace';

export interface RunElectronOptions {
  /** Extra environment for the extension host (harness variables…). */
  env?: Record<string, string>;
  /** VS Code version to download. Default 1.100.3, the version code-server 4.100.3 ships (engines.vscode ^1.100.0). */
  version?: string;
  /** A VS Code executable to use instead of downloading one. Default VSCODE_EXECUTABLE_PATH. */
  vscodeExecutablePath?: string;
}

/** VS Code could not be downloaded (offline). Its stack is just the message: callers print it as it is. */
export class VSCodeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VSCodeUnavailableError';
    this.stack = `${this.name}: ${message}`;
  }
}

const print = (line: string): void => void process.stdout.write(line + '\n');

/** Runs the host suite in desktop VS Code; returns the counts (from the suite's results file). Throws VSCodeUnavailableError offline. */
export async function runElectron(options: RunElectronOptions = {}): Promise<SuiteCounts> {
  const root = repoRoot();
  const extensionTestsPath = join(root, 'out', 'test', 'host', 'index.js');
  if (!existsSync(extensionTestsPath)) throw new Error(`${extensionTestsPath} is missing: compile the tests first (npx tsc -p test/tsconfig.json).`);
  const version = options.version ?? '1.100.3';

  let vscodeExecutablePath = options.vscodeExecutablePath ?? process.env.VSCODE_EXECUTABLE_PATH;
  if (!vscodeExecutablePath) {
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: join(root, '.vscode-test'), timeout: 20_000 });
    } catch (error) {
      throw new VSCodeUnavailableError(
        `@vscode/test-electron could not download VS Code ${version} (${error instanceof Error ? error.message : String(error)}).\n` +
          'This machine cannot reach update.code.visualstudio.com (only the npm registry). Either set VSCODE_EXECUTABLE_PATH to an ' +
          'installed VS Code, or run the same suite in the code-server host instead: `npm test` (test/vscode-host/runHostSuites.ts).',
      );
    }
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    print('runElectron: no DISPLAY; desktop VS Code needs one on Linux (run under xvfb-run -a).');
  }

  const workspace = prepareWorkspace({ env: options.env });
  const scratch = mkdtempSync(join(tmpdir(), 'imgpromo-electron-'));
  const resultsFile = join(scratch, 'results.jsonl');
  try {
    let exitCode: number;
    try {
      exitCode = await runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath: root,
        extensionTestsPath,
        // test-electron adds --disable-workspace-trust itself: the folder is trusted, so only the trusted files run.
        launchArgs: [workspace.path, '--disable-extensions', '--skip-release-notes'],
        extensionTestsEnv: { ...options.env, IMGPROMO_HOST_RESULTS: resultsFile, IMGPROMO_HOST_TRUST: 'trusted' },
      });
    } catch (error) {
      // runTests rejects with TestRunFailedError when VS Code exits non-zero (a failed test included).
      exitCode = typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
    }
    const lines = existsSync(resultsFile)
      ? readFileSync(resultsFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
      : [];
    const events = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as { event: string; passed?: number; failed?: number }];
      } catch {
        return [];
      }
    });
    const end = events.find((e) => e.event === 'end');
    if (end) {
      const counts = { passed: end.passed ?? 0, failed: end.failed ?? 0 };
      if (exitCode !== 0 && counts.failed === 0) counts.failed = 1;
      return counts;
    }
    return {
      passed: events.filter((e) => e.event === 'pass').length,
      failed: events.filter((e) => e.event === 'fail').length + 1, // never reported its end: crashed or hung
    };
  } finally {
    workspace.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runElectron().then(
    ({ passed, failed }) => {
      print(`electron host suite: ${passed} passed, ${failed} failed`);
      process.exit(failed > 0 ? 1 : 0);
    },
    (error: unknown) => {
      print(`electron host suite: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(error instanceof VSCodeUnavailableError ? 2 : 1);
    },
  );
}
