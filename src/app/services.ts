// Composes the core's services the same way for every front end: registry client, credentials, the
// engine from the front end's choice / DOCKER_HOST / the Docker context, image details, where
// blobs were seen (for mounts), history.
import { dirname, join } from 'node:path';
import { errorMessage, PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import type { RegistryCredentials } from '../credentials/credentials';
import { ChainedCredentials, type ClearableCredentials, type CredentialSource } from '../credentials/credentialSource';
import { DockerConfigCredentials, dockerConfigDir } from '../credentials/dockerConfig';
import { cachedGitHistory } from '../builds/gitHistory';
import { DetailsStore } from '../images/detailsStore';
import { ImageDetailsCache } from '../images/imageDetails';
import { EarlyLookups } from '../model/earlyLookups';
import { LAST_ROWS_FILE, LastRows } from '../model/lastRows';
import type { EarlyConnections } from '../startup/earlyConnections';
import { RememberedChallenges } from '../registry/transport/rememberedChallenges';
import type { EngineStatus, SnapshotServices } from '../model/snapshot';
import type { PromotionServices } from '../promotion/promote';
import { TargetLocks } from '../promotion/targetLocks';
import type { TransportSetting } from '../promotion/transport';
import { BlobLocations, recordingBlobLocations } from '../registry/blobLocations';
import { HttpRegistryClient } from '../registry/httpRegistryClient';
import { checkSignIn, type SignInCheck } from '../registry/signInCheck';
import type { RegistryClient } from '../registry/registryClient';
import type { ProxySetting } from '../registry/transport/proxy';
import type { TrustSetting } from '../registry/transport/trust';
import type { HistoryContents } from '../history/historyStore';
import { PromotionRecords, usesRegistry, type RecordsSetting } from '../records/promotionRecords';
import { readApprovals } from '../records/approvals';
import { loadListedKeys } from '../evidence/approvalSignature';
import { identity } from './holdActions';
import { readHold } from '../records/holds';
import { RegistryRecords } from '../records/registryRecords';
import { RefreshRecords, type HeldDigests } from '../records/refreshRecords';
import { SharedDocuments } from '../records/sharedDocuments';
import { PromotionAttestations } from '../evidence/promotionAttestations';
import { RegistryAttestations } from '../evidence/registryAttestations';
import { EngineProvider } from './engineProvider';
import { readRunning, untrustedRuntimeProblem } from '../runtime/running';
import { runtimeServices } from '../runtime/runtimeServices';
import { HistoryService } from './historyService';

/** What a front end decides (VS Code: its settings; the CLI: flags). Functions: settings change live. */
export interface AppOptions {
  readonly log: Logger;
  readonly dockerHost: () => string;
  readonly insecureRegistries: () => readonly string[];
  readonly lookupTimeoutMs: () => number;
  readonly transport: () => TransportSetting;
  readonly historyFile: () => string | undefined;
  /** Where promotion records go and are read from (imagePromotion.records, --records). */
  readonly records: () => RecordsSetting;
  /** Tells the person something went wrong after the fact (a record the registry refused). */
  readonly warn: (message: string) => void;
  /**
   * Where digests' details and build tags' digests are kept across sessions (they never change);
   * none: memory only. Where blobs were seen is kept beside it (blob-locations.json).
   */
  readonly detailsFile?: string;
  /**
   * The folders whose remembered environments (last-rows.json beside detailsFile) are looked up as soon
   * as that file is read, before their configs are (the editor's workspace folders); none: not early.
   */
  readonly earlyLookupsUnder?: () => readonly string[];
  /** Connections to those lookups' registries, opened by the extension's loader before this bundle loaded. */
  readonly earlyConnections?: EarlyConnections;
  /** Where blobs were seen, when not beside detailsFile (the CLI keeps this and the next in its cache folder). */
  readonly blobLocationsFile?: string;
  /** How registries asked to be authenticated (rememberedChallenges.ts), when not beside detailsFile. */
  readonly challengesFile?: string;
  /** The workspace folder whose git history orders commit-SHA builds without requests. */
  readonly workspaceDir?: () => string | undefined;
  /** The config's folder, for approval gates' key files and the local identity, when not workspaceDir (the CLI: the config's folder). */
  readonly configFolder?: () => string | undefined;
  /** Who is looking, for a four-eyes gate's pending count (default: the git identity of configFolder; the CLI adds its CI variables). */
  readonly localIdentity?: () => Promise<string | undefined>;
  /** The editor's proxy for registry requests (VS Code's http.proxy); absent or empty: HTTP(S)_PROXY / NO_PROXY. */
  readonly proxy?: () => ProxySetting | undefined;
  /** The clock time-based gates (soak, window) and status read; Date.now unless a test sets it. */
  readonly now?: () => number;
  /** Extra certificate authorities for registries (imagePromotion.caFiles + http.systemCertificates, --ca-file). */
  readonly trust?: () => TrustSetting | undefined;
  /** Credentials asked before the Docker config (VS Code: those kept by Sign In to Registry…). */
  readonly credentialSource?: CredentialSource;
  /** The private key that signs promotion attestations (--signing-key, imagePromotion.signingKey); absent or empty: none. */
  readonly signingKey?: () => string | undefined;
  /** Tells the person about the signing key or a missing signed attestation; default: warn. */
  readonly warnSigning?: (message: string) => void;
  /** Whether the workspace is trusted (VS Code's Restricted Mode); absent: trusted, as the CLI is. */
  readonly trusted?: () => boolean;
  /** How long a recreated container must run before it counts as started (tests shorten it). */
  readonly settleMs?: number;
  /** Wraps the registry client every service shares (the benchmark counts round trips through it). */
  readonly wrapRegistry?: (client: RegistryClient) => RegistryClient;
}

export type { HeldDigests } from '../records/refreshRecords';

export interface AppServices {
  readonly log: Logger;
  /** The clock of AppOptions.now. */
  readonly now: () => number;
  /** The sign-in source (if any), then the Docker config: for registry requests and engine pushes alike. */
  readonly credentials: ClearableCredentials;
  /** `GET /v2/` with these credentials alone, through the same transport settings; rejects when refused. */
  checkSignIn(registry: string, credentials: RegistryCredentials, signal?: AbortSignal): Promise<SignInCheck>;
  /** Every manifest read through it records where its blobs are (blobLocations). */
  readonly registry: RegistryClient;
  readonly blobLocations: BlobLocations;
  readonly details: ImageDetailsCache;
  readonly engines: EngineProvider;
  readonly history: HistoryService;
  readonly promotion: PromotionServices;
  /** Writes an attempt's record to the registry after a move; reports, never throws. */
  readonly records: PromotionRecords;
  /** Signs and attaches an attempt's record when a signing key is configured; reports, never throws. */
  readonly attestations: PromotionAttestations;
  /** Holds and approvals: small documents under well-known tags in the registry (records/sharedDocuments.ts). */
  readonly documents: SharedDocuments;
  /** The history file's records plus the registry's records of the digests the environments hold. */
  withRecords(file: HistoryContents | undefined, environments: HeldDigests, signal?: AbortSignal): Promise<HistoryContents | undefined>;
  /** Pings the engine promotions would go through; never rejects. */
  checkEngine(signal?: AbortSignal): Promise<EngineStatus>;
  /** For takeSnapshot; `readHistory` reads the folder's history (undefined: none kept). */
  snapshotServices(readHistory: SnapshotServices['readHistory'], folder?: () => string | undefined): SnapshotServices;
}

export function composeServices(options: AppOptions): AppServices {
  const { log } = options;
  const dockerConfig = new DockerConfigCredentials({ configDir: () => dockerConfigDir(), log });
  const credentials = options.credentialSource ? new ChainedCredentials(options.credentialSource, dockerConfig, log) : dockerConfig;
  // How each registry asked to be authenticated, beside the details: a session's first request goes with its token.
  const challengesFile = options.challengesFile ?? (options.detailsFile ? join(dirname(options.detailsFile), 'registry-challenges.json') : undefined);
  const challenges = new RememberedChallenges({ ...(challengesFile ? { file: challengesFile } : {}), log });
  void challenges.load();
  const transport = {
    log,
    challenges,
    timeoutMs: options.lookupTimeoutMs,
    insecureRegistries: options.insecureRegistries,
    ...(options.proxy ? { proxy: options.proxy } : {}),
    ...(options.trust ? { trust: options.trust } : {}),
    ...(options.earlyConnections ? { early: options.earlyConnections } : {}),
  };
  const blobLocationsFile = options.blobLocationsFile ?? (options.detailsFile ? join(dirname(options.detailsFile), 'blob-locations.json') : undefined);
  const blobLocations = new BlobLocations({ ...(blobLocationsFile ? { file: blobLocationsFile } : {}), log });
  const recording = recordingBlobLocations(new HttpRegistryClient({ ...transport, credentials }), blobLocations);
  const registry = options.wrapRegistry ? options.wrapRegistry(recording) : recording;
  const store = options.detailsFile ? new DetailsStore({ file: options.detailsFile, log }) : undefined;
  const details = new ImageDetailsCache(registry, undefined, store);
  // The trees' last rows, beside the details: a new session starts with them instead of an empty view.
  const lastRows = new LastRows({ ...(options.detailsFile ? { file: join(dirname(options.detailsFile), LAST_ROWS_FILE) } : {}), log });
  // Now, while the front end reads its config: in memory by the time a tree can draw them; and the
  // environments those rows show are looked up already, for the first refresh to take (earlyLookups.ts).
  const early = new EarlyLookups();
  void lastRows.load().then(() => {
    const folders = options.earlyLookupsUnder?.() ?? [];
    if (folders.length) early.start(registry, lastRows.targetsUnder(folders));
  });
  const gitHistory = cachedGitHistory(options.workspaceDir ?? (() => undefined));
  const configFolder = (): string | undefined => (options.configFolder ?? options.workspaceDir)?.();
  const engines = new EngineProvider(options.dockerHost, log);
  const describe: PromotionServices['describe'] = (repo, digest, signal) => details.get(repo, digest, signal);
  const checkEngine = async (signal?: AbortSignal): Promise<EngineStatus> => {
    let address = '(no address)';
    try {
      address = engines.address().display;
      const engine = await engines.get();
      await engine.ping(signal);
      return { state: 'ok', address };
    } catch (error) {
      return { state: 'error', address, error: error instanceof PromotionError ? error : new PromotionError('engine-unreachable', errorMessage(error)) };
    }
  };
  const registryRecords = new RegistryRecords({ registry, log });
  // Beside the details too: a session's first refresh reads the records as every later one does.
  const refreshRecords = new RefreshRecords({
    records: registryRecords,
    log,
    ...(options.detailsFile ? { file: join(dirname(options.detailsFile), 'refresh-records.json') } : {}),
  });
  if (usesRegistry(options.records())) void refreshRecords.load();
  const readRecords: SnapshotServices['readRecords'] = (environments, context, signal) =>
    usesRegistry(options.records()) ? refreshRecords.begin(environments, context, signal) : { merge: (file) => Promise.resolve(file) };
  const withRecords = (file: HistoryContents | undefined, environments: HeldDigests, signal?: AbortSignal): Promise<HistoryContents | undefined> =>
    readRecords(
      environments.map((e) => e.env),
      {},
      signal,
    ).merge(file, environments);
  const registryAttestations = new RegistryAttestations({ registry, log });
  const runtime = runtimeServices({
    engineAt: (host) => engines.containers(host),
    hostLabel: (host) => engines.describe(host),
    credentials,
    ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
  });
  const readRuntime: SnapshotServices['readRunning'] = (env, signal, repositories) => {
    const reader = runtime.reader(env, repositories);
    if (!reader || !env.runs) return Promise.resolve(undefined);
    const untrusted = options.trusted?.() === false ? untrustedRuntimeProblem(env.runs) : undefined;
    return untrusted ? Promise.resolve({ state: 'unreachable', where: reader.where, reason: untrusted, restricted: true }) : readRunning(reader, signal);
  };
  const documents = new SharedDocuments({ registry, log });
  const promotion: PromotionServices = {
    registry,
    attestations: (env, digest, type, signal) => registryAttestations.read(env.repository, digest, type, signal),
    evidence: (repo) => ({
      signatures: (digest, signal) => registryAttestations.readSignatures(repo, digest, signal),
      attestations: (digest, signal) => registryAttestations.read(repo, digest, undefined, signal),
    }),
    engine: () => engines.get(),
    credentials,
    describe,
    locks: new TargetLocks(),
    log,
    transport: options.transport,
    blobLocations,
    runtime,
    readHold: (env, signal) => readHold(documents, env, signal),
    readApprovals: (env, digest, signal) => readApprovals(documents, env, digest, signal),
    ...(options.now ? { now: options.now } : {}),
  };
  return {
    log,
    now: options.now ?? Date.now,
    credentials,
    checkSignIn: (host, typed, signal) => checkSignIn(host, typed, transport, signal),
    registry,
    blobLocations,
    details,
    engines,
    history: new HistoryService({ historyFile: options.historyFile, records: options.records, log, warn: options.warn }),
    promotion,
    records: new PromotionRecords({ registry: registryRecords, setting: options.records, log, warn: options.warn }),
    attestations: new PromotionAttestations({
      registry: registryAttestations,
      keyFile: options.signingKey ?? (() => undefined),
      password: () => process.env.COSIGN_PASSWORD,
      log,
      warn: options.warnSigning ?? options.warn,
    }),
    documents,
    withRecords,
    checkEngine,
    // `folder`: the workspace folder of this model (the editor has one per folder), for the approval gates' keys and who is looking.
    snapshotServices: (readHistory, folder = configFolder) => ({
      registry,
      describe,
      details,
      gitHistory,
      log,
      checkEngine,
      readRecords,
      lastRows,
      earlyLookup: (env) => early.take(env),
      readRunning: readRuntime,
      readHold: (env, signal) => readHold(documents, env, signal),
      readApprovals: (env, digest, signal) => readApprovals(documents, env, digest, signal),
      approverKeys: (entries) => loadListedKeys(entries, folder()),
      localIdentity: options.localIdentity ?? (() => identity(folder())),
      ...(readHistory ? { readHistory } : {}),
    }),
  };
}
