// A RegistryClient that counts what passes through it, so that a refresh can say (and tests can
// check) how many requests it cost. Everything is forwarded unchanged; a Proxy, so that operations
// added to the interface later pass through too.
import type { RegistryClient } from '../registry/registryClient';

export interface RequestCounts {
  /** Manifest HEADs (environment and build tags). */
  heads: number;
  /** Manifest GETs: on Docker Hub these count against the pull limit. */
  manifestGets: number;
  /** Blob GETs (image configs). */
  blobGets: number;
  /** Tag listings (each follows its pages itself: ~1 request per 1,000 tags). */
  tagLists: number;
}

const COUNTED: Readonly<Record<string, keyof RequestCounts>> = { resolve: 'heads', getManifest: 'manifestGets', getBlob: 'blobGets', listTags: 'tagLists' };

export function countingRegistry(inner: RegistryClient): { readonly registry: RegistryClient; readonly counts: RequestCounts } {
  const counts: RequestCounts = { heads: 0, manifestGets: 0, blobGets: 0, tagLists: 0 };
  const registry = new Proxy(inner, {
    get(target, property, receiver): unknown {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const kind = typeof property === 'string' ? COUNTED[property] : undefined;
      return (...args: unknown[]): unknown => {
        if (kind) counts[kind]++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { registry, counts };
}

export function describeCounts(c: RequestCounts): string {
  return `${c.heads} manifest HEAD, ${c.manifestGets} manifest GET, ${c.blobGets} config GET, ${c.tagLists} tag listing`;
}
