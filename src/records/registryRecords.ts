// Promotion records kept in the registry beside the promoted digest, where every editor and pipeline
// can read them. Written as OCI artifacts (recordArtifact.ts): through the referrers API when the
// registry indexes `subject` (its PUT answers OCI-Subject), else listed in the `sha256-<hex>` index
// of the OCI referrers tag schema, which this client maintains (read, add, write, re-read: two writers
// race on it). Read back capped in count and bytes; artifacts cached by digest (immutable), the
// index never (it changes with every write). The cache keeps the records of as many digests as the
// refreshes read, twice over (keepDigests), not every record a long-running process ever wrote or
// read. Whether a registry has the referrers API is remembered for a while (asking costs a round
// trip before the fallback); a refresh passes the tag list it read, which says which digests have a
// fallback index at all.
import { PromotionError, errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { LruMap } from '../core/lruMap';
import { repositoryName, type Repository } from '../core/reference';
import type { HistoryRecord } from '../history/record';
import { mapLimit } from '../model/mapLimit';
import { mergeReferrersIndex, referrersFallbackTag } from '../registry/manifestRefs';
import { isIndexMediaType, MediaTypes } from '../registry/mediaTypes';
import type { ManifestDescriptor, ReferrerDescriptor, RegistryClient } from '../registry/registryClient';
import { onceChunk, updateSharedTag } from '../registry/sharedTag';
import {
  ANNOTATION_CREATED,
  EMPTY_CONFIG,
  EMPTY_CONFIG_BYTES,
  RECORD_ARTIFACT_TYPE,
  recordArtifact,
  recordFromStatement,
  statementLayerOf,
} from './recordArtifact';

export interface RegistryRecordsOptions {
  readonly registry: RegistryClient;
  readonly log: Logger;
  /** Attempts at the fallback index before giving up (default 5). */
  readonly indexAttempts?: number;
  /** Pause before attempt `n` (1-based) and before the second look after a write; jittered by default. */
  readonly pauseMs?: (attempt: number) => number;
  /** Records read per digest at most, newest first (default 100). */
  readonly maxRecordsPerDigest?: number;
  /** Bytes of one record's manifest / statement at most (default 64 KiB / 256 KiB). */
  readonly maxManifestBytes?: number;
  readonly maxStatementBytes?: number;
  /** Bytes a fallback index may have (default 1 MiB: ~4000 entries). */
  readonly maxIndexBytes?: number;
  /**
   * Digests whose records (read or written) are remembered at least (default 16); keepDigests()
   * raises it to what the refreshes read. The least recently used digest is forgotten first.
   */
  readonly cacheDigests?: number;
  /** How long what a registry answered to the referrers API is believed before asking again (default 10 minutes). */
  readonly referrersSupportMs?: number;
  /** The clock of referrersSupportMs (tests). */
  readonly now?: () => number;
}

/** What the caller already knows or wants used for one read. */
export interface RecordsReadHints {
  /** The client to ask through (a refresh's counting client); default the one of the options. */
  readonly registry?: RegistryClient;
  /** Every tag of the repository, listed just now: a registry without the referrers API has records of a digest only under its `sha256-<hex>` tag. */
  readonly tags?: ReadonlySet<string>;
}

export type RecordWritePath = 'referrers-api' | 'fallback-tag';

export interface DigestRecords {
  readonly records: HistoryRecord[];
  /** Artifacts listed but not read: too many, too large, unreadable, not valid records. */
  readonly skipped: string[];
}

type CachedArtifact = { readonly record: HistoryRecord } | { readonly reason: string };

/** What write() needs that was asked while the move happened (prepare). */
export interface PreparedRecord {
  /** The promoted manifest's descriptor (undefined: could not be read; write() resolves it). */
  readonly subject?: ManifestDescriptor;
  /** The empty config blob is in the target repository. */
  readonly config: boolean;
}

/** Digests whose records are remembered when nothing says how many a refresh reads. */
const CACHE_DIGESTS = 16;

export class RegistryRecords {
  /** Subject digest → its artifacts read or written (by their digest: immutable). */
  private readonly cache: LruMap<string, Map<string, CachedArtifact>>;
  /** Per registry host: does it answer the referrers API, and when it last said so. */
  private readonly referrersApi = new Map<string, { readonly supported: boolean; readonly at: number }>();
  /** `repo@digest` whose fallback index existed at its last read (bounded as the cache): worth reading before the tag list says. */
  private readonly indexed: LruMap<string, true>;

  constructor(private readonly options: RegistryRecordsOptions) {
    this.cache = new LruMap(options.cacheDigests ?? CACHE_DIGESTS);
    this.indexed = new LruMap(this.cache.capacity);
  }

  /**
   * The refreshes read the records of `digests` digests: remember those of twice as many (never
   * fewer than cacheDigests), so what one refresh read is there at the next, beside what was
   * promoted in between.
   */
  keepDigests(digests: number): void {
    this.cache.capacity = this.indexed.capacity = Math.max(this.options.cacheDigests ?? CACHE_DIGESTS, 2 * digests);
  }

  /**
   * What a record of `digest` in `repo` needs that does not depend on the move's result, asked while
   * the move happens: the subject's descriptor (the same bytes in `source`, which holds it already)
   * and the empty config blob in `repo`. Never rejects: what could not be prepared is done by write().
   */
  prepare(repo: Repository, digest: string, source: Repository, signal?: AbortSignal): Promise<PreparedRecord> {
    const { registry } = this.options;
    const subject = registry.resolve(source, digest, signal).catch(() => undefined);
    const config = (async () => {
      if (!(await registry.blobExists(repo, EMPTY_CONFIG.digest, signal)))
        await registry.uploadBlob(repo, EMPTY_CONFIG.digest, EMPTY_CONFIG.size, onceChunk(EMPTY_CONFIG_BYTES), signal ? { signal } : {});
      return true;
    })().catch((error: unknown) => {
      this.options.log.debug(`the empty config of a record could not be prepared in ${repositoryName(repo)}: ${errorMessage(error)}`);
      return false;
    });
    return Promise.all([subject, config]).then(([s, c]) => ({ ...(s ? { subject: s } : {}), config: c }));
  }

  /**
   * Writes `record` as an artifact attached to `digest` in `repo`; resolves with how it was indexed.
   * Throws PromotionError. After the statement blob, the manifest's PUT and the fallback index's read
   * go side by side: the index is read once, right before it is written, as before.
   */
  async write(repo: Repository, digest: string, record: HistoryRecord, signal?: AbortSignal, prepared?: Promise<PreparedRecord>): Promise<RecordWritePath> {
    const { registry } = this.options;
    const ready = await prepared;
    const subject = ready?.subject ?? (await registry.resolve(repo, digest, signal));
    if (!subject) throw new PromotionError('not-found', `${repositoryName(repo)}@${digest} is not in the registry: there is nothing to attach the record to`);
    const artifact = recordArtifact(record, { name: repositoryName(repo), digest, mediaType: subject.mediaType || MediaTypes.ociManifest, size: subject.size });
    await Promise.all(
      artifact.blobs.map(async (blob) => {
        if (blob.digest === EMPTY_CONFIG.digest && ready?.config) return;
        // The statement is new with every record (its id): only the empty config may be there already.
        if (blob.digest === EMPTY_CONFIG.digest && (await registry.blobExists(repo, blob.digest, signal))) return;
        await registry.uploadBlob(repo, blob.digest, blob.size, onceChunk(blob.bytes), signal ? { signal } : {});
      }),
    );
    // Beside the manifest's PUT when the registry is known to lack the referrers API (it answered so
    // to a read or an earlier write): the index is needed then. Else only once the PUT said so.
    const index = this.supportsReferrers(repo.registry) === false ? settle(this.readFallbackIndex(repo, digest, signal)) : undefined;
    // By digest, never under a tag: a record must not show up as a build or move anything.
    // A DIGEST_INVALID race with another writer of the empty config is the client's to retry (writeManifest).
    const written = await registry.writeManifest(repo, artifact.manifest.digest, artifact.manifest, signal);
    if (written.reportedDigest && written.reportedDigest !== artifact.manifest.digest) {
      throw new PromotionError('protocol', `${repo.registry} stored the record as ${written.reportedDigest}, not ${artifact.manifest.digest}`);
    }
    this.remember(digest, artifact.manifest.digest, { record });
    const api = written.subjectDigest === digest;
    this.referrersApi.set(repo.registry, { supported: api, at: this.now() });
    if (api) return 'referrers-api';
    await this.addToFallbackIndex(repo, digest, artifact.descriptor, signal, index);
    return 'fallback-tag';
  }

  /** The records attached to `digest` in `repo`, newest first as listed. Throws PromotionError when the listing itself fails. */
  async read(repo: Repository, digest: string, signal?: AbortSignal, hints: RecordsReadHints = {}): Promise<DigestRecords> {
    const registry = hints.registry ?? this.options.registry;
    const listed = await this.listRecordArtifacts(registry, repo, digest, hints.tags, signal);
    const max = this.options.maxRecordsPerDigest ?? 100;
    const newestFirst = [...listed].sort((a, b) => createdOf(b).localeCompare(createdOf(a)));
    const skipped = newestFirst.slice(max).map((d) => `${d.digest}: more than ${max} records on ${digest}`);
    const read = newestFirst.slice(0, max);
    const known = this.cache.get(digest);
    const results = await mapLimit(read, 4, async (d) => known?.get(d.digest) ?? this.artifact(registry, repo, digest, d, signal));
    const records: HistoryRecord[] = [];
    results.forEach((r, i) => (r && 'record' in r ? records.push(r.record) : skipped.push(`${read[i]!.digest}: ${r?.reason ?? 'could not be read now'}`)));
    return { records, skipped };
  }

  /**
   * Whether reading `digest`'s records before this refresh's tag list is in can save a round trip:
   * the registry has (or may have) the referrers API, or its fallback index existed last time.
   */
  worthReadingEarly(repo: Repository, digest: string): boolean {
    return this.supportsReferrers(repo.registry) !== false || this.indexed.has(`${repositoryName(repo)}@${digest}`);
  }

  /** true / false as the registry last answered, within referrersSupportMs; undefined: ask. */
  private supportsReferrers(host: string): boolean | undefined {
    const known = this.referrersApi.get(host);
    if (!known || this.now() - known.at > (this.options.referrersSupportMs ?? 10 * 60_000)) return undefined;
    return known.supported;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async listRecordArtifacts(
    registry: RegistryClient,
    repo: Repository,
    digest: string,
    tags: ReadonlySet<string> | undefined,
    signal?: AbortSignal,
  ): Promise<ReferrerDescriptor[]> {
    const supported = this.supportsReferrers(repo.registry);
    const fallback = (): Promise<ReferrerDescriptor[]> => this.fallbackEntries(registry, repo, digest, tags, signal);
    let all: ReferrerDescriptor[];
    if (supported === false) all = await fallback();
    else {
      // Not known (or not for a while): ask the API and read the fallback side by side, so finding out costs no round trip.
      const early = supported === undefined ? settle(fallback()) : undefined;
      const listed = await registry.listReferrers(repo, digest, signal).catch(async (error: unknown) => {
        await early;
        throw error;
      });
      this.referrersApi.set(repo.registry, { supported: listed !== undefined, at: this.now() });
      // A registry remembered with the API that lost it answers like one without: the fallback, now.
      all = listed ?? (early ? unsettle(await early) : await fallback());
    }
    return all.filter((d) => d.artifactType === RECORD_ARTIFACT_TYPE && typeof d.digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(d.digest));
  }

  /** The fallback index's entries; none without a request when the tag list just read has no such tag. */
  private async fallbackEntries(
    registry: RegistryClient,
    repo: Repository,
    digest: string,
    tags: ReadonlySet<string> | undefined,
    signal?: AbortSignal,
  ): Promise<ReferrerDescriptor[]> {
    const key = `${repositoryName(repo)}@${digest}`;
    const index = tags && !tags.has(referrersFallbackTag(digest)) ? undefined : await this.readFallbackIndex(repo, digest, signal, registry);
    if (index) this.indexed.set(key, true);
    else this.indexed.delete(key);
    return index?.manifests ?? [];
  }

  private async readFallbackIndex(
    repo: Repository,
    digest: string,
    signal?: AbortSignal,
    registry: RegistryClient = this.options.registry,
  ): Promise<{ bytes: Buffer; mediaType: string; manifests: ReferrerDescriptor[] } | undefined> {
    const tag = referrersFallbackTag(digest);
    const found = await registry.getManifest(repo, tag, signal);
    if (!found) return undefined;
    const limit = this.options.maxIndexBytes ?? 1024 * 1024;
    if (found.bytes.length > limit)
      throw new PromotionError(
        'protocol',
        `${repositoryName(repo)}:${tag} is ${found.bytes.length} bytes, more than the ${limit} a referrers index may have here`,
      );
    let json: { manifests?: unknown } | undefined;
    try {
      json = JSON.parse(found.bytes.toString('utf8')) as typeof json;
    } catch {
      json = undefined;
    }
    const mediaType = found.mediaType || MediaTypes.ociIndex;
    // Something else under that tag (not an index): never read as records, never overwritten.
    if (!isIndexMediaType(mediaType) || !json || !Array.isArray(json.manifests)) {
      throw new NotAnIndexError('protocol', `${repositoryName(repo)}:${tag} is not an OCI index of referrers (${mediaType}); it is left alone`);
    }
    return { bytes: found.bytes, mediaType, manifests: (json.manifests as ReferrerDescriptor[]).filter((m) => m && typeof m === 'object') };
  }

  /** Read, add, write, look again (sharedTag.ts): another writer of the index may have dropped our entry. */
  private async addToFallbackIndex(
    repo: Repository,
    subject: string,
    entry: ReferrerDescriptor,
    signal?: AbortSignal,
    firstRead?: Promise<Settled<Awaited<ReturnType<RegistryRecords['readFallbackIndex']>>>>,
  ): Promise<void> {
    const { registry, log } = this.options;
    const tag = referrersFallbackTag(subject);
    const where = `${repositoryName(repo)}:${tag}`;
    let read = firstRead;
    await updateSharedTag({
      name: 'record',
      digest: entry.digest,
      where,
      described: `the referrers index ${where}`,
      replaced: 'the index',
      write: async () => {
        // The first attempt uses the read made beside the manifest's PUT; a retry reads again.
        const first = read && (await read);
        read = undefined;
        if (first && 'error' in first) throw first.error;
        const existing = first ? first.value : await this.readFallbackIndex(repo, subject, signal);
        if (existing?.manifests.some((m) => m.digest === entry.digest)) return;
        const merged = mergeReferrersIndex(existing?.bytes, [entry]);
        await registry.writeManifest(repo, tag, { mediaType: existing?.mediaType ?? MediaTypes.ociIndex, bytes: merged.bytes }, signal);
      },
      listed: async () => (await this.readFallbackIndex(repo, subject, signal))?.manifests.some((m) => m.digest === entry.digest) ?? false,
      final: (error) => error instanceof NotAnIndexError,
      log,
      ...(this.options.indexAttempts !== undefined ? { attempts: this.options.indexAttempts } : {}),
      ...(this.options.pauseMs ? { pauseMs: this.options.pauseMs } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  /** Undefined: a network failure, not the artifact's fault (not cached, tried again at the next read). */
  private async artifact(
    registry: RegistryClient,
    repo: Repository,
    subject: string,
    d: ReferrerDescriptor,
    signal?: AbortSignal,
  ): Promise<CachedArtifact | undefined> {
    const result = await this.fetchArtifact(registry, repo, subject, d, signal).catch((error: unknown): CachedArtifact | undefined => {
      this.options.log.debug(`the record ${d.digest} on ${subject} could not be read: ${errorMessage(error)}`);
      return undefined;
    });
    if (result) this.remember(subject, d.digest, result);
    return result;
  }

  private async fetchArtifact(
    registry: RegistryClient,
    repo: Repository,
    subject: string,
    d: ReferrerDescriptor,
    signal?: AbortSignal,
  ): Promise<CachedArtifact> {
    const maxManifest = this.options.maxManifestBytes ?? 64 * 1024;
    const maxStatement = this.options.maxStatementBytes ?? 256 * 1024;
    if (typeof d.size === 'number' && d.size > maxManifest) return { reason: `its manifest is ${d.size} bytes, more than ${maxManifest}` };
    const manifest = await registry.getManifest(repo, d.digest, signal);
    if (!manifest) return { reason: 'listed, but the registry no longer has it' };
    if (manifest.bytes.length > maxManifest) return { reason: `its manifest is ${manifest.bytes.length} bytes, more than ${maxManifest}` };
    const parsed = statementLayerOf(manifest.bytes, subject);
    if (!parsed.layer) return { reason: parsed.reason };
    if (parsed.layer.size > maxStatement) return { reason: `its statement is ${parsed.layer.size} bytes, more than ${maxStatement}` };
    const blob = await registry.openBlob(repo, parsed.layer.digest, signal);
    const chunks: Uint8Array[] = [];
    let read = 0;
    try {
      if (blob.size > maxStatement) return { reason: `its statement is ${blob.size} bytes, more than ${maxStatement}` };
      for await (const chunk of blob.stream) {
        read += chunk.length;
        if (read > maxStatement) return { reason: `its statement is more than ${maxStatement} bytes` };
        chunks.push(chunk);
      }
    } finally {
      await blob.cancel();
    }
    const statement = recordFromStatement(Buffer.concat(chunks), subject);
    return statement.record ? { record: statement.record } : { reason: statement.reason };
  }

  /** The records remembered, by artifact digest, about one of `subjects` (for a cache file), most recently used last. */
  rememberedRecords(subjects: ReadonlySet<string>, max: number): [string, HistoryRecord][] {
    const about: [string, HistoryRecord][] = [];
    for (const [subject, artifacts] of this.cache.entries())
      if (subjects.has(subject)) for (const [digest, value] of artifacts) if ('record' in value) about.push([digest, value.record]);
    return about.slice(-max);
  }

  /** Records read in an earlier session (a cache file), remembered as if read now; never replaces one this session read. */
  restore(artifacts: Iterable<readonly [string, HistoryRecord]>): void {
    for (const [digest, record] of artifacts) {
      // A record is about the digest it is attached to (recordFromStatement checks it).
      const subject = record.digest;
      if (subject && !this.cache.peek(subject)?.has(digest)) this.remember(subject, digest, { record });
    }
  }

  private remember(subject: string, digest: string, value: CachedArtifact): void {
    let artifacts = this.cache.get(subject);
    if (!artifacts) this.cache.set(subject, (artifacts = new Map()));
    artifacts.set(digest, value);
  }
}

type Settled<T> = { readonly value: T } | { readonly error: unknown };

/** A promise that never rejects (so that one not awaited on every path is never an unhandled rejection). */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function unsettle<T>(settled: Settled<T>): T {
  if ('error' in settled) throw settled.error;
  return settled.value;
}

/** Something else lives under the fallback tag: never overwritten, never retried. */
class NotAnIndexError extends PromotionError {}

function createdOf(d: ReferrerDescriptor): string {
  return d.annotations?.[ANNOTATION_CREATED] ?? '';
}
