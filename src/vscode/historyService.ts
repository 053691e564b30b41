// The promotion history of the workspace: where it lives (imagePromotion.historyFile), reading it for
// the trees and gates, and appending one line per attempt before the attempt is reported.
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { HistoryStore, resolveHistoryFile, type HistoryContents } from '../history/historyStore';
import type { HistoryRecord } from '../history/record';
import { whoIsPromoting } from '../history/who';
import { writesFile } from '../records/promotionRecords';
import { historyRecordFor, startedRecordFor } from '../promotion/historyEntry';
import type { PromotionOutcome, PromotionRequest, StartedWrite } from '../promotion/promote';
import type { Settings } from './settings';

export class HistoryService {
  private store: HistoryStore | undefined;
  /** The last read, kept while the file's size and mtime are unchanged: every refresh asks. */
  private cached: { file: string; size: number; mtimeMs: number; contents: HistoryContents } | undefined;

  /** Adds the registry's promotion records (set by the container when records are read from it). */
  private withRecords: ((file: HistoryContents) => Promise<HistoryContents | undefined>) | undefined;

  constructor(private readonly settings: Settings, private readonly log: Logger) {}

  useRecords(merge: (file: HistoryContents) => Promise<HistoryContents | undefined>): void {
    this.withRecords = merge;
  }

  /** The team's history: the file and the registry's records together (what gates, rollback and the runner read). */
  async read(workspaceDir: string): Promise<HistoryContents> {
    const file = await this.readFile(workspaceDir);
    return (await this.withRecords?.(file)) ?? file;
  }

  /** The file for a workspace folder, re-resolved when the setting changes. */
  file(workspaceDir: string): string {
    return resolveHistoryFile(workspaceDir, this.settings.historyFile());
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
   * killed host's attempt reads as interrupted. Rejects when it could not be written. Not kept when
   * records go to the registry only (a start with no end in the file would read as interrupted).
   */
  async recordStart(workspaceDir: string, request: PromotionRequest, write: StartedWrite, startedId: string): Promise<void> {
    if (!writesFile(this.settings.records())) return;
    await this.storeFor(workspaceDir).append(startedRecordFor(request, write, await whoIsPromoting(workspaceDir), startedId));
  }

  /**
   * Appends and flushes the attempt (unless records go to the registry only); a failure to write is
   * shown, never swallowed. Returns the record, for the registry.
   */
  async record(workspaceDir: string, request: PromotionRequest, outcome: PromotionOutcome, startedId?: string): Promise<HistoryRecord> {
    const store = this.storeFor(workspaceDir);
    const record = historyRecordFor(request, outcome, await whoIsPromoting(workspaceDir), Date.now(), startedId);
    if (!writesFile(this.settings.records())) return record;
    try {
      await store.append(record);
    } catch (error) {
      this.log.error(`the promotion history ${store.file} could not be written: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`The promotion was ${outcome.status}, but it could not be recorded in ${store.file}: ${errorMessage(error)}`);
    }
    return record;
  }

  private storeFor(workspaceDir: string): HistoryStore {
    const file = this.file(workspaceDir);
    if (this.store?.file !== file) this.store = new HistoryStore(file, this.log);
    return this.store;
  }
}
