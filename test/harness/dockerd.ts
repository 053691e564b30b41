// A private, throwaway Docker engine (Debian's dockerd) for tests: its own data root, exec root,
// pidfile, daemon.json and socket in a temp dir; no iptables, no bridge. Never the user's engine.
import { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerResource } from './cleanup';
import { enginePing } from './engine';
import { delay, exited, serviceEnv, spawnService, tailOf, terminate, terminateSync } from './processes';
import { makeTempDir, recordChildren, removeTree, removeTreeSync } from './tempdirs';

export interface DockerdOptions {
  /** dockerd --log-level (default 'info'; the log stays in the temp dir until stop). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for `/_ping` (default 60 s). */
  startTimeoutMs?: number;
  /** Extra dockerd flags, e.g. ['--insecure-registry', 'myhost:5000']. */
  extraArgs?: string[];
  /** The dockerd binary (default 'dockerd' on PATH). */
  binary?: string;
}

export interface Dockerd {
  /** DOCKER_HOST value: unix://<dir>/docker.sock */
  host: string;
  socketPath: string;
  /** --data-root (vfs layers live here). */
  dataRoot: string;
  /** The temp dir holding everything of this engine. */
  dir: string;
  pid: number;
  logFile: string;
  /** Last lines of the daemon's log. */
  logTail(lines?: number): string;
  /** SIGTERM, wait for the exit, then remove the temp dir (also unmounting the data root). Idempotent. */
  stop(): Promise<void>;
}

const UNIX_PATH_MAX = 107;

/** Starts dockerd and resolves once `GET /_ping` answers OK over its socket. */
export async function startDockerd(opts: DockerdOptions = {}): Promise<Dockerd> {
  const started = Date.now();
  const dir = makeTempDir('dockerd');
  const dataRoot = join(dir, 'data');
  const execRoot = join(dir, 'exec');
  const socketPath = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  const configFile = join(dir, 'daemon.json');
  // The supervised containerd puts its sockets under the exec root; unix socket paths are short.
  const longest = join(execRoot, 'containerd', 'containerd.sock.ttrpc');
  if (longest.length > UNIX_PATH_MAX) {
    removeTreeSync(dir);
    throw new Error(`temp dir path too long for dockerd's sockets (${longest}); set TMPDIR to a shorter directory`);
  }
  // Our own (empty) daemon.json, so a machine-wide /etc/docker/daemon.json never applies.
  writeFileSync(configFile, '{}\n');
  const args = [
    '--data-root',
    dataRoot,
    '--exec-root',
    execRoot,
    '--pidfile',
    join(dir, 'dockerd.pid'),
    '--config-file',
    configFile,
    '-H',
    `unix://${socketPath}`,
    '--storage-driver',
    'vfs',
    '--iptables=false',
    '--ip-masq=false',
    '--bridge=none',
    '--ip-forward=false',
    '--userland-proxy=false',
    '--log-level',
    opts.logLevel ?? 'info',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawnService(opts.binary ?? 'dockerd', args, logFile, serviceEnv());
  const pid = child.pid;
  if (pid === undefined) {
    await exited(child);
    removeTreeSync(dir);
    throw new Error(`could not start dockerd (is Debian's docker.io installed?)`);
  }
  recordChildren(dir, [pid]);

  let stopped: Promise<void> | undefined;
  const unregister = registerResource(
    `dockerd ${socketPath}`,
    () => stop(),
    () => {
      terminateSync(pid, 20000);
      removeTreeSync(dir);
    },
  );
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await terminate(child, 20000);
      await removeTree(dir);
      unregister();
    })();
    return stopped;
  };

  const host = `unix://${socketPath}`;
  try {
    await waitForPing(host, child, logFile, opts.startTimeoutMs ?? 60000, started);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, socketPath, dataRoot, dir, pid, logFile, logTail: (n = 30) => tailOf(logFile, n), stop };
}

async function waitForPing(host: string, child: ChildProcess, logFile: string, timeoutMs: number, started: number): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}) before answering /_ping:\n${tailOf(logFile)}`);
    }
    if (await enginePing(host, 1000)) return;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`dockerd did not answer /_ping within ${timeoutMs} ms:\n${tailOf(logFile)}`);
    }
    await delay(100);
  }
}

export type UnreachableKind = 'unix-missing' | 'unix-refused' | 'tcp-refused';

export interface UnreachableEngine {
  /** DOCKER_HOST value nobody answers on. */
  host: string;
  dispose(): Promise<void>;
}

/**
 * An engine address that is DOWN, for "engine unreachable" tests:
 * - 'unix-missing' (default): unix://<tmp>/docker.sock where no file exists (ENOENT);
 * - 'unix-refused': a socket file exists but nobody listens (ECONNREFUSED);
 * - 'tcp-refused': tcp://127.0.0.1:<port> with nothing listening (ECONNREFUSED).
 */
export async function unreachableEngine(kind: UnreachableKind = 'unix-missing'): Promise<UnreachableEngine> {
  if (kind === 'tcp-refused') {
    const { freePort } = await import('./ports');
    return { host: `tcp://127.0.0.1:${await freePort()}`, dispose: async () => undefined };
  }
  const dir = makeTempDir('down');
  const socketPath = join(dir, 'docker.sock');
  if (kind === 'unix-refused') await makeDeadSocket(socketPath);
  const unregister = registerResource(
    `unreachable engine ${socketPath}`,
    async () => removeTree(dir),
    () => removeTreeSync(dir),
  );
  return {
    host: `unix://${socketPath}`,
    dispose: async () => {
      await removeTree(dir);
      unregister();
    },
  };
}

/** Leaves a unix socket file behind that no process listens on. */
async function makeDeadSocket(socketPath: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  // A child binds the socket and is killed: the file stays, nobody listens.
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.stdout.write('up'))`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', () => reject(new Error('could not create a dead socket')));
  });
  child.kill('SIGKILL');
  await exited(child);
  if (!existsSync(socketPath)) throw new Error('dead socket file vanished');
}
