// Starts a real VS Code (the server build shipped by the npm package code-server) for tests and the demo.
//
// VS Code's own server entry is used, not the `code-server` wrapper: the wrapper rejects the
// extension-development flags. The web workbench it serves takes extensionDevelopmentPath /
// extensionTestsPath from the page URL (`payload`), see `workbenchUrl`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../harness/ports';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';

/**
 * How the window treats the workspace folder.
 * - `trusted`: workspace trust is switched off in the user settings (`security.workspace.trust.enabled: false`),
 *   so every folder is trusted and no trust dialog appears. `vscode.workspace.isTrusted === true`.
 * - `untrusted`: trust is on and the startup prompt is off (`security.workspace.trust.startupPrompt: "never"`):
 *   the window opens in Restricted Mode without a modal. `vscode.workspace.isTrusted === false`.
 * - `prompt`: trust is on and the startup prompt is `always`: the real "Do you trust the authors…" modal shows
 *   (for UI tests that click it; an extension-test window refuses dialogs and stays restricted).
 */
export type TrustMode = 'trusted' | 'untrusted' | 'prompt';

export interface CodeServerOptions {
  /** Folder the installer put code-server in. Default `<repo>/.vscode-test/code-server`. */
  prefix?: string;
  /** Merged over `process.env` for the server, and so for its extension host. `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Default `trusted`. */
  trust?: TrustMode;
  /** Extra user settings (`User/settings.json`), applied after the defaults below and the trust settings. */
  userSettings?: Record<string, unknown>;
  /** Default: a free port on 127.0.0.1. */
  port?: number;
  /** Receives every line the server prints (stdout and stderr). Default: dropped (kept for `output()`). */
  log?: (line: string) => void;
  /** How long to wait for "Extension host agent listening". Default 60 s. */
  startTimeoutMs?: number;
  /** More command-line flags for server-main.js. */
  extraArgs?: string[];
  /** Keep the temporary data/user/extensions dirs after stop (for debugging). Default false. */
  keepDirs?: boolean;
}

export interface CodeServer {
  /** `127.0.0.1:<port>`: the remote authority of every `vscode-remote://` URI. */
  readonly authority: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  readonly pid: number;
  readonly trust: TrustMode;
  /** Milliseconds from spawn to "Extension host agent listening". */
  readonly startMs: number;
  readonly dirs: { readonly root: string; readonly serverData: string; readonly userData: string; readonly extensions: string };
  /** `vscode-remote://127.0.0.1:<port><absolute path>` */
  remoteUri(path: string): string;
  /** The workbench URL; `extensionTestsPath` makes it an extension-test window (the workbench then refuses dialogs). */
  workbenchUrl(options?: WorkbenchUrlOptions): string;
  /** Everything the server printed so far. */
  output(): string;
  /** Resolves when the server process has exited (for whatever reason). */
  readonly exited: Promise<number | null>;
  /** The pids of its extension hosts (each window's, while the window is open or the server waits for it to reconnect). */
  extensionHosts(): number[];
  /**
   * Ends the extension hosts of closed windows, and what they started. The server keeps a closed
   * window's host for its reconnection grace time (5 min once another window connects; VS Code
   * desktop ends it with the window): a run of windows would otherwise start each on a machine busy
   * with the ones before. Resolves when they are gone.
   */
  endExtensionHosts(): Promise<void>;
  /** Kills the server's whole process group (extension hosts, pty host, watchers), then removes its temp dirs. Idempotent. */
  stop(): Promise<void>;
}

export interface WorkbenchUrlOptions {
  /** Absolute path of the folder to open. Omitted (and no `workspace`): an empty window. */
  folder?: string;
  /** Absolute path of a `.code-workspace` file to open instead (a multi-root workspace). */
  workspace?: string;
  /** Absolute path of an extension under development (a folder with package.json). */
  extensionDevelopmentPath?: string;
  /** Absolute path of the compiled suite module (exports `run()`). */
  extensionTestsPath?: string;
  /** More payload entries, e.g. `[['skipReleaseNotes', 'true']]`. */
  payload?: Array<[string, string]>;
}

/** The repository root: the nearest folder above this file whose package.json is this extension's. */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'image-promotion') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No image-promotion package.json above ${from}`);
    dir = parent;
  }
}

export function defaultPrefix(): string {
  return join(repoRoot(), '.vscode-test', 'code-server');
}

/** Path of VS Code's server entry inside a code-server install. */
export function serverMainPath(prefix: string = defaultPrefix()): string {
  return join(prefix, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
}

/** Throws with the command to run when code-server is missing or is not the expected version. */
export function assertInstalled(prefix: string = defaultPrefix()): void {
  const main = serverMainPath(prefix);
  const manifest = join(prefix, 'node_modules', 'code-server', 'package.json');
  if (!existsSync(main) || !existsSync(manifest)) {
    throw new Error(`code-server is not installed in ${prefix}. Run: node test/vscode-host/install-code-server.mjs`);
  }
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
  if (version !== CODE_SERVER_VERSION) {
    throw new Error(`code-server ${version} in ${prefix}, expected ${CODE_SERVER_VERSION}. Run: node test/vscode-host/install-code-server.mjs`);
  }
}

export { freePort };

/** Settings that keep a test window quiet and deterministic. */
export const QUIET_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'github.gitAuthentication': false,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': true,
  'workbench.colorTheme': 'Default Light Modern',
};

export function trustSettings(trust: TrustMode): Record<string, unknown> {
  switch (trust) {
    case 'trusted':
      return { 'security.workspace.trust.enabled': false };
    case 'untrusted':
      return {
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.emptyWindow': false,
      };
    case 'prompt':
      return {
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'always',
        'security.workspace.trust.emptyWindow': false,
      };
  }
}

/**
 * What a Docker client of the test harness's services needs (DOCKER_HOST, DOCKER_CONFIG, PATH with the
 * credential helper first), read from the IMGPROMO_TEST_* variables test/run-all.mjs sets; {} when they are not set.
 * The runners and Workbench.open put this under their own `env`, so the extension under test talks to the
 * harness's engine and registries, never the user's.
 */
export function harnessClientEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  if (source.IMGPROMO_TEST_DOCKER_HOST) env.DOCKER_HOST = source.IMGPROMO_TEST_DOCKER_HOST;
  if (source.IMGPROMO_TEST_DOCKER_CONFIG) env.DOCKER_CONFIG = source.IMGPROMO_TEST_DOCKER_CONFIG;
  if (source.IMGPROMO_TEST_CRED_BIN) env.PATH = [source.IMGPROMO_TEST_CRED_BIN, source.PATH ?? ''].filter(Boolean).join(delimiter);
  return env;
}

/** Environment for the server: ours merged over process.env, minus what would make it think it runs inside another VS Code. */
function serverEnv(extra: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === 'ELECTRON_RUN_AS_NODE' || key.startsWith('VSCODE_')) delete env[key];
  }
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the runner dies without calling stop(): no orphaned servers.
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  for (const pid of descendants(child.pid)) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // group gone already
  }
}

/** Every descendant pid of `root` (Linux /proc), so children that left the process group are found too. */
function descendants(root: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const prefix = options.prefix ?? defaultPrefix();
  assertInstalled(prefix);
  const trust = options.trust ?? 'trusted';
  const port = options.port ?? (await freePort());
  const authority = `127.0.0.1:${port}`;

  const root = mkdtempSync(join(tmpdir(), 'imgpromo-vscode-'));
  const dirs = {
    root,
    serverData: join(root, 'server-data'),
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
  };
  for (const dir of [dirs.serverData, dirs.userData, dirs.extensions]) mkdirSync(dir, { recursive: true });
  // The web workbench of this build keeps user settings on the server, in <user-data-dir>/User.
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_USER_SETTINGS, ...trustSettings(trust), ...options.userSettings }, null, 2),
  );

  const args = [
    serverMainPath(prefix),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--disable-telemetry',
    // The extension host gets exactly this process's environment, not one re-read from a login shell.
    '--force-disable-user-env',
    '--server-data-dir',
    dirs.serverData,
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    ...(options.extraArgs ?? []),
  ];
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: serverEnv(options.env),
    detached: true, // its own process group, so stop() takes the extension hosts with it
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  installExitHook();

  let output = '';
  const exited = new Promise<number | null>((resolveExit) => {
    child.on('exit', (code) => {
      live.delete(child);
      resolveExit(code);
    });
    child.on('error', () => {
      live.delete(child);
      resolveExit(null);
    });
  });
  const onLine = options.log ?? (() => undefined);
  const ready = new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`code-server did not report "Extension host agent listening" within ${options.startTimeoutMs ?? 60_000} ms.\n${output}`)),
      options.startTimeoutMs ?? 60_000,
    );
    const feed = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        output += chunk;
        partial += chunk;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() !== '') onLine(line);
          if (line.includes('Extension host agent listening on')) {
            clearTimeout(timer);
            resolveReady();
          }
        }
      });
    };
    if (child.stdout) feed(child.stdout);
    if (child.stderr) feed(child.stderr);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (code ${code}) before it was ready.\n${output}`));
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, 'SIGTERM');
        const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') killGroup(child, 'SIGKILL');
        await exited;
      }
      // Children that outlived the server (still in its process group).
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // none left
        }
      }
      if (!options.keepDirs) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    })();
    return stopping;
  };

  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  const startMs = Date.now() - started;

  const remoteUri = (path: string): string => `vscode-remote://${authority}${resolve(path)}`;
  return {
    authority,
    origin: `http://${authority}`,
    port,
    pid: child.pid as number,
    trust,
    startMs,
    dirs,
    remoteUri,
    workbenchUrl(url: WorkbenchUrlOptions = {}): string {
      const params = new URLSearchParams();
      if (url.workspace) params.set('workspace', resolve(url.workspace));
      else if (url.folder) params.set('folder', resolve(url.folder));
      else params.set('ew', 'true');
      const payload: Array<[string, string]> = [];
      if (url.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remoteUri(url.extensionDevelopmentPath)]);
      if (url.extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(url.extensionTestsPath)]);
      payload.push(['skipWelcome', 'true'], ['skipReleaseNotes', 'true'], ...(url.payload ?? []));
      params.set('payload', JSON.stringify(payload));
      return `http://${authority}/?${params.toString()}`;
    },
    output: () => output,
    exited,
    extensionHosts: () => extensionHostsOf(child.pid as number),
    endExtensionHosts: async () => {
      const hosts = extensionHostsOf(child.pid as number);
      const all = hosts.flatMap((pid) => [pid, ...descendants(pid)]);
      for (const pid of all) sendSignal(pid, 'SIGTERM');
      const deadline = Date.now() + 5_000;
      while (all.some(alive) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      for (const pid of all.filter(alive)) sendSignal(pid, 'SIGKILL');
    },
    stop,
  };
}

/** The server's descendants running `--type=extensionHost`. */
function extensionHostsOf(serverPid: number): number[] {
  return descendants(serverPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=extensionHost');
    } catch {
      return false;
    }
  });
}

function alive(pid: number): boolean {
  try {
    // A zombie (exited, not yet reaped by the server) is gone for this purpose.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function sendSignal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}
