// A RegistryClient that counts what passes through it, so that a refresh can say (and tests can
// check) how many requests it cost and how many of them waited for another. Everything is forwarded
// unchanged; a Proxy, so that operations added to the interface later pass through too.
import type { RegistryClient } from '../registry/registryClient';

export interface RequestCounts {
  /** Manifest HEADs (environment and build tags). */
  heads: number;
  /** Manifest GETs: on Docker Hub these count against the pull limit. */
  manifestGets: number;
  /** Blob GETs (image configs, records' statements). */
  blobGets: number;
  /** Tag listings (each follows its pages itself: ~1 request per 1,000 tags). */
  tagLists: number;
  /** Referrers listings (records of a digest): the referrers API, or the `sha256-<hex>` index of a registry without it. */
  referrerLists: number;
  /** Sequential round trips: one starts when a call begins while none is in flight (calls side by side count once). */
  roundTrips: number;
}

const COUNTED: Readonly<Record<string, Exclude<keyof RequestCounts, 'roundTrips'>>> = {
  resolve: 'heads',
  getManifest: 'manifestGets',
  getBlob: 'blobGets',
  openBlob: 'blobGets',
  listTags: 'tagLists',
  listReferrers: 'referrerLists',
};

export function countingRegistry(inner: RegistryClient): { readonly registry: RegistryClient; readonly counts: RequestCounts } {
  const counts: RequestCounts = { heads: 0, manifestGets: 0, blobGets: 0, tagLists: 0, referrerLists: 0, roundTrips: 0 };
  let inFlight = 0;
  const registry = new Proxy(inner, {
    get(target, property, receiver): unknown {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const kind = typeof property === 'string' ? COUNTED[property] : undefined;
      return (...args: unknown[]): unknown => {
        if (kind === 'manifestGets' && typeof args[1] === 'string' && args[1].startsWith('sha256-')) counts.referrerLists++;
        else if (kind) counts[kind]++;
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        if (inFlight++ === 0) counts.roundTrips++;
        return result.finally(() => inFlight--);
      };
    },
  });
  return { registry, counts };
}

export function describeCounts(c: RequestCounts): string {
  const referrers = c.referrerLists ? `, ${c.referrerLists} referrers listing` : '';
  return `${c.heads} manifest HEAD, ${c.manifestGets} manifest GET, ${c.blobGets} blob GET, ${c.tagLists} tag listing${referrers}; ${c.roundTrips} round trip${c.roundTrips === 1 ? '' : 's'}`;
}
