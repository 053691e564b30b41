// Results and errors shown short, with the log one click away. Never awaited: a command must not wait for a toast.
import * as vscode from 'vscode';
import type { PromotionOutcome } from '../promotion/promote';
import type { BuildIdentity } from '../app/text/buildLabel';
import { outcomeText } from '../app/text/outcomeText';
import { runCommand } from './commands/runCommand';
import type { UserInteraction } from './interaction';

export const SHOW_LOG = 'Show Log';

export function showOutcome(outcome: PromotionOutcome, build?: BuildIdentity): void {
  const show =
    outcome.status === 'succeeded' || outcome.status === 'cancelled'
      ? vscode.window.showInformationMessage
      : outcome.status === 'blocked'
        ? vscode.window.showWarningMessage
        : vscode.window.showErrorMessage;
  void show(outcomeText(outcome, build), SHOW_LOG).then(openLogIf);
}

/** An error notification with "Show Log", through the person's interaction (extension tests answer it). */
export function showError(message: string, ui: Pick<UserInteraction, 'showError'>): void {
  void ui.showError(message, SHOW_LOG).then(openLogIf);
}

function openLogIf(choice: string | undefined): void {
  if (choice === SHOW_LOG) void runCommand('imagePromotion.showLog');
}
