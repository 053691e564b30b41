// The registry's records as a refresh reads them. A tag rarely moves between two refreshes, so the
// records of the digests each environment held at the last refresh are read side by side with the
// environments' lookups, not after them; the other digests once the lookups and the tag list are in
// (on a registry without the referrers API the tag list says which digests have records at all).
// Nothing is believed from the last refresh but which digests to ask about: every listing is read
// afresh, so a record another process added since shows at this refresh.
import type { EnvironmentConfig } from '../config/types';
import type { Logger } from '../core/log';
import { repositoryName, type Repository } from '../core/reference';
import type { HistoryContents } from '../history/historyStore';
import { ofEnvironments, recordSubjects, withRegistryRecords, type RecordSubject } from '../history/teamHistory';
import type { RegistryClient } from '../registry/registryClient';
import type { DigestRecords, RegistryRecords } from './registryRecords';
import { readRememberedRecords, writeRememberedRecords } from './refreshRecordsFile';

export interface RefreshRecordsContext {
  /** The client to ask through (the refresh's, which counts its requests). */
  readonly registry?: RegistryClient;
  /** The tags this refresh listed in `repo` (undefined: it listed none there, or the listing failed). */
  readonly tags?: (repo: Repository) => Promise<ReadonlySet<string> | undefined>;
}

/** The environments and the digests their tags hold now (null: empty; undefined: could not read). */
export type HeldDigests = readonly { readonly env: EnvironmentConfig; readonly digest?: string | null }[];

export interface RecordsRead {
  /** The file's records and the registry's records of what the environments hold (and held lately). Never throws. */
  merge(file: HistoryContents | undefined, held: HeldDigests): Promise<HistoryContents | undefined>;
}

export interface RefreshRecordsOptions {
  readonly records: RegistryRecords;
  readonly log: Logger;
  /** Environments whose last digests are remembered (default 1000). */
  readonly maxEnvironments?: number;
  /** Where the last digests and their records are kept between sessions (refreshRecordsFile.ts); undefined: in memory only. */
  readonly file?: string;
  /** Records kept in the file at most (default 1000), and its bytes (default 4 MiB). */
  readonly maxFileRecords?: number;
  readonly maxFileBytes?: number;
}

export class RefreshRecords {
  /** Per environment (name, tag, repository): the digests whose records its last refresh read. */
  private readonly lastSubjects = new Map<string, readonly RecordSubject[]>();
  private loaded: Promise<void> | undefined;
  private written = '';
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: RefreshRecordsOptions) {}

  /** Reads the file once (call it early: at start, beside the config); later calls wait for that read. Never throws. */
  load(): Promise<void> {
    this.loaded ??= this.readFile();
    return this.loaded;
  }

  /** Starts reading what the last refresh of these environments read; `merge` once their lookups are in. */
  begin(environments: readonly EnvironmentConfig[], context: RefreshRecordsContext = {}, signal?: AbortSignal): RecordsRead {
    const { records } = this.options;
    const read = (s: RecordSubject, tags?: ReadonlySet<string>): Promise<DigestRecords> =>
      records.read(s.repository, s.digest, signal, { ...(context.registry ? { registry: context.registry } : {}), ...(tags ? { tags } : {}) });
    // The file is read by the time a refresh starts (load() at start); a session's first refresh waits for it.
    const early = this.load().then(() => {
      const reads = new Map<string, Promise<DigestRecords>>();
      for (const env of environments) {
        for (const s of this.lastSubjects.get(environmentKey(env)) ?? []) {
          const key = subjectKey(s.repository, s.digest);
          if (reads.has(key) || !records.worthReadingEarly(s.repository, s.digest)) continue;
          const reading = read(s);
          reading.catch(() => undefined); // awaited (and reported) by merge, unless the digest is no longer held
          reads.set(key, reading);
        }
      }
      return reads;
    });
    return {
      merge: async (file, held) => {
        const subjects = new Map<string, RecordSubject>();
        for (const h of held) {
          const mine = recordSubjects([h], file?.records ?? []);
          this.remember(environmentKey(h.env), mine);
          for (const s of mine) subjects.set(subjectKey(s.repository, s.digest), s);
        }
        this.sizeCache();
        const reads = await early;
        const merged = await withRegistryRecords(
          file,
          [...subjects.values()],
          {
            read: async (repository, digest) => reads.get(subjectKey(repository, digest)) ?? read({ repository, digest }, await context.tags?.(repository)),
            log: this.options.log,
            accept: ofEnvironments(held.map((h) => h.env)),
            // Each digest is about one request once its records are cached: all of them side by side.
            concurrency: 32,
          },
          signal,
        );
        void this.save();
        return merged;
      },
    };
  }

  /** Resolves once what the last refresh read is in the file (tests; a write that fails is logged). */
  saved(): Promise<void> {
    return this.writing;
  }

  private async readFile(): Promise<void> {
    const { file, records } = this.options;
    if (!file) return;
    const remembered = await readRememberedRecords(file, this.options.maxFileBytes ?? 4 * 1024 * 1024, this.options.log);
    // What this session read already is newer than the file.
    for (const [key, subjects] of remembered.subjects) if (!this.lastSubjects.has(key)) this.remember(key, subjects);
    this.sizeCache();
    records.restore(remembered.artifacts);
  }

  /** The records cache holds what the next refresh of every environment seen reads, and as much again. */
  private sizeCache(): void {
    this.options.records.keepDigests(this.lastDigests().size);
  }

  private lastDigests(): Set<string> {
    return new Set([...this.lastSubjects.values()].flatMap((subjects) => subjects.map((s) => s.digest)));
  }

  /** Writes the last digests and their records when they differ from what the file holds. */
  private save(): Promise<void> {
    const { file, records } = this.options;
    if (!file) return this.writing;
    const value = { subjects: [...this.lastSubjects], artifacts: records.rememberedRecords(this.lastDigests(), this.options.maxFileRecords ?? 1000) };
    const text = JSON.stringify(value);
    if (text === this.written) return this.writing;
    this.written = text;
    this.writing = this.writing.then(() =>
      writeRememberedRecords(file, value).catch((error: unknown) =>
        this.options.log.warn(`the remembered records ${file} could not be written: ${(error as Error).message}`),
      ),
    );
    return this.writing;
  }

  private remember(key: string, subjects: readonly RecordSubject[]): void {
    this.lastSubjects.delete(key);
    if (this.lastSubjects.size >= (this.options.maxEnvironments ?? 1000)) this.lastSubjects.delete(this.lastSubjects.keys().next().value!);
    this.lastSubjects.set(key, subjects);
  }
}

function environmentKey(env: Pick<EnvironmentConfig, 'name' | 'tag' | 'repository'>): string {
  return `${env.name}\u0000${env.tag}\u0000${repositoryName(env.repository)}`;
}

function subjectKey(repository: Repository, digest: string): string {
  return `${repositoryName(repository)}@${digest}`;
}
