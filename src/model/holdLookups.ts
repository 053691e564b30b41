// The holds a refresh shows. The tag list the refresh fetches anyway (the builds) tells whether an
// environment of that repository has a hold tag at all: when it has none, no request is made. Only an
// environment in another repository costs a HEAD, beside its own lookup (never after it).
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { PromotionError, errorMessage } from '../core/errors';
import { repositoryName, type Repository } from '../core/reference';
import { holdTag, isHeld, type HoldDocument } from '../records/holds';
import type { RegistryClient } from '../registry/registryClient';

export type HoldLookup =
  { readonly state: 'none' } | { readonly state: 'held'; readonly hold: HoldDocument } | { readonly state: 'error'; readonly error: PromotionError };

export type ReadHold = (env: EnvironmentConfig, signal?: AbortSignal) => Promise<HoldDocument | undefined>;

/** A registry whose listTags of `repo` is one request shared by every caller of this snapshot. */
export function sharingTagList(registry: RegistryClient, repo: Repository, signal?: AbortSignal): { registry: RegistryClient; tags: Promise<string[]> } {
  const tags = registry.listTags(repo, signal);
  tags.catch(() => undefined); // the builds list reports the failure
  const key = repositoryName(repo);
  const shared = new Proxy(registry, {
    get(target, property, receiver): unknown {
      if (property === 'listTags') return (r: Repository, s?: AbortSignal): Promise<string[]> => (repositoryName(r) === key ? tags : target.listTags(r, s));
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { registry: shared, tags };
}

export async function lookupHolds(config: PromotionConfig, read: ReadHold, listed: Promise<string[]>, signal?: AbortSignal): Promise<HoldLookup[]> {
  const builds = repositoryName(config.repository);
  const known = listed.then(
    (tags) => new Set(tags),
    () => undefined,
  );
  return Promise.all(
    config.environments.map(async (env): Promise<HoldLookup> => {
      try {
        if (repositoryName(env.repository) === builds) {
          const tags = await known;
          if (tags && !tags.has(holdTag(env))) return { state: 'none' };
        }
        const hold = await read(env, signal);
        return isHeld(hold) ? { state: 'held', hold } : { state: 'none' };
      } catch (error) {
        return { state: 'error', error: error instanceof PromotionError ? error : new PromotionError('internal', errorMessage(error)) };
      }
    }),
  );
}
