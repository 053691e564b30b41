// The Builds view's list for any number of tags, with a bounded number of requests per refresh:
//   1. list the tags (one request per 1,000) and order them with what is known without a request
//      (git history, the tags' names, creation times in the details cache: src/builds/buildOrder.ts);
//   2. learn the place of a bounded number of still unplaced tags (HEAD for the digest, then one
//      description per new digest), so that every refresh knows more until all are placed;
//   3. the shown rows: each digest from the tag cache (a build tag does not move) or a HEAD, and
//      their details (creation time) from the cache or one description each.
// Rows are reported as soon as their digests are known, before their details are.
import { orderBuilds, type BuildOrder, type OrderPolicy } from '../builds/buildOrder';
import type { GitHistory } from '../builds/gitHistory';
import type { PromotionConfig } from '../config/types';
import { PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import type { Repository } from '../core/reference';
import type { ImageDetails } from '../images/imageDetails';
import type { DetailsStore, TagDigest } from '../images/detailsStore';
import type { RegistryClient } from '../registry/registryClient';
import { mapLimit } from './mapLimit';
import type { ComponentDigest } from './releaseState';

export interface BuildRow {
  readonly tag: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly created?: string;
  /** Names of the environments that hold this digest now (a release: this build's release). */
  readonly heldBy: readonly string[];
  /** A release: each image's digest of this tag (null where the tag is missing; releaseState.ts). */
  readonly components?: readonly ComponentDigest[];
  /** A release: the images that lack this tag. An incomplete build: listed, never promoted. */
  readonly missing?: readonly string[];
}

export type BuildsResult =
  | {
      readonly state: 'ok';
      readonly rows: readonly BuildRow[];
      /** tags matching the pattern */
      readonly matching: number;
      /** matching tags whose place in the order is known */
      readonly scanned: number;
      /** how "newest" was decided */
      readonly order?: OrderPolicy;
      /** false while the list is still being made (a progressive snapshot) */
      readonly complete?: boolean;
    }
  | { readonly state: 'error'; readonly error: PromotionError };

export interface BuildsServices {
  /** Counted, for the log. */
  readonly registry: RegistryClient;
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  /** Details known without a request. */
  readonly peek?: (digest: string) => ImageDetails | undefined;
  readonly store?: DetailsStore;
  readonly gitHistory?: () => Promise<GitHistory | undefined>;
  readonly log: Logger;
  /** Unplaced tags looked up (HEAD) at most per refresh. */
  readonly headBudget?: number;
  /** New digests described (manifest + config GET) at most per refresh to place tags. */
  readonly describeBudget?: number;
  readonly concurrency?: number;
}

export const DEFAULT_HEAD_BUDGET = 200;
export const DEFAULT_DESCRIBE_BUDGET = 25;
const DEFAULT_CONCURRENCY = 16;

export async function listBuilds(
  config: PromotionConfig,
  s: BuildsServices,
  signal?: AbortSignal,
  onRows?: (partial: BuildsResult) => void,
): Promise<BuildsResult> {
  try {
    const repo = config.repository;
    const repoKey = `${repo.registry}/${repo.path}`;
    const [listed, git] = await Promise.all([s.registry.listTags(repo, signal), s.gitHistory?.().catch(() => undefined), s.store?.load()]);
    const tags = listed.filter((t) => config.builds.tagPattern.test(t));
    s.store?.keepTags(repoKey, new Set(listed));
    const digests = new Map<string, TagDigest>();
    for (const tag of tags) {
      const known = s.store?.getTag(repoKey, tag);
      if (known) digests.set(tag, known);
    }
    const details = new Map<string, ImageDetails>();
    const detailsOf = (digest: string): ImageDetails | undefined => details.get(digest) ?? s.peek?.(digest);
    const createdOf = (tag: string): number | undefined => {
      const digest = digests.get(tag)?.digest;
      const created = digest ? detailsOf(digest)?.created : undefined;
      return created ? Date.parse(created) : undefined;
    };
    const concurrency = s.concurrency ?? DEFAULT_CONCURRENCY;
    const remember = (tag: string, found: TagDigest): void => {
      digests.set(tag, found);
      s.store?.putTag(repoKey, tag, found);
    };
    const lookUp = async (tag: string): Promise<void> => {
      const found = await s.registry.resolve(repo, tag, signal);
      if (found) remember(tag, { digest: found.digest, mediaType: found.mediaType });
      else gone.add(tag); // deleted between the listing and the lookup
    };
    const gone = new Set<string>();
    const describe = async (digest: string): Promise<void> => {
      const found = await s.describe(repo, digest, signal).catch((error: Error) => {
        s.log.debug(`no details for ${digest}: ${error.message}`);
        return undefined;
      });
      if (found) details.set(digest, found);
    };

    let order = orderBuilds(tags, { ...(git ? { git } : {}), createdOf });
    const rowsOf = (o: BuildOrder, complete: boolean): BuildsResult => ({
      state: 'ok',
      rows: o.ordered
        .filter((tag) => !gone.has(tag))
        .slice(0, config.builds.limit)
        .flatMap((tag): BuildRow[] => {
          const d = digests.get(tag);
          if (!d) return [];
          const created = detailsOf(d.digest)?.created;
          return [{ tag, digest: d.digest, mediaType: d.mediaType, ...(created ? { created } : {}), heldBy: [] }];
        }),
      matching: tags.length - gone.size,
      scanned: o.ordered.length,
      order: o.policy,
      complete,
    });
    onRows?.(rowsOf(order, false));

    // 2. Place more of the unplaced tags, a bounded number per refresh.
    if (order.unplaced.length) {
      const toLook = order.unplaced.filter((t) => !digests.has(t)).slice(0, s.headBudget ?? DEFAULT_HEAD_BUDGET);
      await mapLimit(toLook, concurrency, lookUp);
      const newDigests = [
        ...new Set(
          order.unplaced.flatMap((t) => {
            const d = digests.get(t)?.digest;
            return d && !detailsOf(d) ? [d] : [];
          }),
        ),
      ];
      await mapLimit(newDigests.slice(0, s.describeBudget ?? DEFAULT_DESCRIBE_BUDGET), concurrency, describe);
      order = orderBuilds(tags, { ...(git ? { git } : {}), createdOf });
    }

    // 3. The shown rows: digests, then details.
    const shown = () => order.ordered.filter((tag) => !gone.has(tag)).slice(0, config.builds.limit);
    // Each pass settles every missing tag (found or gone); deleted tags make room for the next ones,
    // within the lookup budget (rows whose tags were all deleted just leave the list shorter).
    for (let lookups = 0; lookups < config.builds.limit + (s.headBudget ?? DEFAULT_HEAD_BUDGET);) {
      const missing = shown().filter((t) => !digests.has(t));
      if (!missing.length) break;
      await mapLimit(missing, concurrency, lookUp);
      lookups += missing.length;
    }
    const undescribed = [
      ...new Set(
        shown().flatMap((t) => {
          const d = digests.get(t)?.digest;
          return d && !detailsOf(d) ? [d] : [];
        }),
      ),
    ];
    if (undescribed.length) {
      onRows?.(rowsOf(order, false));
      await mapLimit(undescribed, concurrency, describe);
    }
    void s.store?.flush();
    return rowsOf(order, true);
  } catch (error) {
    return {
      state: 'error',
      error:
        error instanceof PromotionError
          ? error
          : new PromotionError('internal', error instanceof Error ? error.message : String(error), undefined, { cause: error }),
    };
  }
}
