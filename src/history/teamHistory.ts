// The team's history: the local history file and the promotion records in the registry, read
// together so a promotion made by CI shows in every editor. The same attempt is counted once (by its
// id). A record never outranks the registry's tags: it says what arrived, the tag says what is there.
import type { EnvironmentConfig } from '../config/types';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { repositoryName, type Repository } from '../core/reference';
import { mapLimit } from '../model/mapLimit';
import type { HistoryContents } from './historyStore';
import { finishedAt, type HistoryRecord } from './record';
import { landedDigest, recordsFor } from './queries';

/** A digest whose records to read, in the repository the environment's tag lives in. */
export interface RecordSubject {
  readonly repository: Repository;
  readonly digest: string;
}

/** Reads the registry's records of one digest (RegistryRecords.read, or a test's). */
export type ReadDigestRecords = (repository: Repository, digest: string, signal?: AbortSignal) => Promise<{ records: HistoryRecord[]; skipped: string[] }>;

/**
 * File records first, in file order, then registry records the file does not have (by id), oldest
 * first. A record in both is the file's copy: the same attempt, written by the same process.
 */
export function mergeRecords(file: readonly HistoryRecord[], registry: readonly HistoryRecord[]): HistoryRecord[] {
  const seen = new Set(file.map((r) => r.id));
  const added: HistoryRecord[] = [];
  for (const record of registry) {
    if (seen.has(record.id)) continue;
    seen.add(record.id);
    added.push(record);
  }
  added.sort((a, b) => finishedAt(a) - finishedAt(b));
  return [...file, ...added];
}

/**
 * The digests to read records for: what each environment holds now (where a CI promotion shows
 * first), and the last few each one held by the history (for rollback and soak), each once.
 */
export function recordSubjects(
  environments: readonly { readonly env: Pick<EnvironmentConfig, 'name' | 'repository'>; readonly digest?: string | null }[],
  records: readonly HistoryRecord[],
  earlierPerEnvironment = 5,
): RecordSubject[] {
  const out = new Map<string, RecordSubject>();
  const add = (repository: Repository, digest: string | null | undefined): void => {
    if (digest && /^sha256:[a-f0-9]{64}$/.test(digest)) out.set(`${repositoryName(repository)}@${digest}`, { repository, digest });
  };
  for (const { env, digest } of environments) {
    add(env.repository, digest);
    const earlier = new Set<string>();
    for (const record of recordsFor(records, env.name)) {
      if (earlier.size >= earlierPerEnvironment) break;
      const landed = landedDigest(record);
      if (landed && landed !== digest) earlier.add(landed);
    }
    for (const d of earlier) add(env.repository, d);
  }
  return [...out.values()];
}

/**
 * The digest the latest recorded move into `environment` left there, when the tag now holds another:
 * the tag was changed outside promotion since (or a record is still being written). Undefined when
 * they agree or no record says.
 */
export function disagreement(records: readonly HistoryRecord[], environment: string, currentDigest: string | null | undefined): string | undefined {
  if (!currentDigest) return undefined;
  for (const record of recordsFor(records, environment)) {
    const landed = landedDigest(record);
    if (landed) return landed === currentDigest ? undefined : landed;
  }
  return undefined;
}

/**
 * Records about these environments: same name, tag and repository. Another project may keep its
 * own "staging" in a shared repository; its records are not this one's history.
 */
export function ofEnvironments(environments: readonly Pick<EnvironmentConfig, 'name' | 'tag' | 'repository'>[]): (record: HistoryRecord) => boolean {
  const keys = new Set(environments.map((e) => `${e.name}\u0000${e.tag}\u0000${repositoryName(e.repository)}`));
  return (r) => keys.has(`${r.target.environment}\u0000${r.target.tag}\u0000${r.target.repository}`);
}

export interface TeamHistoryOptions {
  readonly read: ReadDigestRecords;
  readonly log: Logger;
  /** Which registry records belong to this history (see `ofEnvironments`). */
  readonly accept?: (record: HistoryRecord) => boolean;
  /** Digests read at once (default 4). */
  readonly concurrency?: number;
}

/** Merges registry records into a history file's contents. Never throws: a registry that cannot be read leaves the file's view, and says so. */
export async function withRegistryRecords(
  file: HistoryContents | undefined,
  subjects: readonly RecordSubject[],
  options: TeamHistoryOptions,
  signal?: AbortSignal,
): Promise<HistoryContents | undefined> {
  if (!subjects.length) return file;
  const found = await mapLimit(subjects, options.concurrency ?? 4, async (s) => {
    const where = `${repositoryName(s.repository)}@${s.digest}`;
    try {
      const read = await options.read(s.repository, s.digest, signal);
      if (read.skipped.length)
        options.log.debug(`promotion records on ${where} skipped: ${read.skipped.slice(0, 5).join('; ')}${read.skipped.length > 5 ? '; …' : ''}`);
      return read.records;
    } catch (error) {
      options.log.warn(`the promotion records on ${where} could not be read: ${errorMessage(error)}`);
      return [];
    }
  });
  const registry = found.flat().filter((r) => !options.accept || options.accept(r));
  if (!registry.length) return file;
  return { records: mergeRecords(file?.records ?? [], registry), problems: [...(file?.problems ?? [])] };
}
