// Everything the commands ask a person, behind one interface so extension-host tests can answer.
import * as vscode from 'vscode';
import type { Confirmation, MovedTarget, PromotionPrompts } from '../promotion/promote';
import { confirmationButton, confirmationDetail, confirmationTitle, typedNamePrompt } from '../app/text/confirmationText';

export { confirmationDetail, gateLine } from '../app/text/confirmationText';

export interface PickItem<T> {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly value: T;
  readonly picked?: boolean;
}

export interface UserInteraction extends PromotionPrompts {
  pick<T>(items: readonly PickItem<T>[], options: { title: string; placeholder: string }): Promise<T | undefined>;
  /** A modal warning with one action; true when the person chose it. */
  warn(message: string, detail: string, action: string): Promise<boolean>;
  /** A short note that needs no answer (never awaited). */
  inform(message: string): void;
}

export class VsCodeInteraction implements UserInteraction {
  async pick<T>(items: readonly PickItem<T>[], options: { title: string; placeholder: string }): Promise<T | undefined> {
    const chosen = await vscode.window.showQuickPick(
      items.map((item) => ({ label: item.label, description: item.description, detail: item.detail, picked: item.picked, item })),
      { title: options.title, placeHolder: options.placeholder, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
    );
    return chosen?.item.value;
  }

  async warn(message: string, detail: string, action: string): Promise<boolean> {
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
  }

  inform(message: string): void {
    void vscode.window.showInformationMessage(message);
  }

  async confirm(c: Confirmation): Promise<boolean> {
    const action = confirmationButton(c);
    const answer = await vscode.window.showWarningMessage(confirmationTitle(c), { modal: true, detail: confirmationDetail(c) }, action);
    if (answer !== action) return false;
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
