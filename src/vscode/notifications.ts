// Results and errors shown short, with the log one click away. Never awaited: a command must not wait for a toast.
import * as vscode from 'vscode';
import type { PromotionOutcome } from '../promotion/promote';
import type { BuildIdentity } from '../app/text/buildLabel';
import { outcomeText } from '../app/text/outcomeText';
import { recordWrittenLine, type RecordWrite } from '../records/promotionRecords';
import { runCommand } from './commands/runCommand';
import type { UserInteraction } from './interaction';

export const SHOW_LOG = 'Show Log';

/**
 * The outcome, as soon as the move is verified and in the history file. When its registry record is
 * still on its way, the notification says so and, once the record lands, gives way to the outcome with
 * the record's line (a record the registry refused was told separately, through warn).
 */
export function showOutcome(outcome: PromotionOutcome, build?: BuildIdentity, registryRecords?: Promise<readonly RecordWrite[]>): void {
  const show =
    outcome.status === 'succeeded' || outcome.status === 'cancelled'
      ? vscode.window.showInformationMessage
      : outcome.status === 'blocked'
        ? vscode.window.showWarningMessage
        : vscode.window.showErrorMessage;
  const text = outcomeText(outcome, build);
  const withRecord = (writes: readonly RecordWrite[]): string => [text, ...writes.map(recordWrittenLine).filter(Boolean)].join(' ');
  if (!registryRecords) return void show(text, SHOW_LOG).then(openLogIf);
  let landed: readonly RecordWrite[] | undefined;
  void registryRecords.then((writes) => (landed = writes));
  // Settled already (or nothing to write): one notification, at once.
  void Promise.resolve().then(() => {
    if (landed) return void show(withRecord(landed), SHOW_LOG).then(openLogIf);
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: text }, async (progress) => {
      progress.report({ message: 'its record is being written to the registry…' });
      const writes = await registryRecords;
      void show(withRecord(writes), SHOW_LOG).then(openLogIf);
    });
  });
}

/** An error notification with "Show Log", through the person's interaction (extension tests answer it). */
export function showError(message: string, ui: Pick<UserInteraction, 'showError'>): void {
  void ui.showError(message, SHOW_LOG).then(openLogIf);
}

function openLogIf(choice: string | undefined): void {
  if (choice === SHOW_LOG) void runCommand('imagePromotion.showLog');
}
