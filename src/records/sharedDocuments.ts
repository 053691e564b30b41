// Small documents a team shares through the registry — holds, approvals — each under a well-known tag
// of a repository: an OCI artifact (the project's artifactType, the empty config and layer) whose one
// annotation is the document as JSON, so reading it is one manifest GET and no blob. One store for
// all of them: write, read back (HEAD, then a GET only for a digest not seen: a manifest by digest
// never changes), and for a tag several writers add to (approvals), read-change-write-look-again
// through sharedTag.ts. No server: what one person writes, every editor and pipeline reads.
import { createHash } from 'node:crypto';
import { PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import { repositoryName, type Repository } from '../core/reference';
import { MediaTypes } from '../registry/mediaTypes';
import type { RegistryClient } from '../registry/registryClient';
import { onceChunk, updateSharedTag } from '../registry/sharedTag';
import { ANNOTATION_CREATED, EMPTY_CONFIG, EMPTY_CONFIG_BYTES } from './recordArtifact';

export const ANNOTATION_DOCUMENT = 'dev.image-promotion.document';
/** A document's manifest at most (its reason texts are short). */
const MAX_DOCUMENT_BYTES = 64 * 1024;

export type DocumentKind = 'hold' | 'approvals';

export function documentArtifactType(kind: DocumentKind): string {
  return `application/vnd.image-promotion.${kind}.v1+json`;
}

/** A tag name the registry takes (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`), kept readable, unique by a hash suffix when cut. */
export function documentTag(base: string, suffix: string): string {
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '');
  const whole = `${clean}.${suffix}`;
  if (whole.length <= 128 && clean === base) return whole;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 12);
  return `${clean.slice(0, 128 - suffix.length - hash.length - 2)}-${hash}.${suffix}`;
}

export interface SharedDocumentsOptions {
  readonly registry: RegistryClient;
  readonly log: Logger;
  /** Pause before attempt `n` of a shared update (tests); jittered by default. */
  readonly pauseMs?: (attempt: number) => number;
  /** Documents remembered by manifest digest (default 500). */
  readonly cacheEntries?: number;
}

export interface ReadDocument<T> {
  readonly document: T;
  /** The manifest's digest: the version of the document. */
  readonly digest: string;
}

export class SharedDocuments {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly options: SharedDocumentsOptions) {}

  /** Writes `document` under `tag` in `repo` (replacing what was there). Throws PromotionError (a read-only registry: `unauthorized`/`denied`). */
  async write(repo: Repository, tag: string, kind: DocumentKind, document: unknown, signal?: AbortSignal): Promise<string> {
    const { registry } = this.options;
    const bytes = documentManifest(kind, document);
    if (!(await registry.blobExists(repo, EMPTY_CONFIG.digest, signal)))
      await registry.uploadBlob(repo, EMPTY_CONFIG.digest, EMPTY_CONFIG.size, onceChunk(EMPTY_CONFIG_BYTES), signal ? { signal } : {});
    await registry.writeManifest(repo, tag, { mediaType: MediaTypes.ociManifest, bytes }, signal);
    const digest = sha256(bytes);
    this.remember(digest, document);
    return digest;
  }

  /**
   * The document under `tag`, or undefined when the tag does not exist. `parse` checks its shape
   * (undefined: not one of ours, reported as an error: a tag of that name is never silently ignored).
   */
  async read<T>(
    repo: Repository,
    tag: string,
    kind: DocumentKind,
    parse: (json: unknown) => T | undefined,
    signal?: AbortSignal,
  ): Promise<ReadDocument<T> | undefined> {
    const { registry } = this.options;
    const head = await registry.resolve(repo, tag, signal);
    if (!head) return undefined;
    if (this.cache.has(head.digest)) return { document: this.cache.get(head.digest) as T, digest: head.digest };
    const where = `${repositoryName(repo)}:${tag}`;
    if (head.size > MAX_DOCUMENT_BYTES) throw new PromotionError('protocol', `${where} is ${head.size} bytes, more than a ${kind} document may be`);
    const manifest = await registry.getManifest(repo, head.digest, signal);
    if (!manifest) return undefined; // replaced meanwhile and deleted: as if absent until the next read
    const document = parseDocument(manifest.bytes, kind, parse);
    if (document === undefined) throw new PromotionError('protocol', `${where} is not an image-promotion ${kind} document; it is left alone`);
    this.remember(head.digest, document);
    return { document, digest: head.digest };
  }

  /**
   * Read, change, write, look again (sharedTag.ts): for a tag several people add to at once.
   * `change` returns the next document (undefined: nothing to write); `holds` says whether a document
   * read back still holds our change.
   */
  async update<T>(
    repo: Repository,
    tag: string,
    kind: DocumentKind,
    parse: (json: unknown) => T | undefined,
    change: (current: T | undefined) => T | undefined,
    holds: (document: T) => boolean,
    what: { readonly name: string; readonly id: string },
    signal?: AbortSignal,
  ): Promise<T> {
    const where = `${repositoryName(repo)}:${tag}`;
    let latest: T | undefined;
    await updateSharedTag({
      name: what.name,
      digest: what.id,
      where,
      replaced: 'it',
      write: async () => {
        const current = (await this.read(repo, tag, kind, parse, signal))?.document;
        const next = change(current);
        if (next !== undefined) await this.write(repo, tag, kind, next, signal);
      },
      listed: async () => {
        latest = (await this.read(repo, tag, kind, parse, signal))?.document;
        return latest !== undefined && holds(latest);
      },
      final: (error) => error instanceof PromotionError && /is not an image-promotion/.test(error.message),
      log: this.options.log,
      ...(this.options.pauseMs ? { pauseMs: this.options.pauseMs } : {}),
      ...(signal ? { signal } : {}),
    });
    return latest!;
  }

  private remember(digest: string, document: unknown): void {
    const max = this.options.cacheEntries ?? 500;
    if (this.cache.size >= max) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(digest, document);
  }
}

/** The manifest bytes: deterministic for the same document, so writing the same document twice is the same digest. */
export function documentManifest(kind: DocumentKind, document: unknown): Buffer {
  const json = JSON.stringify(document);
  const created = (document as { at?: unknown })?.at;
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: documentArtifactType(kind),
      config: EMPTY_CONFIG,
      layers: [EMPTY_CONFIG],
      annotations: { ...(typeof created === 'string' ? { [ANNOTATION_CREATED]: created } : {}), [ANNOTATION_DOCUMENT]: json },
    }),
  );
}

export function parseDocument<T>(bytes: Buffer, kind: DocumentKind, parse: (json: unknown) => T | undefined): T | undefined {
  try {
    const manifest = JSON.parse(bytes.toString('utf8')) as { artifactType?: unknown; annotations?: Record<string, unknown> };
    if (manifest?.artifactType !== documentArtifactType(kind)) return undefined;
    const text = manifest.annotations?.[ANNOTATION_DOCUMENT];
    return typeof text === 'string' ? parse(JSON.parse(text)) : undefined;
  } catch {
    return undefined;
  }
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
