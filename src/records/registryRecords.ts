// Promotion records kept in the registry beside the promoted digest, where every editor and pipeline
// can read them. Written as OCI artifacts (recordArtifact.ts): through the referrers API when the
// registry indexes `subject` (its PUT answers OCI-Subject), else listed in the `sha256-<hex>` index
// of the OCI referrers tag schema, which this client maintains (read, add, write, re-read: two writers
// race on it). Read back capped in count and bytes; artifacts cached by digest (immutable), the
// index never (it changes with every write).
import { PromotionError, errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
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
  /** Artifacts remembered (default 5000). */
  readonly cacheEntries?: number;
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

type Settled<T> = { readonly value: T } | { readonly error: unknown };

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

export class RegistryRecords {
  private readonly cache = new Map<string, CachedArtifact>();
  /** Whether a registry has the referrers API, as its last answer said (a listing, or a record's PUT). */
  private readonly referrersApi = new Map<string, boolean>();

  constructor(private readonly options: RegistryRecordsOptions) {}

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
    const index = this.referrersApi.get(repo.registry) === false ? settle(this.readFallbackIndex(repo, digest, signal)) : undefined;
    // By digest, never under a tag: a record must not show up as a build or move anything.
    const written = await registry.writeManifest(repo, artifact.manifest.digest, artifact.manifest, signal);
    if (written.reportedDigest && written.reportedDigest !== artifact.manifest.digest) {
      throw new PromotionError('protocol', `${repo.registry} stored the record as ${written.reportedDigest}, not ${artifact.manifest.digest}`);
    }
    this.cache.set(artifact.manifest.digest, { record });
    const api = written.subjectDigest === digest;
    this.referrersApi.set(repo.registry, api);
    if (api) return 'referrers-api';
    await this.addToFallbackIndex(repo, digest, artifact.descriptor, signal, index);
    return 'fallback-tag';
  }

  /** The records attached to `digest` in `repo`, newest first as listed. Throws PromotionError when the listing itself fails. */
  async read(repo: Repository, digest: string, signal?: AbortSignal): Promise<DigestRecords> {
    const listed = await this.listRecordArtifacts(repo, digest, signal);
    const max = this.options.maxRecordsPerDigest ?? 100;
    const newestFirst = [...listed].sort((a, b) => createdOf(b).localeCompare(createdOf(a)));
    const skipped = newestFirst.slice(max).map((d) => `${d.digest}: more than ${max} records on ${digest}`);
    const results = await mapLimit(newestFirst.slice(0, max), 4, (d) => this.artifact(repo, digest, d, signal));
    const records: HistoryRecord[] = [];
    results.forEach((r, i) => ('record' in r ? records.push(r.record) : skipped.push(`${newestFirst[i]!.digest}: ${r.reason}`)));
    return { records, skipped };
  }

  private async listRecordArtifacts(repo: Repository, digest: string, signal?: AbortSignal): Promise<ReferrerDescriptor[]> {
    const { registry } = this.options;
    // A registry known to lack the referrers API (it said so before) is not asked again.
    const listed = this.referrersApi.get(repo.registry) === false ? undefined : await registry.listReferrers(repo, digest, signal);
    if (listed !== undefined || !this.referrersApi.has(repo.registry)) this.referrersApi.set(repo.registry, listed !== undefined);
    const all = listed ?? (await this.readFallbackIndex(repo, digest, signal))?.manifests ?? [];
    return all.filter((d) => d.artifactType === RECORD_ARTIFACT_TYPE && typeof d.digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(d.digest));
  }

  private async readFallbackIndex(
    repo: Repository,
    digest: string,
    signal?: AbortSignal,
  ): Promise<{ bytes: Buffer; mediaType: string; manifests: ReferrerDescriptor[] } | undefined> {
    const tag = referrersFallbackTag(digest);
    const found = await this.options.registry.getManifest(repo, tag, signal);
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

  private async artifact(repo: Repository, subject: string, d: ReferrerDescriptor, signal?: AbortSignal): Promise<CachedArtifact> {
    const cached = this.cache.get(d.digest);
    if (cached) return cached;
    const result = await this.fetchArtifact(repo, subject, d, signal).catch((error: unknown): CachedArtifact | undefined => {
      // A network failure is not the artifact's fault: not cached, tried again at the next read.
      this.options.log.debug(`the record ${d.digest} on ${subject} could not be read: ${errorMessage(error)}`);
      return undefined;
    });
    if (!result) return { reason: 'could not be read now' };
    this.remember(d.digest, result);
    return result;
  }

  private async fetchArtifact(repo: Repository, subject: string, d: ReferrerDescriptor, signal?: AbortSignal): Promise<CachedArtifact> {
    const { registry } = this.options;
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

  private remember(digest: string, value: CachedArtifact): void {
    const max = this.options.cacheEntries ?? 5000;
    if (this.cache.size >= max) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(digest, value);
  }
}

/** Something else lives under the fallback tag: never overwritten, never retried. */
class NotAnIndexError extends PromotionError {}

function createdOf(d: ReferrerDescriptor): string {
  return d.annotations?.[ANNOTATION_CREATED] ?? '';
}
