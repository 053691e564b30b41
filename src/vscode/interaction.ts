// Everything the commands ask a person, behind one interface so extension-host tests can answer.
import * as vscode from 'vscode';
import type { Commit } from '../git/commitRange';
import type { Shipped } from '../model/compare';
import type { Confirmation, MovedTarget, PromotionPrompts } from '../promotion/promote';
import { shippedCommits, takesBack } from '../app/text/shippedText';
import { confirmationButton, confirmationDetail, confirmationTitle, typedNamePrompt } from '../app/text/confirmationText';

export { confirmationDetail, gateLine } from '../app/text/confirmationText';

export interface PickItem<T> {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly value: T;
  readonly picked?: boolean;
}

/** An input box; `password` hides what is typed. */
export interface AskOptions {
  readonly title: string;
  readonly prompt: string;
  readonly password?: boolean;
  readonly validate?: (value: string) => string | undefined;
}

/** An open dialog for one file. */
export interface PickFileOptions {
  readonly title: string;
  readonly openLabel: string;
  readonly filters: Readonly<Record<string, string[]>>;
  readonly defaultFile?: string;
}

export interface UserInteraction extends PromotionPrompts {
  pick<T>(items: readonly PickItem<T>[], options: { title: string; placeholder: string }): Promise<T | undefined>;
  /** What the person typed, or undefined when they escaped. */
  ask(options: AskOptions): Promise<string | undefined>;
  /** A modal warning with one action; true when the person chose it. */
  warn(message: string, detail: string, action: string): Promise<boolean>;
  /** A short note that needs no answer (never awaited). */
  inform(message: string): void;
  /** An error notification with one action; the action when the person chose it. */
  showError(message: string, action: string): Promise<string | undefined>;
  /** The file's path, or undefined when the person cancelled. */
  pickFile(options: PickFileOptions): Promise<string | undefined>;
}

export class VsCodeInteraction implements UserInteraction {
  async pick<T>(items: readonly PickItem<T>[], options: { title: string; placeholder: string }): Promise<T | undefined> {
    const chosen = await vscode.window.showQuickPick(
      items.map((item) => ({ label: item.label, description: item.description, detail: item.detail, picked: item.picked, item })),
      { title: options.title, placeHolder: options.placeholder, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
    );
    return chosen?.item.value;
  }

  async ask(options: AskOptions): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title: options.title,
      prompt: options.prompt,
      password: options.password === true,
      ignoreFocusOut: true,
      ...(options.validate ? { validateInput: options.validate } : {}),
    });
  }

  async warn(message: string, detail: string, action: string): Promise<boolean> {
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
  }

  inform(message: string): void {
    void vscode.window.showInformationMessage(message);
  }

  async showError(message: string, action: string): Promise<string | undefined> {
    return vscode.window.showErrorMessage(message, action);
  }

  async pickFile(options: PickFileOptions): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({
      title: options.title,
      openLabel: options.openLabel,
      canSelectMany: false,
      filters: { ...options.filters },
      ...(options.defaultFile ? { defaultUri: vscode.Uri.file(options.defaultFile) } : {}),
    });
    return picked?.[0]?.fsPath;
  }

  async confirm(c: Confirmation): Promise<boolean> {
    const action = confirmationButton(c);
    const { commits, more } = c.shipped ? shippedCommits(c.shipped) : { commits: [], more: 0 };
    // The full list is a click away; reading it comes back to the same question.
    const list = commits.length ? `Show ${commits.length + more} Commits…` : undefined;
    for (;;) {
      const answer = await vscode.window.showWarningMessage(
        confirmationTitle(c),
        { modal: true, detail: confirmationDetail(c) },
        ...[action, ...(list ? [list] : [])],
      );
      if (answer === list) {
        await showCommitList(c, commits, more);
        continue;
      }
      if (answer !== action) return false;
      break;
    }
    if (!c.requireTypedName) return true;
    const typed = await vscode.window.showInputBox({
      title: `Approve ${c.mode === 'rollback' ? 'rollback' : 'promotion'} into ${c.target.name}`,
      prompt: typedNamePrompt(c),
      placeHolder: c.target.name,
      ignoreFocusOut: true,
      validateInput: (value) => (value === c.target.name || value === '' ? undefined : `Type exactly "${c.target.name}"`),
    });
    return typed === c.target.name;
  }

  async confirmMovedTarget(m: MovedTarget): Promise<boolean> {
    const action = 'Promote Anyway';
    const answer = await vscode.window.showWarningMessage(
      `${m.target.name} changed since you looked at it.`,
      {
        modal: true,
        detail: `It showed ${m.seen ? m.seen : 'nothing (empty)'}.\nIt now holds ${m.now ? m.now : 'nothing (empty)'}.\n\nPromoting replaces what it holds now, which you have not seen in the tree.`,
      },
      action,
    );
    return answer === action;
  }
}

async function showCommitList(c: Confirmation, commits: readonly Commit[], more: number): Promise<void> {
  const verb = takesBack(c.shipped) ? 'takes back' : 'ships';
  await vscode.window.showQuickPick(
    [
      ...commits.map((commit) => ({
        label: commit.subject,
        description: `${commit.sha.slice(0, 7)} · ${commit.author} · ${commit.date.slice(0, 10)}${commit.merge ? ' · merge' : ''}`,
      })),
      ...(more > 0 ? [{ label: `… and ${more} more`, description: 'run Compare Environments… for the whole range' }] : []),
    ],
    {
      title: `${c.sourceLabel} → ${c.target.name} ${verb} ${commits.length + more} commit${commits.length + more === 1 ? '' : 's'}`,
      placeHolder: 'Press Escape to return to the confirmation',
      matchOnDescription: true,
    },
  );
}

/**
 * Fills in what a confirmation ships before the person is asked (both the dialog and extension tests
 * see it). A lookup that fails or takes too long costs the list, never the promotion.
 */
export function withShippedCommits(
  inner: UserInteraction,
  ships: (c: Confirmation, signal: AbortSignal) => Promise<Shipped | undefined>,
  timeoutMs = 8_000,
): UserInteraction {
  return {
    pick: (items, options) => inner.pick(items, options),
    ask: (options) => inner.ask(options),
    warn: (message, detail, action) => inner.warn(message, detail, action),
    inform: (message) => inner.inform(message),
    showError: (message, action) => inner.showError(message, action),
    pickFile: (options) => inner.pickFile(options),
    confirmMovedTarget: (m) => inner.confirmMovedTarget(m),
    confirm: async (c) => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      const shipped = await ships(c, abort.signal).then(
        (s) => s,
        (error: Error): Shipped => ({
          kind: 'note',
          note: 'failed',
          message: abort.signal.aborted ? `git and the registry did not answer within ${timeoutMs / 1000} s` : error.message,
        }),
      );
      clearTimeout(timer);
      return inner.confirm(shipped ? { ...c, shipped } : c);
    },
  };
}
