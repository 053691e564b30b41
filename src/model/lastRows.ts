// The rows a refresh last showed, kept on disk beside the image details cache, so that a new
// session's trees start with them (marked as refreshing) instead of empty, and the fresh rows
// replace them one refresh later. Only what the rows draw: each environment's digest and the shown
// builds, under the config file they belong to, and only while that config names the same
// repository and environments. Bounded (configs, bytes); a missing or corrupt file is no rows,
// never an error; a write replaces the file whole (cacheFile.ts).
import { readFileSync, statSync } from 'node:fs';
import { readCacheFile, writeCacheFile } from '../core/cacheFile';
import type { Logger } from '../core/log';
import { isWithinFolder } from '../core/folders';
import { parseRepository, repositoryName } from '../core/reference';
import type { PromotionConfig } from '../config/types';
import type { BuildRow, BuildsResult } from './buildsList';
import type { LookupTarget } from './earlyLookups';
import type { Lookup } from './snapshot';

/** What a remembered refresh gives back: the environments' lookups in config order, the builds, when it was taken. */
export interface RememberedRows {
  readonly lookups: readonly Lookup[];
  readonly builds: BuildsResult;
  readonly takenAt: number;
}

export interface LastRowsOptions {
  /** Undefined: kept in memory only (a CLI process, tests). */
  readonly file?: string;
  readonly log?: Logger;
  /** Configs remembered (default 50: the most recently refreshed). */
  readonly maxConfigs?: number;
  readonly maxFileBytes?: number;
}

/** Beside the details cache (the extension's global storage). */
export const LAST_ROWS_FILE = 'last-rows.json';

const VERSION = 1;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

type Held = { readonly digest: string; readonly mediaType: string } | null;

interface Entry {
  /** The config file. */
  readonly file: string;
  /** What the config names (repository, environments): rows of another shape are not this config's. */
  readonly shape: string;
  readonly takenAt: number;
  readonly environments: readonly Held[];
  readonly builds: { readonly rows: readonly BuildRow[]; readonly matching: number; readonly scanned: number; readonly order?: string };
}

export class LastRows {
  private readonly entries = new Map<string, Entry>();
  private loaded: Promise<void> | undefined;
  private fileRead = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: LastRowsOptions = {}) {}

  /** The rows last shown for this config file, if they are of this config's shape. Never throws. */
  async get(file: string, config: PromotionConfig): Promise<RememberedRows | undefined> {
    await this.load();
    return this.rowsOf(file, config);
  }

  /** As `get`, at once: 'not-read' until the file has been read (`load`). */
  peek(file: string, config: PromotionConfig): RememberedRows | undefined | 'not-read' {
    return this.fileRead ? this.rowsOf(file, config) : 'not-read';
  }

  /** Reads the file once (call it early: at activation, so the rows are in memory when the config is); later calls wait for that read. Never throws. */
  load(): Promise<void> {
    this.loaded ??= this.read().finally(() => (this.fileRead = true));
    return this.loaded;
  }

  /**
   * The environments (repository and tag) of the configs remembered under these folders, for lookups
   * sent before the config is read (earlyLookups.ts). Empty until the file has been read.
   */
  targetsUnder(folders: readonly string[]): LookupTarget[] {
    return targetsIn(this.entries.values(), folders);
  }

  private rowsOf(file: string, config: PromotionConfig): RememberedRows | undefined {
    // A release's rows need every image's digests, which are not kept: its trees wait for the first refresh.
    if (config.components) return undefined;
    const entry = this.entries.get(file);
    if (!entry || entry.shape !== shapeOf(config) || entry.environments.length !== config.environments.length) return undefined;
    return {
      lookups: entry.environments.map((e): Lookup => (e ? { state: 'present', digest: e.digest, mediaType: e.mediaType } : { state: 'absent' })),
      builds: {
        state: 'ok',
        rows: entry.builds.rows,
        matching: entry.builds.matching,
        scanned: entry.builds.scanned,
        complete: true,
        ...(entry.builds.order ? { order: entry.builds.order as never } : {}),
      },
      takenAt: entry.takenAt,
    };
  }

  /** Keeps a complete refresh's rows; writes the file when they differ from what it holds. A lookup that failed is not kept. */
  async put(file: string, config: PromotionConfig, rows: { lookups: readonly Lookup[]; builds: BuildsResult; takenAt: number }): Promise<void> {
    if (rows.builds.state !== 'ok' || rows.lookups.some((l) => l.state === 'error')) return;
    await this.load();
    const entry: Entry = {
      file,
      shape: shapeOf(config),
      takenAt: rows.takenAt,
      environments: rows.lookups.map((l) => (l.state === 'present' ? { digest: l.digest, mediaType: l.mediaType } : null)),
      builds: {
        rows: rows.builds.rows.map((r) => ({
          tag: r.tag,
          digest: r.digest,
          mediaType: r.mediaType,
          ...(r.created ? { created: r.created } : {}),
          heldBy: [...r.heldBy],
        })),
        matching: rows.builds.matching,
        scanned: rows.builds.scanned,
        ...(rows.builds.order ? { order: rows.builds.order } : {}),
      },
    };
    const had = this.entries.get(file);
    const same = had && JSON.stringify({ ...had, takenAt: 0 }) === JSON.stringify({ ...entry, takenAt: 0 });
    this.entries.delete(file);
    this.entries.set(file, entry);
    while (this.entries.size > (this.options.maxConfigs ?? 50)) this.entries.delete(this.entries.keys().next().value!);
    if (same) return;
    const target = this.options.file;
    if (!target) return;
    const value = { version: VERSION, entries: [...this.entries.values()] };
    this.writing = this.writing.then(() =>
      writeCacheFile(target, value).catch((error: unknown) =>
        this.options.log?.warn(`the last rows ${target} could not be written: ${(error as Error).message}`),
      ),
    );
    await this.writing;
  }

  private async read(): Promise<void> {
    const file = this.options.file;
    if (!file) return;
    const read = await readCacheFile(file, this.options.maxFileBytes ?? 4 * 1024 * 1024);
    if (read.kind === 'missing') return;
    if (read.kind !== 'parsed') {
      this.options.log?.warn(`the last rows ${file} ${read.reason}: the trees start empty`);
      return;
    }
    const value = read.value as { version?: unknown; entries?: unknown };
    if (value?.version !== VERSION || !Array.isArray(value.entries)) return;
    for (const e of value.entries as unknown[]) if (isEntry(e)) this.entries.set(e.file, e);
  }
}

/** The environments (repository and tag) of the remembered configs under these folders. */
export function targetsIn(entries: Iterable<{ readonly file: string; readonly shape: string }>, folders: readonly string[]): LookupTarget[] {
  const targets: LookupTarget[] = [];
  for (const entry of entries) {
    if (!folders.some((folder) => isWithinFolder(folder, entry.file))) continue;
    try {
      const [, environments] = JSON.parse(entry.shape) as [string, [string, string, string][]];
      for (const [, tag, repository] of environments)
        if (typeof tag === 'string' && typeof repository === 'string') targets.push({ repository: parseRepository(repository), tag });
    } catch {
      // A shape this version cannot read: no early lookups for it, the refresh asks as usual.
    }
  }
  return targets;
}

/**
 * As `targetsIn`, read from the file at once (the extension's loader, before anything else runs).
 * Nothing for a missing, large or unreadable file: whatever is wrong with it, `LastRows` reports.
 */
export function targetsInFileNow(file: string, folders: readonly string[], maxBytes = 512 * 1024): LookupTarget[] {
  try {
    if (statSync(file).size > maxBytes) return [];
    const value = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; entries?: unknown };
    if (value?.version !== VERSION || !Array.isArray(value.entries)) return [];
    const entries = (value.entries as Partial<Entry>[]).filter((e): e is Entry => typeof e?.file === 'string' && typeof e.shape === 'string');
    return targetsIn(entries, folders);
  } catch {
    return [];
  }
}

function shapeOf(config: PromotionConfig): string {
  return JSON.stringify([repositoryName(config.repository), config.environments.map((e) => [e.name, e.tag, repositoryName(e.repository)])]);
}

function isEntry(e: unknown): e is Entry {
  const x = e as Entry;
  return (
    !!x &&
    typeof x.file === 'string' &&
    typeof x.shape === 'string' &&
    typeof x.takenAt === 'number' &&
    Array.isArray(x.environments) &&
    x.environments.every((h) => h === null || (typeof h === 'object' && DIGEST.test(h.digest) && typeof h.mediaType === 'string')) &&
    !!x.builds &&
    Array.isArray(x.builds.rows) &&
    x.builds.rows.every((r) => r && typeof r.tag === 'string' && DIGEST.test(r.digest) && typeof r.mediaType === 'string' && Array.isArray(r.heldBy)) &&
    typeof x.builds.matching === 'number' &&
    typeof x.builds.scanned === 'number'
  );
}
