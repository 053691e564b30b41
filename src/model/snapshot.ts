// One look at the registry: each environment's digest and the builds that can be promoted.
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import type { ImageDetails } from '../images/imageDetails';
import type { Repository } from '../core/reference';
import type { RegistryClient } from '../registry/registryClient';
import { mapLimit } from './mapLimit';
import type { HistoryContents } from '../history/historyStore';
import { firstArrivals, isDrift } from '../history/queries';
import { disagreement } from '../history/teamHistory';
import { ageLookup, relationOf, type AgeOf, type Relation } from './relations';

export type Lookup =
  | { readonly state: 'present'; readonly digest: string; readonly mediaType: string }
  | { readonly state: 'absent' }
  | { readonly state: 'error'; readonly error: PromotionError };

export type { Relation } from './relations';

export interface EnvironmentRow {
  readonly env: EnvironmentConfig;
  readonly index: number;
  readonly lookup: Lookup;
  readonly relation: Relation;
  /** Its digest did not arrive by a recorded promotion and is not what the environment before holds. */
  readonly drift?: boolean;
  readonly previous?: EnvironmentConfig;
  readonly next?: EnvironmentConfig;
}

export interface BuildRow {
  readonly tag: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly created?: string;
  /** Names of the environments that hold this digest now. */
  readonly heldBy: readonly string[];
}

export type BuildsResult =
  | { readonly state: 'ok'; readonly rows: readonly BuildRow[]; /** tags matching the pattern */ readonly matching: number; readonly scanned: number }
  | { readonly state: 'error'; readonly error: PromotionError };

export type EngineStatus =
  | { readonly state: 'ok'; readonly address: string }
  | { readonly state: 'error'; readonly address: string; readonly error: PromotionError };

export interface Snapshot {
  readonly environments: readonly EnvironmentRow[];
  readonly builds: BuildsResult;
  /** The promotion history as read with this snapshot (undefined: none is kept). */
  readonly history?: HistoryContents;
  /** Present when the snapshot checked the engine promotions go through. */
  readonly engine?: EngineStatus;
  readonly takenAt: number;
  readonly durationMs: number;
}

export interface SnapshotServices {
  readonly registry: RegistryClient;
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  readonly log: Logger;
  /** Builds scanned at most per refresh (newest-first needs each one's creation time). */
  readonly maxScannedBuilds?: number;
  readonly concurrency?: number;
  readonly checkEngine?: (signal?: AbortSignal) => Promise<EngineStatus>;
  readonly readHistory?: () => Promise<HistoryContents | undefined>;
  /** Adds the registry's promotion records of the digests the environments hold (teamHistory.ts). */
  readonly withRecords?: (history: HistoryContents | undefined, environments: readonly { env: EnvironmentConfig; digest?: string | null }[], signal?: AbortSignal) => Promise<HistoryContents | undefined>;
}

const DEFAULT_MAX_SCANNED = 200;
const DEFAULT_CONCURRENCY = 16;

export async function takeSnapshot(config: PromotionConfig, services: SnapshotServices, signal?: AbortSignal): Promise<Snapshot> {
  const started = Date.now();
  const [lookups, builds, engine, fileHistory] = await Promise.all([
    Promise.all(config.environments.map((env) => lookupEnvironment(services.registry, env, signal))),
    listBuilds(config, services, signal),
    services.checkEngine?.(signal),
    services.readHistory?.().catch((error: Error) => {
      services.log.warn(`the promotion history could not be read: ${error.message}`);
      return undefined;
    }),
  ]);
  // After the lookups: the registry's records hang on the digests the tags hold now.
  const held = config.environments.map((env, i) => ({ env, digest: digestOf(lookups[i]!) }));
  const history = services.withRecords ? await services.withRecords(fileHistory, held, signal) : fileHistory;
  const buildDigests = new Set(builds.state === 'ok' ? builds.rows.map((b) => b.digest) : []);
  const ageOf = ageLookup(builds.state === 'ok' ? builds.rows : [], firstArrivals(history?.records ?? []));
  const environments = config.environments.map((env, index): EnvironmentRow => {
    const previous = config.environments[index - 1];
    const next = config.environments[index + 1];
    return {
      env,
      index,
      lookup: lookups[index]!,
      relation: relationTo(lookups[index]!, index > 0 ? lookups[index - 1] : undefined, ageOf),
      ...(driftOf(env, lookups[index]!, index > 0 ? lookups[index - 1] : undefined, history, buildDigests) ? { drift: true } : {}),
      ...(previous ? { previous } : {}),
      ...(next ? { next } : {}),
    };
  });
  const holders = heldBy(environments);
  const withHolders: BuildsResult =
    builds.state === 'ok' ? { ...builds, rows: builds.rows.map((row) => ({ ...row, heldBy: holders.get(row.digest) ?? [] })) } : builds;
  return { environments, builds: withHolders, ...(engine ? { engine } : {}), ...(history ? { history } : {}), takenAt: started, durationMs: Date.now() - started };
}

export async function lookupEnvironment(registry: RegistryClient, env: EnvironmentConfig, signal?: AbortSignal): Promise<Lookup> {
  try {
    const found = await registry.resolve(env.repository, env.tag, signal);
    return found ? { state: 'present', digest: found.digest, mediaType: found.mediaType } : { state: 'absent' };
  } catch (error) {
    return { state: 'error', error: asPromotionError(error) };
  }
}

/**
 * Drift is judged only where a history is kept (else every environment would be "changed outside
 * promotion" on the day the tool is adopted). The first environment has no environment before it;
 * a build's own digest arriving there (CI pushing :dev) is not drift either.
 */
function driftOf(env: EnvironmentConfig, current: Lookup, previous: Lookup | undefined, history: HistoryContents | undefined, buildDigests: ReadonlySet<string>): boolean {
  if (!history?.records.length || current.state !== 'present') return false;
  if (!previous && buildDigests.has(current.digest)) return false;
  const previousDigest = previous?.state === 'present' ? previous.digest : null;
  if (isDrift(env.name, current.digest, previousDigest, history.records)) return true;
  // The last recorded move left another digest there: the tag moved outside promotion since.
  return current.digest !== previousDigest && disagreement(history.records, env.name, current.digest) !== undefined;
}

function digestOf(lookup: Lookup): string | null | undefined {
  return lookup.state === 'present' ? lookup.digest : lookup.state === 'absent' ? null : undefined;
}

export function relationTo(current: Lookup, previous: Lookup | undefined, ageOf?: AgeOf): Relation {
  return relationOf(current, previous, ageOf);
}

async function listBuilds(config: PromotionConfig, services: SnapshotServices, signal?: AbortSignal): Promise<BuildsResult> {
  try {
    const tags = (await services.registry.listTags(config.repository, signal)).filter((t) => config.builds.tagPattern.test(t));
    const scanned = tags.slice(0, services.maxScannedBuilds ?? DEFAULT_MAX_SCANNED);
    const concurrency = services.concurrency ?? DEFAULT_CONCURRENCY;
    const resolved = await mapLimit(scanned, concurrency, async (tag) => {
      const descriptor = await services.registry.resolve(config.repository, tag, signal);
      if (!descriptor) return undefined; // deleted between the listing and the lookup
      const details = await services.describe(config.repository, descriptor.digest, signal).catch((error: Error) => {
        services.log.debug(`no details for ${tag}: ${error.message}`);
        return undefined;
      });
      return { tag, digest: descriptor.digest, mediaType: descriptor.mediaType, ...(details?.created ? { created: details.created } : {}), heldBy: [] };
    });
    const rows = resolved.filter((r): r is NonNullable<typeof r> => !!r).sort(newestFirst).slice(0, config.builds.limit);
    return { state: 'ok', rows, matching: tags.length, scanned: scanned.length };
  } catch (error) {
    return { state: 'error', error: asPromotionError(error) };
  }
}

function newestFirst(a: BuildRow, b: BuildRow): number {
  const ta = a.created ? Date.parse(a.created) : NaN;
  const tb = b.created ? Date.parse(b.created) : NaN;
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return tb - ta;
  if (Number.isFinite(ta) !== Number.isFinite(tb)) return Number.isFinite(ta) ? -1 : 1;
  return a.tag.localeCompare(b.tag);
}

function heldBy(rows: readonly EnvironmentRow[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const row of rows) {
    if (row.lookup.state !== 'present') continue;
    map.set(row.lookup.digest, [...(map.get(row.lookup.digest) ?? []), row.env.name]);
  }
  return map;
}

function asPromotionError(error: unknown): PromotionError {
  return error instanceof PromotionError ? error : new PromotionError('internal', error instanceof Error ? error.message : String(error), undefined, { cause: error });
}
