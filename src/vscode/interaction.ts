// Everything the commands ask a person, behind one interface so extension-host tests can answer.
import * as vscode from 'vscode';
import { shortDigest } from '../core/reference';
import { confirmationDetail, confirmationQuestion } from '../app/confirmationText';
import type { Confirmation, MovedTarget, PromotionPrompts } from '../promotion/promote';

export interface PickItem<T> {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly value: T;
  readonly picked?: boolean;
}

export interface UserInteraction extends PromotionPrompts {
  pick<T>(items: readonly PickItem<T>[], options: { title: string; placeholder: string }): Promise<T | undefined>;
}

export class VsCodeInteraction implements UserInteraction {
  async pick<T>(items: readonly PickItem<T>[], options: { title: string; placeholder: string }): Promise<T | undefined> {
    const chosen = await vscode.window.showQuickPick(
      items.map((item) => ({ label: item.label, description: item.description, detail: item.detail, picked: item.picked, item })),
      { title: options.title, placeHolder: options.placeholder, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
    );
    return chosen?.item.value;
  }

  async confirm(c: Confirmation): Promise<boolean> {
    const action = c.requireTypedName ? 'Continue…' : 'Promote';
    const answer = await vscode.window.showWarningMessage(
      confirmationQuestion(c),
      { modal: true, detail: confirmationDetail(c) },
      action,
    );
    if (answer !== action) return false;
    if (!c.requireTypedName) return true;
    const typed = await vscode.window.showInputBox({
      title: `Approve promotion into ${c.target.name}`,
      prompt: `${c.target.name} is protected. Type "${c.target.name}" to push ${shortDigest(c.digest)} to ${c.targetRepository}:${c.target.tag}.`,
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
