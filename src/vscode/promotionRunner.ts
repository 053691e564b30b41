// Runs one promotion or rollback the way every command does: a cancellable progress notification,
// the history line written before the result is shown, the trees refreshed afterwards.
import * as vscode from 'vscode';
import { runPromotion } from '../app/runPromotion';
import { failedWebhooks } from '../notify/sendWebhooks';
import type { AppServices } from '../app/services';
import type { PromotionModel } from '../model/promotionModel';
import { sourceLabelOf, type PromotionOutcome, type PromotionRequest } from '../promotion/promote';
import type { UserInteraction } from './interaction';
import { showOutcome } from './notifications';
import { withCancellableProgress } from './progress';

export class PromotionRunner {
  private readonly running = new Set<string>();

  constructor(
    private readonly deps: {
      readonly model: PromotionModel;
      readonly app: Pick<AppServices, 'promotion' | 'history' | 'records' | 'log' | 'attestations' | 'documents'>;
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
      const { outcome, registryRecords } = await withCancellableProgress(title, async (report, signal) => {
        const recorded = await runPromotion(this.deps.app, request, {
          trusted: vscode.workspace.isTrusted,
          workspaceDir,
          prompts: this.deps.interaction(),
          progress: report,
          signal,
        });
        if (recorded.recordProblem) void vscode.window.showErrorMessage(recorded.recordProblem);
        // Shown when the receivers answer, after the outcome: a webhook never holds the promotion up.
        void recorded.notifications.then((results) => {
          for (const line of failedWebhooks(results)) void vscode.window.showWarningMessage(`Image Promotion: ${line}`);
        });
        return recorded;
      });
      showOutcome(outcome, request.build, registryRecords);
      // Shown at the next refresh anyway; once a record lands, the views read it (records: registry).
      void registryRecords.then((writes) => {
        if (writes.some((w) => w.state === 'written')) void this.deps.model.refresh();
      });
      return outcome;
    } finally {
      this.running.delete(target.name);
      this.deps.onBusyChanged();
      void this.deps.model.refresh();
    }
  }
}
