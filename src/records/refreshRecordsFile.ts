// What reading the records at refresh remembers between sessions, kept beside the image details
// cache: which digests each environment's records were read for (so a session's first refresh reads
// them beside its lookups, as every later refresh does) and the record artifacts read for them
// (immutable: named by their digest), so that first refresh reads the listings alone, in one round
// trip. Nothing else is believed: every listing is read afresh. Bounded by its owner; a missing or
// corrupt file is an empty memory, never an error; a write replaces the file whole (cacheFile.ts).
import { readCacheFile, writeCacheFile } from '../core/cacheFile';
import type { Logger } from '../core/log';
import { parseRecord, type HistoryRecord } from '../history/record';
import type { RecordSubject } from '../history/teamHistory';

export interface RememberedRecords {
  /** Per environment key: the digests whose records its last refresh read. */
  readonly subjects: readonly (readonly [string, readonly RecordSubject[]])[];
  /** Record artifacts by their digest. */
  readonly artifacts: readonly (readonly [string, HistoryRecord])[];
}

const VERSION = 1;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const EMPTY: RememberedRecords = { subjects: [], artifacts: [] };

export async function readRememberedRecords(file: string, maxBytes: number, log?: Logger): Promise<RememberedRecords> {
  const read = await readCacheFile(file, maxBytes);
  if (read.kind === 'missing') return EMPTY;
  if (read.kind !== 'parsed') {
    log?.warn(`the remembered records ${file} ${read.reason}: the first refresh reads them afresh`);
    return EMPTY;
  }
  const value = read.value as { version?: unknown; subjects?: unknown; artifacts?: unknown };
  if (value?.version !== VERSION || !Array.isArray(value.subjects) || !Array.isArray(value.artifacts)) return EMPTY;
  const subjects = (value.subjects as unknown[]).filter(
    (e): e is [string, RecordSubject[]] => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]) && (e[1] as unknown[]).every(isSubject),
  );
  const artifacts: [string, HistoryRecord][] = [];
  for (const e of value.artifacts as unknown[]) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !DIGEST.test(e[0])) continue;
    // Checked exactly as a history line or a statement's record is.
    const parsed = parseRecord(JSON.stringify(e[1] ?? null));
    if (parsed.record) artifacts.push([e[0], parsed.record]);
  }
  return { subjects, artifacts };
}

export function writeRememberedRecords(file: string, value: RememberedRecords): Promise<void> {
  return writeCacheFile(file, { version: VERSION, ...value });
}

function isSubject(s: unknown): s is RecordSubject {
  const x = s as RecordSubject;
  return (
    !!x &&
    typeof x.digest === 'string' &&
    DIGEST.test(x.digest) &&
    !!x.repository &&
    typeof x.repository.registry === 'string' &&
    typeof x.repository.path === 'string'
  );
}
