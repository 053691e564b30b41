// Runs one promotion or rollback the way every command does: a cancellable progress notification,
// the history line written before the result is shown, the trees refreshed afterwards.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { arrivals } from '../history/queries';
import type { PromotionModel } from '../model/promotionModel';
import { promote, sourceLabelOf, type PromotionOutcome, type PromotionRequest, type PromotionServices } from '../promotion/promote';
import type { PromotionRecords } from '../records/promotionRecords';
import type { HistoryService } from './historyService';
import type { UserInteraction } from './interaction';
import { showOutcome } from './notifications';

export class PromotionRunner {
  private readonly running = new Set<string>();

  constructor(
    private readonly deps: {
      readonly model: PromotionModel;
      readonly services: PromotionServices;
      readonly history: HistoryService;
      /** The promotion record in the registry, after a move; reports (never throws) when it is refused. */
      readonly records: PromotionRecords;
      readonly interaction: () => UserInteraction;
      /** A promotion started or ended: trees redraw the environment's row. */
      readonly onBusyChanged: () => void;
    },
  ) {}

  isPromoting(environment: string): boolean {
    return this.running.has(environment);
  }

  async run(request: PromotionRequest, workspaceDir: string): Promise<PromotionOutcome> {
    const { target } = request;
    const verb = request.mode === 'rollback' ? 'Rolling back' : 'Promoting';
    const title = request.mode === 'rollback' ? `${verb} ${target.name}` : `${verb} ${sourceLabelOf(request.source)} to ${target.name}`;
    this.running.add(target.name);
    this.deps.onBusyChanged();
    try {
      const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        const subscription = token.onCancellationRequested(() => abort.abort());
        try {
          // Read fresh: another window may have promoted since the tree was drawn.
          const history = await this.deps.history.read(workspaceDir).catch(() => undefined);
          let startedId: string | undefined;
          const result = await promote(request, this.deps.services, {
            trusted: vscode.workspace.isTrusted,
            workspaceDir,
            prompts: this.deps.interaction(),
            progress: (message) => progress.report({ message }),
            signal: abort.signal,
            ...(history ? { history: arrivals(history.records) } : {}),
            // Other windows and processes promoting into the same environment are kept out, and a
            // start line before the write shows a killed host's attempt as interrupted on restart.
            historyFile: this.deps.history.file(workspaceDir),
            journal: {
              started: async (write) => {
                const id = randomUUID();
                await this.deps.history.recordStart(workspaceDir, request, write, id);
                startedId = id;
              },
            },
          });
          progress.report({ message: 'Recording…' });
          const record = await this.deps.history.record(workspaceDir, request, result, startedId);
          await this.deps.records.write(result, record);
          return result;
        } finally {
          subscription.dispose();
        }
      });
      showOutcome(outcome, request.build);
      return outcome;
    } finally {
      this.running.delete(target.name);
      this.deps.onBusyChanged();
      void this.deps.model.refresh();
    }
  }
}
