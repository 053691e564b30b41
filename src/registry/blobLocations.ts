// Where each blob was last seen: digest → the (registry, repository) pairs that held it, newest
// first, so a copy into a registry can mount a layer from another repository of that registry
// instead of streaming it again (skopeo's blob-info cache does the same: containers/image
// pkg/blobinfocache, newest location first, a few candidates per digest).
//
// A location is only a hint: a mount that the registry refuses drops it and the blob is streamed;
// the copy's digest checks never depend on it. Recorded when a blob is read from, found in,
// mounted into or uploaded to a repository, and when a manifest read from a repository names it
// (the registry keeps every blob of a manifest it holds). Kept on disk beside the image details
// cache: bounded (digests and candidates per digest), registry hosts, repository paths and
// digests only (never credentials), written whole to a temporary file and renamed, and a missing,
// unreadable or corrupt file is an empty cache (logged), never an error.
import { readCacheFile, writeCacheFile } from '../core/cacheFile';
import type { Logger } from '../core/log';
import type { Repository } from '../core/reference';
import { isForeignLayer, parseManifestRefs } from './manifestRefs';
import type { Manifest, RegistryClient } from './registryClient';

export interface BlobLocationsOptions {
  /** Undefined: kept in memory only. */
  readonly file?: string;
  readonly log?: Logger;
  /** Digests kept (least recently recorded or used dropped first); default 10,000. */
  readonly maxDigests?: number;
  /** Locations kept per digest (the oldest dropped first); default 5. */
  readonly maxPerDigest?: number;
  /** A file larger than this is not read (and is replaced at the next write). */
  readonly maxFileBytes?: number;
  /** After a change, write the file this much later (several changes, one write); 0: only on flush(). Default 2,000 ms. */
  readonly writeDelayMs?: number;
  readonly now?: () => number;
}

interface Seen {
  readonly registry: string;
  readonly path: string;
  /** When it was last known to be there (ms since the epoch). */
  readonly at: number;
}

const VERSION = 1;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// A registry host[:port] and a repository path as the Distribution API names them: nothing that
// could carry a URL's userinfo, query or a token.
const REGISTRY = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

interface FileShape {
  version: number;
  /** Oldest digest first; each location `[registry, path, at]`, newest first. */
  blobs: [string, [string, string, number][]][];
}

export class BlobLocations {
  /** digest → locations, newest first; the Map itself least recently touched first. */
  private readonly blobs = new Map<string, Seen[]>();
  private loaded: Promise<void> | undefined;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly maxDigests: number;
  private readonly maxPerDigest: number;
  private readonly maxFileBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: BlobLocationsOptions = {}) {
    this.maxDigests = Math.max(1, options.maxDigests ?? 10_000);
    this.maxPerDigest = Math.max(1, options.maxPerDigest ?? 5);
    this.maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /** Reads the file once; later calls wait for that read. Never throws. What was recorded before it finished is kept. */
  load(): Promise<void> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  /** The blob is in the repository now. Ignores what is not a sha256 digest or a plain registry and path. */
  record(digest: string, repo: Repository): void {
    if (!DIGEST.test(digest) || !REGISTRY.test(repo.registry) || !PATH.test(repo.path)) return;
    this.merge(digest, [{ registry: repo.registry, path: repo.path, at: this.now() }]);
    this.changed();
  }

  /** Every blob (config and layers) a manifest read from `repo` names; an index names none. */
  recordManifest(manifest: Pick<Manifest, 'bytes' | 'mediaType'>, repo: Repository): void {
    let blobs;
    try {
      blobs = parseManifestRefs(manifest.bytes, manifest.mediaType).blobs;
    } catch {
      return; // not a manifest we could copy anyway
    }
    for (const b of blobs) if (!isForeignLayer(b)) this.record(b.digest, repo);
  }

  /** The blob was not where we thought (a refused mount): never offered from there again. */
  forget(digest: string, repo: Repository): void {
    const list = this.blobs.get(digest);
    if (!list) return;
    const kept = list.filter((s) => !(s.registry === repo.registry && s.path === repo.path));
    if (kept.length === list.length) return;
    if (kept.length) this.blobs.set(digest, kept);
    else this.blobs.delete(digest);
    this.changed();
  }

  /** Repositories of `registry` the blob was seen in, newest first, without those in `except`. */
  candidates(digest: string, registry: string, except: readonly Repository[] = []): Repository[] {
    const list = this.blobs.get(digest);
    if (!list) return [];
    // Used: most recently touched last, so trimming drops what nobody asked for longest.
    this.blobs.delete(digest);
    this.blobs.set(digest, list);
    return list
      .filter((s) => s.registry === registry && !except.some((e) => e.registry === s.registry && e.path === s.path))
      .map((s) => ({ registry: s.registry, path: s.path }));
  }

  get size(): { readonly digests: number; readonly locations: number } {
    let locations = 0;
    for (const list of this.blobs.values()) locations += list.length;
    return { digests: this.blobs.size, locations };
  }

  /** Writes the file now when something changed; one write at a time. Never throws (logs). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const file = this.options.file;
    if (!file || !this.dirty) return this.writing;
    this.dirty = false;
    const shape: FileShape = {
      version: VERSION,
      blobs: [...this.blobs].map(([digest, list]) => [digest, list.map((s): [string, string, number] => [s.registry, s.path, s.at])]),
    };
    this.writing = this.writing.then(() =>
      writeCacheFile(file, shape).catch((error: unknown) =>
        this.options.log?.warn(`the blob location cache ${file} could not be written: ${(error as Error).message}`),
      ),
    );
    return this.writing;
  }

  private changed(): void {
    this.dirty = true;
    const delay = this.options.writeDelayMs ?? 2_000;
    if (!this.options.file || delay <= 0 || this.timer) return;
    this.timer = setTimeout(() => void this.flush(), delay);
    this.timer.unref(); // never what keeps a process alive; the copy flushes itself
  }

  /** Adds locations to a digest: one entry per repository (the newest time), newest first, bounded. */
  private merge(digest: string, seen: readonly Seen[]): void {
    const byRepo = new Map<string, Seen>();
    for (const s of [...seen, ...(this.blobs.get(digest) ?? [])]) {
      const key = `${s.registry}/${s.path}`;
      const had = byRepo.get(key);
      if (!had || had.at < s.at) byRepo.set(key, s);
    }
    const list = [...byRepo.values()].sort((a, b) => b.at - a.at).slice(0, this.maxPerDigest);
    this.blobs.delete(digest);
    this.blobs.set(digest, list);
    while (this.blobs.size > this.maxDigests) this.blobs.delete(this.blobs.keys().next().value as string);
  }

  private async read(): Promise<void> {
    const file = this.options.file;
    if (!file) return;
    const read = await readCacheFile(file, this.maxFileBytes);
    if (read.kind === 'missing') return;
    if (read.kind !== 'parsed') {
      this.options.log?.warn(`the blob location cache ${file} ${read.reason}: starting empty`);
      this.dirty = read.kind === 'corrupt';
      return;
    }
    const shape = read.value as Partial<FileShape> | null;
    if (!shape || typeof shape !== 'object' || shape.version !== VERSION || !Array.isArray(shape.blobs)) {
      this.options.log?.warn(`the blob location cache ${file} is corrupt or of an unknown format: starting empty (it is rewritten at the next copy)`);
      this.dirty = true;
      return;
    }
    // What was recorded while the file was being read is newer: the file's entries go in as older.
    const recorded = [...this.blobs];
    this.blobs.clear();
    let dropped = 0;
    for (const entry of shape.blobs) {
      const seen =
        Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && DIGEST.test(entry[0]) && Array.isArray(entry[1]) ? entry[1] : undefined;
      const valid = (seen ?? []).filter(
        (s): s is [string, string, number] =>
          Array.isArray(s) &&
          s.length === 3 &&
          typeof s[0] === 'string' &&
          REGISTRY.test(s[0]) &&
          typeof s[1] === 'string' &&
          PATH.test(s[1]) &&
          Number.isFinite(s[2]),
      );
      if (!seen || valid.length !== seen.length) dropped++;
      if (valid.length)
        this.merge(
          entry[0],
          valid.map(([registry, path, at]) => ({ registry, path, at })),
        );
    }
    for (const [digest, list] of recorded) this.merge(digest, list);
    if (dropped) {
      this.options.log?.warn(`the blob location cache ${file}: ${dropped} malformed entries ignored`);
      this.dirty = true;
    }
  }
}

/**
 * The client, with every manifest it reads recorded: the blobs a manifest names are in the
 * repository it was read from (a refresh that reads the environments' images learns where their
 * layers live in each registry). Nothing else changes.
 */
export function recordingBlobLocations(client: RegistryClient, locations: BlobLocations): RegistryClient {
  return {
    resolve: (repo, reference, signal) => client.resolve(repo, reference, signal),
    getManifest: async (repo, reference, signal) => {
      const manifest = await client.getManifest(repo, reference, signal);
      if (manifest) locations.recordManifest(manifest, repo);
      return manifest;
    },
    getBlob: (repo, digest, signal) => client.getBlob(repo, digest, signal),
    listTags: (repo, signal) => client.listTags(repo, signal),
    putManifest: (repo, reference, manifest, signal) => client.putManifest(repo, reference, manifest, signal),
    deleteManifest: (repo, digest, signal) => client.deleteManifest(repo, digest, signal),
    writeManifest: (repo, reference, manifest, signal) => client.writeManifest(repo, reference, manifest, signal),
    blobExists: (repo, digest, signal) => client.blobExists(repo, digest, signal),
    mountBlob: (repo, digest, from, signal) => client.mountBlob(repo, digest, from, signal),
    openBlob: (repo, digest, signal) => client.openBlob(repo, digest, signal),
    uploadBlob: (repo, digest, size, stream, options) => client.uploadBlob(repo, digest, size, stream, options),
    listReferrers: (repo, digest, signal) => client.listReferrers(repo, digest, signal),
  };
}
