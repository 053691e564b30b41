// One look at the registry: each environment's digest and the builds that can be promoted.
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import type { ImageDetails, ImageDetailsCache } from '../images/imageDetails';
import { repositoryName, type Repository } from '../core/reference';
import type { RegistryClient } from '../registry/registryClient';
import type { GitHistory } from '../builds/gitHistory';
import { listBuilds, type BuildsResult } from './buildsList';
import { countingRegistry, describeCounts, type RequestCounts } from './countingRegistry';
import type { HistoryContents } from '../history/historyStore';
import { firstArrivals, isDrift } from '../history/queries';
import { disagreement } from '../history/teamHistory';
import type { RecordsRead, RefreshRecordsContext } from '../records/refreshRecords';
import type { LastRows, RememberedRows } from './lastRows';
import {
  lookupHolds,
  lookupPendingApprovals,
  type HoldLookup,
  type LoadApproverKeys,
  type PendingApprovals,
  type ReadApprovals,
  type ReadHold,
} from './holdLookups';
import { ageLookup, relationOf, type AgeOf, type Relation } from './relations';
import type { Running } from '../runtime/running';
import { lookupComponents, releaseRelation, releaseStateOf, withComponentDigests, type ComponentLookup, type ReleaseState } from './releaseState';

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
  /** Its hold, as the registry had it at this refresh (absent: not read yet, a partial snapshot). */
  readonly hold?: HoldLookup;
  /** Its approval gates counted for what the environment before holds (absent: nothing pending, or no such gates). */
  readonly approvals?: PendingApprovals;
  readonly previous?: EnvironmentConfig;
  readonly next?: EnvironmentConfig;
  /** What its workload runs (runs:), read beside the tag; absent without runs. */
  readonly running?: Running;
  /** A release (`images:`): each image's tag (the row's `lookup` is the first's) and what they hold together. */
  readonly components?: readonly ComponentLookup<Lookup>[];
  readonly release?: ReleaseState;
}

export type { BuildRow, BuildsResult } from './buildsList';

export type EngineStatus =
  { readonly state: 'ok'; readonly address: string } | { readonly state: 'error'; readonly address: string; readonly error: PromotionError };

export interface Snapshot {
  readonly environments: readonly EnvironmentRow[];
  readonly builds: BuildsResult;
  /** The promotion history as read with this snapshot (undefined: none is kept). */
  readonly history?: HistoryContents;
  /** Present when the snapshot checked the engine promotions go through. */
  readonly engine?: EngineStatus;
  readonly takenAt: number;
  readonly durationMs: number;
  /** What this snapshot asked the registry (environments and builds). */
  readonly requests?: Readonly<RequestCounts>;
  /** The rows an earlier refresh (an earlier session) showed, drawn until this session's first refresh answers (lastRows.ts). */
  readonly remembered?: boolean;
  /** The environments are this refresh's; the builds are still the remembered ones, until this refresh's arrive. */
  readonly buildsRemembered?: boolean;
}

export interface SnapshotServices {
  readonly registry: RegistryClient;
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  readonly log: Logger;
  /** The details cache (memory and disk) behind `describe`: lets a refresh order builds without requests. */
  readonly details?: ImageDetailsCache;
  /** The workspace's git history, to order commit-SHA builds without requests. */
  readonly gitHistory?: () => Promise<GitHistory | undefined>;
  /** Per refresh: unplaced build tags looked up, and new digests described, at most. */
  readonly headBudget?: number;
  readonly describeBudget?: number;
  readonly concurrency?: number;
  readonly checkEngine?: (signal?: AbortSignal) => Promise<EngineStatus>;
  /** What an environment runs (runs:), with its own time limit; undefined without runs. */
  /** `repositories`: a release's images (default: the environment's own repository). */
  readonly readRunning?: (env: EnvironmentConfig, signal?: AbortSignal, repositories?: readonly Repository[]) => Promise<Running | undefined>;
  readonly readHistory?: () => Promise<HistoryContents | undefined>;
  /** Reads an environment's hold from the registry (records/holds.ts); absent: holds are not shown. */
  readonly readHold?: ReadHold;
  /** Reads the approvals given ahead for a digest into an environment (records/approvals.ts). */
  readonly readApprovals?: ReadApprovals;
  /** Loads the public keys approval gates list, to count only signed approvals (evidence/approvalSignature.ts). */
  readonly approverKeys?: LoadApproverKeys;
  /** Who is looking (git identity, CI variables): a four-eyes gate's pending count says which approval is theirs. */
  readonly localIdentity?: () => Promise<string | undefined>;
  /** The rows the last refresh showed, kept across sessions: the trees start with them. */
  readonly lastRows?: LastRows;
  /** A lookup of this repository and tag sent at activation (earlyLookups.ts), taken once; undefined: ask. */
  readonly earlyLookup?: (env: Pick<EnvironmentConfig, 'repository' | 'tag'>) => Promise<Lookup> | undefined;
  /** Reads the registry's promotion records of the digests the environments hold, from the refresh's start (refreshRecords.ts). */
  readonly readRecords?: (environments: readonly EnvironmentConfig[], context: RefreshRecordsContext, signal?: AbortSignal) => RecordsRead;
}

export interface SnapshotOptions {
  /**
   * Ask the environments' digests alone first, everything else (tags, builds, records, holds) once
   * they answered: a refresh with nothing fresh on screen yet (a new window over the rows it
   * remembers, a config just loaded). A new window's extension host is busy starting (its
   * extensions, this one): the first refresh's ten answers arrived together and were read in turn,
   * the environments' among the last. The rest costs a round trip more, behind rows already drawn.
   */
  readonly lookupsFirst?: boolean;
}

/**
 * Takes a snapshot. `onProgress` receives partial snapshots as parts arrive (the environments, then
 * the first builds while the rest are still being described); the returned one is complete.
 */
export async function takeSnapshot(
  config: PromotionConfig,
  services: SnapshotServices,
  signal?: AbortSignal,
  onProgress?: (partial: Snapshot) => void,
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  const started = Date.now();
  const counted = countingRegistry(services.registry);
  const { counts } = counted;
  const { registry, tagsOf } = keepingTagLists(counted.registry);
  const details = services.details;
  const settled: {
    lookups?: ComponentLookup<Lookup>[][];
    builds?: BuildsResult;
    engine?: EngineStatus;
    history?: HistoryContents;
    running?: (Running | undefined)[];
  } = {};
  const progress = (): void => {
    if (!onProgress || !settled.lookups) return;
    const builds = settled.builds ?? { state: 'ok', rows: [], matching: 0, scanned: 0, complete: false };
    onProgress(compose(config, settled.lookups, builds, settled.engine, settled.history, started, counts, settled.running));
  };
  // Beside the registry's lookups, each with its own time limit: a slow runtime never holds up the tags.
  // A release's workload runs every image: its containers of any of the images' repositories count.
  const repositories = config.components?.map((c) => c.repository);
  const running = Promise.all(config.environments.map((env) => services.readRunning?.(env, signal, repositories))).then((r) => {
    settled.running = r;
    progress();
    return r;
  });
  // The records of what the environments held last time are read side by side with the lookups, asked
  // before them (their cache file is read before their requests go); or right after, when those go first.
  const readRecords = () => services.readRecords?.(config.environments, { registry, tags: tagsOf }, signal);
  const recordsBeside = options.lookupsFirst ? undefined : readRecords();
  const lookupsRead = Promise.all(
    config.environments.map((env) => lookupComponents(config, env, (e) => services.earlyLookup?.(e) ?? lookupEnvironment(registry, e, signal))),
  ).then((l) => {
    settled.lookups = l;
    progress();
    return l;
  });
  // The builds listed and the holds read beside the lookups, or once they answered (a failed lookup is the snapshot's to report).
  const startRest = () => ({
    records: recordsBeside ?? readRecords(),
    builds: listBuilds(
      config,
      {
        registry,
        describe: details ? (repo, digest, sig) => details.get(repo, digest, sig, registry) : services.describe,
        ...(details ? { peek: (digest: string) => details.peek(digest) } : {}),
        ...(details?.store ? { store: details.store } : {}),
        ...(services.gitHistory ? { gitHistory: services.gitHistory } : {}),
        ...(services.headBudget !== undefined ? { headBudget: services.headBudget } : {}),
        ...(services.describeBudget !== undefined ? { describeBudget: services.describeBudget } : {}),
        ...(services.concurrency !== undefined ? { concurrency: services.concurrency } : {}),
        log: services.log,
      },
      signal,
      (partial) => {
        // A release's rows wait for the other images' digests: a row without them would look complete.
        if (config.components) return;
        settled.builds = partial;
        progress();
      },
    ).then((listed) => withComponentDigests(config, listed, { registry, ...(details?.store ? { store: details.store } : {}) }, signal)),
    // After listBuilds above asked for the tag list: it says whether hold and approvals tags exist at all.
    holds: services.readHold ? lookupHolds(config, services.readHold, tagsOf(config.repository), signal) : undefined,
  });
  const rest = options.lookupsFirst ? lookupsRead.then(startRest, startRest) : Promise.resolve(startRest());
  const fileRead = services.readHistory?.().then(
    (h) => (h ? (settled.history = h) : undefined),
    (error: Error) => {
      services.log.warn(`the promotion history could not be read: ${error.message}`);
      return undefined;
    },
  );
  // Once the tags' digests are known (the registry's records hang on them), while the builds are still being placed.
  const historyRead = Promise.all([lookupsRead, fileRead, rest]).then(([l, file, { records }]) =>
    records
      ? records.merge(
          file,
          config.environments.map((env, i) => ({ env, digest: digestOf(l[i]![0]!.lookup) })),
        )
      : file,
  );
  const [lookups, builds, engine, history, holds, approvals] = await Promise.all([
    lookupsRead,
    rest.then((r) => r.builds),
    // After the lookups: the first check loads the engine's client (dockerode, ~100 ms of this
    // thread), which would hold up the answers the environments' rows wait for.
    services.checkEngine ? lookupsRead.then(() => services.checkEngine!(signal)).then((e) => (settled.engine = e)) : undefined,
    historyRead,
    rest.then((r) => r.holds),
    // After the rest started (the tag list is asked), whichever order the lookups went in.
    services.readApprovals
      ? Promise.all([lookupsRead, rest]).then(([l]) =>
          lookupPendingApprovals(
            config,
            nextDigests(l.map((c) => c[0]!.lookup)),
            services.readApprovals!,
            tagsOf(config.repository),
            signal,
            config.components ? l.map((_, i) => (i > 0 ? releaseDigests(l[i - 1]!) : undefined)) : undefined,
            {
              ...(services.approverKeys ? { loadKeys: services.approverKeys } : {}),
              ...(services.localIdentity ? { me: services.localIdentity } : {}),
            },
          ),
        )
      : undefined,
  ]);
  const runs = await running;
  const snapshot = compose(config, lookups, builds, engine, history, started, counts, runs, holds, approvals);
  const gets = counts.manifestGets + counts.blobGets;
  const summary =
    builds.state === 'ok'
      ? `${builds.rows.length} of ${builds.matching} builds (newest by ${builds.order ?? 'creation time'}, ${builds.scanned} placed)`
      : 'builds not listed';
  (gets ? services.log.info : services.log.debug).call(
    services.log,
    `refresh: ${config.environments.length} environments, ${summary} in ${snapshot.durationMs} ms; requests: ${describeCounts(counts)}`,
  );
  return snapshot;
}

/** The rows an earlier refresh showed, as a snapshot marked `remembered` (no history: the relations are the tags' alone). */
export function rememberedSnapshot(config: PromotionConfig, rows: RememberedRows): Snapshot {
  const none = { heads: 0, manifestGets: 0, blobGets: 0, tagLists: 0, referrerLists: 0, roundTrips: 0 };
  // Only single-image configs are remembered (lastRows.ts): each row is its one image.
  const lookups = rows.lookups.map((lookup) => [{ name: '', lookup }]);
  return { ...compose(config, lookups, rows.builds, undefined, undefined, rows.takenAt, none), durationMs: 0, remembered: true };
}

/**
 * The environments of a refresh whose builds are not in yet, with the builds an earlier session
 * showed (`remembered`), marked as such: the environments need one round trip, the builds more.
 * Which environments hold a build is this refresh's.
 */
export function withRememberedBuilds(partial: Snapshot, remembered: Snapshot): Snapshot {
  const holders = heldBy(partial.environments);
  const builds: BuildsResult =
    remembered.builds.state === 'ok'
      ? { ...remembered.builds, rows: remembered.builds.rows.map((row) => ({ ...row, heldBy: holders.get(row.components ? row.tag : row.digest) ?? [] })) }
      : remembered.builds;
  return { ...partial, builds, buildsRemembered: true };
}

/** Remembers the tag lists read through it, by repository, for the records (a registry without the referrers API lists a digest's records under a tag). */
function keepingTagLists(inner: RegistryClient): {
  registry: RegistryClient;
  tagsOf: (repo: Repository) => Promise<ReadonlySet<string> | undefined>;
} {
  const lists = new Map<string, Promise<ReadonlySet<string> | undefined>>();
  const listTags: RegistryClient['listTags'] = (repo, signal) => {
    const listing = inner.listTags(repo, signal);
    lists.set(
      repositoryName(repo),
      listing.then(
        (tags) => new Set(tags),
        () => undefined,
      ),
    );
    return listing;
  };
  const registry = new Proxy(inner, {
    get: (target, property, receiver): unknown => (property === 'listTags' ? listTags : Reflect.get(target, property, receiver)),
  });
  return { registry, tagsOf: (repo) => lists.get(repositoryName(repo)) ?? Promise.resolve(undefined) };
}

/** What each environment would take next: what the one before holds, when it differs from its own. */
/** Every image's digest an environment of a release holds (undefined: some image holds nothing or was not read). */
function releaseDigests(components: readonly ComponentLookup<Lookup>[]): Record<string, string> | undefined {
  if (!components.every((c) => c.lookup.state === 'present')) return undefined;
  return Object.fromEntries(components.map((c) => [c.name, (c.lookup as { digest: string }).digest]));
}

function nextDigests(lookups: readonly Lookup[]): (string | undefined)[] {
  return lookups.map((lookup, i) => {
    const before = i > 0 ? lookups[i - 1]! : undefined;
    const own = lookup.state === 'present' ? lookup.digest : undefined;
    return before?.state === 'present' && before.digest !== own ? before.digest : undefined;
  });
}

function compose(
  config: PromotionConfig,
  componentLookups: readonly (readonly ComponentLookup<Lookup>[])[],
  builds: BuildsResult,
  engine: EngineStatus | undefined,
  history: HistoryContents | undefined,
  started: number,
  counts: RequestCounts,
  running?: readonly (Running | undefined)[],
  holds?: readonly HoldLookup[],
  approvals?: readonly (PendingApprovals | undefined)[],
): Snapshot {
  const lookups = componentLookups.map((c) => c[0]!.lookup);
  const buildRows = builds.state === 'ok' ? builds.rows : [];
  const buildDigests = new Set(buildRows.map((b) => b.digest));
  const ageOf = ageLookup(buildRows, firstArrivals(history?.records ?? []));
  const environments = config.environments.map((env, index): EnvironmentRow => {
    const previous = config.environments[index - 1];
    const next = config.environments[index + 1];
    const components = componentLookups[index]!;
    const relation = config.components
      ? releaseRelation(components.map((c, i) => relationTo(c.lookup, index > 0 ? componentLookups[index - 1]![i]!.lookup : undefined, ageOf)))
      : relationTo(lookups[index]!, index > 0 ? lookups[index - 1] : undefined, ageOf);
    return {
      env,
      index,
      lookup: lookups[index]!,
      relation,
      ...(driftOf(env, lookups[index]!, index > 0 ? lookups[index - 1] : undefined, history, buildDigests) ? { drift: true } : {}),
      ...(holds?.[index] ? { hold: holds[index] } : {}),
      ...(approvals?.[index] ? { approvals: approvals[index] } : {}),
      ...(previous ? { previous } : {}),
      ...(next ? { next } : {}),
      ...(running?.[index] ? { running: running[index] } : {}),
      ...(config.components ? { components, release: releaseStateOf(components, buildRows) } : {}),
    };
  });
  const holders = heldBy(environments);
  const withHolders: BuildsResult =
    builds.state === 'ok'
      ? { ...builds, rows: builds.rows.map((row) => ({ ...row, heldBy: holders.get(row.components ? row.tag : row.digest) ?? [] })) }
      : builds;
  return {
    environments,
    builds: withHolders,
    ...(engine ? { engine } : {}),
    ...(history ? { history } : {}),
    takenAt: started,
    durationMs: Date.now() - started,
    requests: { ...counts },
  };
}

export async function lookupEnvironment(registry: RegistryClient, env: Pick<EnvironmentConfig, 'repository' | 'tag'>, signal?: AbortSignal): Promise<Lookup> {
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
function driftOf(
  env: EnvironmentConfig,
  current: Lookup,
  previous: Lookup | undefined,
  history: HistoryContents | undefined,
  buildDigests: ReadonlySet<string>,
): boolean {
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

/** Digest (a release: build tag) → the environments holding it. */
function heldBy(rows: readonly EnvironmentRow[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const row of rows) {
    if (row.release) {
      if (row.release.kind === 'release') map.set(row.release.build, [...(map.get(row.release.build) ?? []), row.env.name]);
      continue;
    }
    if (row.lookup.state !== 'present') continue;
    map.set(row.lookup.digest, [...(map.get(row.lookup.digest) ?? []), row.env.name]);
  }
  return map;
}

function asPromotionError(error: unknown): PromotionError {
  return error instanceof PromotionError
    ? error
    : new PromotionError('internal', error instanceof Error ? error.message : String(error), undefined, { cause: error });
}
