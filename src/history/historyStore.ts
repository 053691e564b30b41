// The promotion history as a JSON Lines file: appended durably, read forgivingly.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../core/log';
import { isAlive, withFileLock, type FileLockOptions } from './fileLock';
import * as os from 'node:os';
import { interruptedRecord, parseRecord, type HistoryRecord } from './record';
import { shareStrings } from './shareStrings';

/** In the workspace, so a team can commit and share it. */
export const DEFAULT_HISTORY_FILE = '.promotion/history.jsonl';

/** The history file for a workspace: the configured path (relative to the workspace, or absolute), else the default. */
export function resolveHistoryFile(workspaceDir: string, configured?: string): string {
  return path.resolve(workspaceDir, configured?.trim() || DEFAULT_HISTORY_FILE);
}

export interface HistoryProblem {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly reason: string;
}

export interface HistoryContents {
  /** In file order (which after a git merge need not be time order). */
  readonly records: HistoryRecord[];
  readonly problems: HistoryProblem[];
}

const NEWLINE = 0x0a;
const MAX_PROBLEMS_LOGGED = 5;

export class HistoryStore {
  /** Appends from this process, one after another: the file lock then only arbitrates between processes. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly log: Logger,
    private readonly lockOptions: FileLockOptions = {},
  ) {}

  /** Resolves once the record is on disk (fsync'd). Rejects when it could not be written. */
  append(record: HistoryRecord): Promise<void> {
    // JSON.stringify escapes newlines inside strings, so one record is exactly one line.
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    const run = this.queue.then(() => this.appendLine(line));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async read(): Promise<HistoryContents> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
      throw error;
    }
    const contents = parseHistory(text, stillRunning);
    if (contents.problems.length) this.log.warn(problemSummary(this.file, contents.problems));
    return contents;
  }

  private async appendLine(line: Buffer): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    await withFileLock(`${this.file}.lock`, () => this.writeLocked(line), this.lockOptions);
  }

  private async writeLocked(line: Buffer): Promise<void> {
    // 'a+': O_APPEND (every write lands at the end, whatever other writers did) and readable, to
    // look at the last byte.
    const handle = await fs.open(this.file, 'a+');
    let created = false;
    try {
      const { size } = await handle.stat();
      created = size === 0;
      let data = line;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        // A writer crashed mid-line: start on a fresh line so this record is not glued to the broken one.
        if (last[0] !== NEWLINE) data = Buffer.concat([Buffer.from('\n'), line]);
      }
      // One write call for the whole line; a short write (disk full) is finished while the lock is held.
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written);
        if (bytesWritten <= 0) throw new Error(`could not write to ${this.file}`);
        written += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) await syncDirectory(path.dirname(this.file));
  }
}

/** A start written by a process on this host that is still alive: that promotion is still running. */
function stillRunning(start: HistoryRecord): boolean {
  return !!start.process && start.process.host === os.hostname() && isAlive(start.process.pid);
}

/**
 * Parses the whole file; bad lines become problems, never exceptions. A `started` record is paired
 * with the end record that names it and then dropped; one without an end becomes `interrupted`,
 * unless `isRunning` says its promotion is still under way (then it is left out).
 */
export function parseHistory(text: string, isRunning: (start: HistoryRecord) => boolean = () => false): HistoryContents {
  const records: HistoryRecord[] = [];
  const problems: HistoryProblem[] = [];
  const seen = new Map<string, number>();
  // The record before at the same place (shareStrings): the last one into the same environment, else any; never a start.
  const lastInto = new Map<string, HistoryRecord>();
  let lastEnded: HistoryRecord | undefined;
  const lines = text.split('\n');
  const unterminated = !text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1); // a BOM an editor added
    if (!line || (line.charCodeAt(0) <= 0x20 && !line.trim())) continue; // blank: trim only when it may be
    const parsed = parseRecord(line);
    if (!parsed.record) {
      const last = unterminated && i === lines.length - 1;
      problems.push({ line: i + 1, reason: last ? `${parsed.reason} (the last line is incomplete: a writer crashed or is still writing)` : parsed.reason });
      continue;
    }
    // The same record twice, e.g. after a bad merge of a committed history: count it once.
    const first = seen.get(parsed.record.id);
    if (first !== undefined) {
      problems.push({ line: i + 1, reason: `duplicate of the record on line ${first} (id ${parsed.record.id})` });
      continue;
    }
    seen.set(parsed.record.id, i + 1);
    const record = parsed.record;
    shareStrings(record, lastInto.get(record.target.environment) ?? lastEnded);
    if (record.outcome !== 'started') {
      lastInto.set(record.target.environment, record);
      lastEnded = record;
    }
    records.push(record);
  }
  return { records: pairStarts(records, isRunning), problems };
}

function pairStarts(records: readonly HistoryRecord[], isRunning: (start: HistoryRecord) => boolean): HistoryRecord[] {
  const ended = new Set<string>();
  for (const r of records) if (r.started) ended.add(r.started);
  const out: HistoryRecord[] = [];
  for (const r of records) {
    if (r.outcome !== 'started') out.push(r);
    else if (!ended.has(r.id) && !isRunning(r)) out.push(interruptedRecord(r));
  }
  return out;
}

function problemSummary(file: string, problems: readonly HistoryProblem[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_LOGGED).map((p) => `line ${p.line}: ${p.reason}`);
  const more = problems.length > MAX_PROBLEMS_LOGGED ? `; and ${problems.length - MAX_PROBLEMS_LOGGED} more` : '';
  return `Promotion history ${file}: skipped ${problems.length} line${problems.length === 1 ? '' : 's'} (${shown.join('; ')}${more})`;
}

/** Makes a new file's directory entry durable too. Not possible on Windows; the data itself is synced. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
