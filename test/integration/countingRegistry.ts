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
}

export function countingRegistry(inner: RegistryClient, hooks: { afterWrite?: (repo: string, reference: string) => Promise<void> } = {}): RegistryCalls {
  const calls: string[] = [];
  let inFlight = 0;
  let trips = 0;
  const registry = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const repo = args[0] as { path: string } | undefined;
        calls.push(`${String(name)} ${repo?.path ?? ''} ${typeof args[1] === 'string' ? args[1] : ''}`.trim());
        if (inFlight === 0) trips++;
        inFlight++;
        try {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if ((name === 'writeManifest' || name === 'putManifest') && hooks.afterWrite) await hooks.afterWrite(repo!.path, args[1] as string);
          return result;
        } finally {
          inFlight--;
        }
      };
    },
  });
  return {
    registry,
    calls,
    roundTrips: () => trips,
    reset: () => {
      calls.length = 0;
      trips = 0;
    },
  };
}
