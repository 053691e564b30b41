// Makes sure every service the harness starts is stopped and its temp dir removed, whether the
// test run ends normally, fails, throws, or is interrupted (SIGINT/SIGTERM/SIGHUP).
//
// Each resource registers an async stop (the normal path) and a sync fallback that still works in
// a process 'exit' hook. Both are idempotent; a resource unregisters itself once stopped.

interface Resource {
  name: string;
  stop: () => Promise<void>;
  stopSync: () => void;
}

const resources = new Map<number, Resource>();
let nextId = 1;
let hooked = false;
let signalsHandled = false;
let stoppingForSignal = false;
let leaveSignals = false;

const SIGNALS: Array<[NodeJS.Signals, number]> = [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
];

/** Registers a resource; returns the function that unregisters it (call it once it is stopped). */
export function registerResource(name: string, stop: () => Promise<void>, stopSync: () => void): () => void {
  installHooks();
  const id = nextId++;
  resources.set(id, { name, stop, stopSync });
  return () => {
    resources.delete(id);
  };
}

/** Stops every resource still registered (newest first). Errors are collected, not thrown one by one. */
export async function stopAllResources(): Promise<void> {
  const errors: string[] = [];
  for (const [id, resource] of [...resources.entries()].reverse()) {
    try {
      await resource.stop();
    } catch (err) {
      errors.push(`${resource.name}: ${(err as Error).message}`);
      try {
        resource.stopSync();
      } catch {
        /* best effort */
      }
    }
    resources.delete(id);
  }
  if (errors.length) throw new Error(`stopping test services failed: ${errors.join('; ')}`);
}

/** Names of resources still running (for diagnostics and self-tests). */
export function liveResources(): string[] {
  return [...resources.values()].map((r) => r.name);
}

function stopAllSync(): void {
  for (const [id, resource] of [...resources.entries()].reverse()) {
    try {
      resource.stopSync();
    } catch {
      /* best effort */
    }
    resources.delete(id);
  }
}

/**
 * For a caller that handles SIGINT/SIGTERM/SIGHUP itself (the top-level test runner: it stops the
 * services, prints its summary and exits). The process 'exit' hook stays in place either way.
 */
export function leaveSignalsToCaller(): void {
  leaveSignals = true;
  if (signalsHandled) {
    for (const [signal] of SIGNALS) process.removeListener(signal, onSignal);
    signalsHandled = false;
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (stoppingForSignal) return;
  stoppingForSignal = true;
  const number = SIGNALS.find(([s]) => s === signal)?.[1] ?? 15;
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, 30000).unref());
  void Promise.race([stopAllResources().catch(() => undefined), deadline]).finally(() => {
    process.exit(128 + number);
  });
}

function installHooks(): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', stopAllSync);
  }
  if (!leaveSignals && !signalsHandled) {
    signalsHandled = true;
    // Without these a Ctrl-C would end the process with no 'exit' event and leave daemons behind.
    for (const [signal] of SIGNALS) process.on(signal, onSignal);
  }
}
