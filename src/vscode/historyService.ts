// The promotion history of the workspace: where it lives (imagePromotion.historyFile), reading it for
// the trees and gates, and appending one line per attempt before the attempt is reported.
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { HistoryStore, resolveHistoryFile, type HistoryContents } from '../history/historyStore';
import { whoIsPromoting } from '../history/who';
import { historyRecordFor, startedRecordFor } from '../promotion/historyEntry';
import type { PromotionOutcome, PromotionRequest, StartedWrite } from '../promotion/promote';
import type { Settings } from './settings';

export class HistoryService {
  private store: HistoryStore | undefined;
  /** The last read, kept while the file's size and mtime are unchanged: every refresh asks. */
  private cached: { file: string; size: number; mtimeMs: number; contents: HistoryContents } | undefined;

  constructor(private readonly settings: Settings, private readonly log: Logger) {}

  /** The file for a workspace folder, re-resolved when the setting changes. */
  file(workspaceDir: string): string {
    return resolveHistoryFile(workspaceDir, this.settings.historyFile());
  }

  async read(workspaceDir: string): Promise<HistoryContents> {
    const store = this.storeFor(workspaceDir);
    const stats = await stat(store.file).catch(() => undefined);
    const c = this.cached;
    if (stats && c?.file === store.file && c.size === stats.size && c.mtimeMs === stats.mtimeMs) return c.contents;
    const contents = await store.read();
    this.cached = stats ? { file: store.file, size: stats.size, mtimeMs: stats.mtimeMs, contents } : undefined;
    return contents;
  }

  /** Appends and flushes the attempt; a failure to write is shown, never swallowed. */
  /** Right before the tag moves: the attempt's start, which its end record names (startedId). Rejects when it could not be written. */
  async recordStart(workspaceDir: string, request: PromotionRequest, write: StartedWrite, startedId: string): Promise<void> {
    await this.storeFor(workspaceDir).append(startedRecordFor(request, write, await whoIsPromoting(workspaceDir), startedId));
  }

  async record(workspaceDir: string, request: PromotionRequest, outcome: PromotionOutcome, startedId?: string): Promise<void> {
    const store = this.storeFor(workspaceDir);
    try {
      await store.append(historyRecordFor(request, outcome, await whoIsPromoting(workspaceDir), Date.now(), startedId));
    } catch (error) {
      this.log.error(`the promotion history ${store.file} could not be written: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`The promotion was ${outcome.status}, but it could not be recorded in ${store.file}: ${errorMessage(error)}`);
    }
  }

  private storeFor(workspaceDir: string): HistoryStore {
    const file = this.file(workspaceDir);
    if (this.store?.file !== file) this.store = new HistoryStore(file, this.log);
    return this.store;
  }
}
