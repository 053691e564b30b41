// The cancellable-progress block, written once: a notification with a Cancel button whose token
// aborts the signal handed to the work. Every long command runs through it.
import * as vscode from 'vscode';

/** Reports a step ("Pushing…") under the notification's title. */
export type ReportStep = (message: string) => void;

export function withCancellableProgress<T>(title: string, work: (report: ReportStep, signal: AbortSignal) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const subscription = token.onCancellationRequested(() => abort.abort());
      try {
        return await work((message) => progress.report({ message }), abort.signal);
      } finally {
        subscription.dispose();
      }
    }),
  );
}
