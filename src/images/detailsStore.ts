// What never changes, kept on disk between sessions: a digest's details (content-addressed, so
// immutable) and which digest a build tag names (a build tag does not move; a promotion re-resolves
// its source anyway, and environments' tags are always looked up). Bounded in entries and bytes; a
// missing, unreadable or corrupt file is an empty cache (logged), never an error. Written whole to
// a temporary file and renamed, so a crash leaves the old file or the new one.
import { readCacheFile, writeCacheFile } from '../core/cacheFile';
import type { Logger } from '../core/log';
import type { ImageDetails } from './imageDetails';

export interface TagDigest {
  readonly digest: string;
  readonly mediaType: string;
}

export interface DetailsStoreOptions {
  /** Undefined: kept in memory only. */
  readonly file?: string;
  readonly log?: Logger;
  readonly maxDigests?: number;
  readonly maxTags?: number;
  /** A digest whose details serialize larger than this (huge labels) is kept in memory only. */
  readonly maxEntryBytes?: number;
  /** A file larger than this is not read (and is replaced at the next write). */
  readonly maxFileBytes?: number;
}

const VERSION = 1;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

interface FileShape {
  version: number;
  details: ImageDetails[];
  tags: [string, string, string][];
}

export class DetailsStore {
  private readonly details = new Map<string, ImageDetails>();
  /** `registry/path:tag` → digest, oldest first. */
  private readonly tags = new Map<string, TagDigest>();
  private readonly memoryOnly = new Set<string>();
  private loaded: Promise<void> | undefined;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxDigests: number;
  private readonly maxTags: number;
  private readonly maxEntryBytes: number;
  private readonly maxFileBytes: number;

  constructor(private readonly options: DetailsStoreOptions = {}) {
    this.maxDigests = options.maxDigests ?? 5_000;
    this.maxTags = options.maxTags ?? 50_000;
    this.maxEntryBytes = options.maxEntryBytes ?? 16 * 1024;
    this.maxFileBytes = options.maxFileBytes ?? 32 * 1024 * 1024;
  }

  /** Reads the file once; later calls wait for that read. Never throws. */
  load(): Promise<void> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  getDetails(digest: string): ImageDetails | undefined {
    const found = this.details.get(digest);
    if (found) {
      // Most recently used last, so trimming drops what has not been looked at for longest.
      this.details.delete(digest);
      this.details.set(digest, found);
    }
    return found;
  }

  putDetails(details: ImageDetails): void {
    if (!DIGEST.test(details.digest)) return;
    this.details.delete(details.digest);
    this.details.set(details.digest, details);
    if (JSON.stringify(details).length > this.maxEntryBytes) this.memoryOnly.add(details.digest);
    trim(this.details, this.maxDigests, (key) => this.memoryOnly.delete(key));
    this.dirty = true;
  }

  getTag(repository: string, tag: string): TagDigest | undefined {
    return this.tags.get(`${repository}:${tag}`);
  }

  putTag(repository: string, tag: string, value: TagDigest): void {
    if (!DIGEST.test(value.digest)) return;
    const key = `${repository}:${tag}`;
    const had = this.tags.get(key);
    if (had?.digest === value.digest && had.mediaType === value.mediaType) return;
    this.tags.delete(key);
    this.tags.set(key, { digest: value.digest, mediaType: value.mediaType });
    trim(this.tags, this.maxTags);
    this.dirty = true;
  }

  /** Forgets the repository's tags that it no longer lists (deleted, or re-pushed later). */
  keepTags(repository: string, listed: ReadonlySet<string>): void {
    const prefix = `${repository}:`;
    for (const key of [...this.tags.keys()]) {
      if (key.startsWith(prefix) && !listed.has(key.slice(prefix.length))) {
        this.tags.delete(key);
        this.dirty = true;
      }
    }
  }

  get size(): { readonly digests: number; readonly tags: number } {
    return { digests: this.details.size, tags: this.tags.size };
  }

  /** Writes the file when something changed; one write at a time. Never throws (logs). */
  flush(): Promise<void> {
    const file = this.options.file;
    if (!file || !this.dirty) return this.writing;
    this.dirty = false;
    const shape: FileShape = {
      version: VERSION,
      details: [...this.details.values()].filter((d) => !this.memoryOnly.has(d.digest)),
      tags: [...this.tags].map(([key, value]) => [key, value.digest, value.mediaType]),
    };
    this.writing = this.writing.then(() =>
      writeCacheFile(file, shape).catch((error: unknown) =>
        this.options.log?.warn(`the image details cache ${file} could not be written: ${(error as Error).message}`),
      ),
    );
    return this.writing;
  }

  private async read(): Promise<void> {
    const file = this.options.file;
    if (!file) return;
    const read = await readCacheFile(file, this.maxFileBytes);
    if (read.kind === 'missing') return;
    if (read.kind !== 'parsed') {
      this.options.log?.warn(
        `the image details cache ${file} ${read.reason}: starting empty${read.kind === 'corrupt' ? ' (it is rewritten at the next refresh)' : ''}`,
      );
      this.dirty = read.kind === 'corrupt';
      return;
    }
    const parsed = read.value;
    const shape = parsed as Partial<FileShape> | null;
    if (!shape || typeof shape !== 'object' || shape.version !== VERSION) {
      this.options.log?.warn(`the image details cache ${file} has an unknown format: starting empty`);
      this.dirty = true;
      return;
    }
    let dropped = 0;
    for (const entry of Array.isArray(shape.details) ? shape.details : []) {
      if (isDetails(entry)) this.details.set(entry.digest, entry);
      else dropped++;
    }
    for (const entry of Array.isArray(shape.tags) ? shape.tags : []) {
      if (Array.isArray(entry) && entry.length === 3 && entry.every((s) => typeof s === 'string') && DIGEST.test(entry[1]))
        this.tags.set(entry[0], { digest: entry[1], mediaType: entry[2] });
      else dropped++;
    }
    trim(this.details, this.maxDigests);
    trim(this.tags, this.maxTags);
    if (dropped) {
      this.options.log?.warn(`the image details cache ${file}: ${dropped} malformed entries ignored`);
      this.dirty = true;
    }
  }
}

function trim<K, V>(map: Map<K, V>, max: number, dropped?: (key: K) => void): void {
  while (map.size > max) {
    const oldest = map.keys().next().value as K;
    map.delete(oldest);
    dropped?.(oldest);
  }
}

function isDetails(value: unknown): value is ImageDetails {
  const d = value as Partial<ImageDetails> | null;
  return (
    !!d &&
    typeof d === 'object' &&
    typeof d.digest === 'string' &&
    DIGEST.test(d.digest) &&
    typeof d.mediaType === 'string' &&
    typeof d.isIndex === 'boolean' &&
    Array.isArray(d.platforms) &&
    d.platforms.every((p) => typeof p === 'string') &&
    !!d.labels &&
    typeof d.labels === 'object' &&
    !Array.isArray(d.labels) &&
    Object.values(d.labels).every((v) => typeof v === 'string') &&
    (d.created === undefined || typeof d.created === 'string') &&
    (d.revision === undefined || typeof d.revision === 'string')
  );
}
