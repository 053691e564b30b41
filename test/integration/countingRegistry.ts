// Counts what a promotion asks of the registry: every request by method, and sequential round
// trips — a round trip starts when a request begins while none is in flight, so requests sent side
// by side count once. Wraps the real client; answers are the real registry's.
import type { RegistryClient } from '../../src/registry/registryClient';

export interface RegistryCalls {
  readonly registry: RegistryClient;
  /** `getManifest t/abc/app sha256-….sig`, in the order they were made. */
  readonly calls: string[];
  roundTrips(): number;
  reset(): void;
  /** Counts another wait (an engine push) in the same round trips: what runs beside it counts once. */
  beside<T>(what: string, run: () => Promise<T>): Promise<T>;
}

export function countingRegistry(
  inner: RegistryClient,
  hooks: {
    afterWrite?: (repo: string, reference: string) => Promise<void>;
    /**
     * Each answer comes this much later, as from a registry far away (the request itself reaches it at
     * once, as the engine's own requests do): what is sent side by side then overlaps.
     */
    latencyMs?: number;
  } = {},
): RegistryCalls {
  const calls: string[] = [];
  let inFlight = 0;
  let trips = 0;
  const counted = async <T>(call: string, run: () => Promise<T>): Promise<T> => {
    calls.push(call);
    if (inFlight === 0) trips++;
    inFlight++;
    try {
      return await run();
    } finally {
      inFlight--;
    }
  };
  const registry = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const repo = args[0] as { path: string } | undefined;
        return counted(`${String(name)} ${repo?.path ?? ''} ${typeof args[1] === 'string' ? args[1] : ''}`.trim(), async () => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (hooks.latencyMs) await new Promise((r) => setTimeout(r, hooks.latencyMs));
          if ((name === 'writeManifest' || name === 'putManifest') && hooks.afterWrite) await hooks.afterWrite(repo!.path, args[1] as string);
          return result;
        });
      };
    },
  });
  return {
    registry,
    calls,
    roundTrips: () => trips,
    beside: counted,
    reset: () => {
      calls.length = 0;
      trips = 0;
    },
  };
}
