// Runs the built CLI (dist/cli.js, as `npm run build` makes it) as a separate process against the
// harness's engine and registries, in a workspace folder of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, sharedServices, type TestServices } from '../harness';

export const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Variables a developer's or CI's shell may carry that would change what the CLI does. */
const AMBIENT = [
  'GITHUB_ACTIONS',
  'GITHUB_STEP_SUMMARY',
  'GITHUB_OUTPUT',
  'GITHUB_ACTOR',
  'GITLAB_USER_LOGIN',
  'IMAGE_PROMOTION_APPROVED_BY',
  'DOCKER_CONTEXT',
];

let cacheHome: string | undefined;

export function cliEnv(svc: TestServices, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // The CLI's cache folder (blob locations) in a throwaway folder, never the user's own.
  cacheHome ??= makeTempDir('cli-cache');
  const env: NodeJS.ProcessEnv = { ...svc.clientEnv(process.env), XDG_CACHE_HOME: cacheHome };
  for (const name of AMBIENT) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface CliSuite {
  /** Set once the suite's `before` ran. */
  readonly svc: TestServices;
  /** The CLI's environment for them (cliEnv). */
  readonly env: NodeJS.ProcessEnv;
}

/** A CLI suite's set-up, written once (as test/faults faultSuite): the harness's services and the CLI's environment, before its tests. */
export function cliSuite(extra: Record<string, string | undefined> = {}): CliSuite {
  let ready: CliSuite | undefined;
  before(async () => {
    const svc = await sharedServices();
    ready = { svc, env: cliEnv(svc, extra) };
  });
  const up = (): CliSuite => {
    if (!ready) throw new Error('the harness services are not up yet (use them inside tests and hooks)');
    return ready;
  };
  return {
    get svc() {
      return up().svc;
    },
    get env() {
      return up().env;
    },
  };
}

export function startCli(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): { child: ChildProcess; done: Promise<CliRun>; stderrSoFar: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stderrSoFar: () => stderr };
}

export function runCli(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliRun> {
  return startCli(args, options).done;
}

/** A folder holding `.promotion.yaml` (and a git repo, so the recorded identity is known). */
export function workspace(yaml: string): string {
  const dir = makeTempDir('cli-ws');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.promotion.yaml'), yaml);
  return dir;
}

export function describeRun(run: CliRun): string {
  return `exit ${run.code}${run.signal ? ` (${run.signal})` : ''}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
