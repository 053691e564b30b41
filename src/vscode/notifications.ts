// Results shown short, with the log one click away. Never awaited: a command must not wait for a toast.
import * as vscode from 'vscode';
import type { PromotionOutcome } from '../promotion/promote';

const SHOW_LOG = 'Show Log';

export function showOutcome(outcome: PromotionOutcome): void {
  const show =
    outcome.status === 'succeeded' || outcome.status === 'cancelled'
      ? vscode.window.showInformationMessage
      : outcome.status === 'blocked'
        ? vscode.window.showWarningMessage
        : vscode.window.showErrorMessage;
  void show(outcome.message, SHOW_LOG).then(openLogIf);
}

export function showError(message: string): void {
  void vscode.window.showErrorMessage(message, SHOW_LOG).then(openLogIf);
}

function openLogIf(choice: string | undefined): void {
  if (choice === SHOW_LOG) void vscode.commands.executeCommand('imagePromotion.showLog');
}
