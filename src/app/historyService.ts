// The promotion history of a workspace folder: where it lives (inside the folder), reading it (with
// the registry's records, when a front end adds them) for views, gates and rollback, and appending
// one line per attempt (and its start, before the tag moves) before the attempt is reported.
import { stat } from 'node:fs/promises';
import { resolveWorkspaceFile, type WorkspaceFileResult } from '../config/workspaceFile';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { DEFAULT_HISTORY_FILE, HistoryStore, type HistoryContents } from '../history/historyStore';
import type { HistoryRecord } from '../history/record';
import { whoIsPromoting } from '../history/who';
import { historyRecordFor, startedRecordFor } from '../promotion/historyEntry';
import type { PromotionOutcome, PromotionRequest, StartedWrite } from '../promotion/promote';
import { writesFile, type RecordsSetting } from '../records/promotionRecords';

const SETTING = 'imagePromotion.historyFile';

export interface HistoryServiceOptions {
  /** The configured path (relative to the workspace folder), undefined for the default. */
  readonly historyFile: () => string | undefined;
  readonly records: () => RecordsSetting;
  readonly log: Logger;
  /** Tells the person once about a history file that cannot be where it was configured. */
  readonly warn: (message: string) => void;
}

export class HistoryService {
  private store: HistoryStore | undefined;
  /** The last read, kept while the file's size and mtime are unchanged: every refresh asks. */
  private cached: { file: string; size: number; mtimeMs: number; contents: HistoryContents } | undefined;
  /** Adds the registry's promotion records (set by the front end when records are read from it). */
  private withRecords: ((file: HistoryContents) => Promise<HistoryContents | undefined>) | undefined;
  /** Problems already shown, so a refresh every minute does not repeat the warning. */
  private readonly warned = new Set<string>();

  constructor(private readonly options: HistoryServiceOptions) {}

  useRecords(merge: (file: HistoryContents) => Promise<HistoryContents | undefined>): void {
    this.withRecords = merge;
  }

  /** The team's history: the file and the registry's records together (what gates, rollback and the runner read). */
  async read(workspaceDir: string): Promise<HistoryContents> {
    const file = await this.readFile(workspaceDir);
    return (await this.withRecords?.(file)) ?? file;
  }

  /**
   * Where the history of a workspace folder is kept: the setting when it stays inside the folder,
   * else the default (with a warning saying why), else nowhere.
   */
  location(workspaceDir: string): WorkspaceFileResult {
    const configured = this.options.historyFile();
    const chosen = configured === undefined ? undefined : resolveWorkspaceFile(workspaceDir, configured, SETTING);
    if (chosen?.ok) return chosen;
    const fallback = resolveWorkspaceFile(workspaceDir, DEFAULT_HISTORY_FILE, SETTING);
    if (chosen && fallback.ok) this.warnOnce(`${chosen.problem}. Until then promotions are recorded in ${fallback.file}.`);
    if (!fallback.ok) this.warnOnce(`No promotion history is kept: ${fallback.problem}.`);
    return fallback;
  }

  /** The file for a workspace folder, re-resolved when the setting changes; what is wrong when there is none. */
  file(workspaceDir: string): string {
    const where = this.location(workspaceDir);
    return where.ok ? where.file : `no history file (${where.problem})`;
  }

  /** The history file alone. */
  async readFile(workspaceDir: string): Promise<HistoryContents> {
    const store = this.storeFor(workspaceDir);
    const stats = await stat(store.file).catch(() => undefined);
    const c = this.cached;
    if (stats && c?.file === store.file && c.size === stats.size && c.mtimeMs === stats.mtimeMs) return c.contents;
    const contents = await store.read();
    this.cached = stats ? { file: store.file, size: stats.size, mtimeMs: stats.mtimeMs, contents } : undefined;
    return contents;
  }

  /**
   * Right before the tag moves: the attempt's start, which its end record names (startedId), so a
   * killed process's attempt reads as interrupted. Rejects when it could not be written. Not kept when
   * records go to the registry only (a start with no end in the file would read as interrupted).
   */
  async recordStart(workspaceDir: string, request: PromotionRequest, write: StartedWrite, startedId: string): Promise<void> {
    if (!writesFile(this.options.records())) return;
    await this.storeFor(workspaceDir).append(startedRecordFor(request, write, await whoIsPromoting(workspaceDir), startedId));
  }

  /**
   * Appends and flushes the attempt (unless records go to the registry only). Returns the record, for
   * the registry, and a failure to write as the sentence to show (never swallowed: the front end shows it).
   */
  async record(
    workspaceDir: string,
    request: PromotionRequest,
    outcome: PromotionOutcome,
    startedId?: string,
  ): Promise<{ record: HistoryRecord; problem?: string }> {
    const record = historyRecordFor(request, outcome, await whoIsPromoting(workspaceDir), Date.now(), startedId);
    if (!writesFile(this.options.records())) return { record };
    let store: HistoryStore | undefined;
    try {
      store = this.storeFor(workspaceDir);
      await store.append(record);
      return { record };
    } catch (error) {
      const where = store?.file ?? 'the promotion history';
      this.options.log.error(`the promotion history ${where} could not be written: ${errorMessage(error)}`);
      return { record, problem: `The promotion was ${outcome.status}, but it could not be recorded in ${where}: ${errorMessage(error)}` };
    }
  }

  /** Throws, saying what to do, when the history has no place inside the folder. */
  private storeFor(workspaceDir: string): HistoryStore {
    const where = this.location(workspaceDir);
    if (!where.ok) throw new Error(where.problem);
    if (this.store?.file !== where.file) this.store = new HistoryStore(where.file, this.options.log);
    return this.store;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.log.warn(message);
    this.options.warn(message);
  }
}
