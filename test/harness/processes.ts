// Child-process helpers shared by the service starters: spawning a service with its output in a
// log file, waiting for it to exit, and synchronous variants that work inside a process 'exit'
// hook (where the event loop no longer runs).
import { spawn, ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** Environment for a service we start: the caller's, minus what could point it at someone else's things. */
export function serviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Docker client/daemon variables, Distribution's REGISTRY_* config overrides and proxies.
    if (/^(DOCKER_|REGISTRY_|IMGPROMO_TEST_)/.test(key)) continue;
    if (/^(https?|no|all)_proxy$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Starts a long-running service in its own process group (so a Ctrl-C in the terminal reaches
 * only the test runner, which then stops the service in order), its stdout+stderr appended to
 * logFile. The child does not keep the event loop alive.
 */
export function spawnService(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], env, detached: true });
    child.unref();
    // An 'error' (e.g. ENOENT) must not become an uncaught exception; callers see it via exit.
    child.on('error', () => undefined);
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Resolves with the exit code/signal once the child has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: child.exitCode ?? -1, signal: null }));
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves true if `promise` settles within ms, false otherwise; the timer never outlives the wait. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL and wait for the exit. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  try {
    child.kill('SIGTERM');
  } catch {
    /* already gone */
  }
  if (await within(done, graceMs)) return;
  try {
    child.kill('SIGKILL');
  } catch {
    /* already gone */
  }
  await within(done, 5000);
}

/** Tail of a log file, for error messages. */
export function tailOf(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---- synchronous variants (process 'exit' hook) ----

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True while pid names a live process (a zombie counts as gone: nobody may reap it in an exit hook). */
export function isAliveSync(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Command line of pid (NUL-separated arguments joined by spaces), or '' if it is gone. */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Start time of pid in clock ticks since boot (guards against pid reuse), or undefined. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function terminateSync(pid: number, graceMs: number): void {
  if (!isAliveSync(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAliveSync(pid)) return;
    sleepSync(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  const hardDeadline = Date.now() + 3000;
  while (Date.now() < hardDeadline && isAliveSync(pid)) sleepSync(50);
}
