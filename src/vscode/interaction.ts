// Everything the commands ask a person, behind one interface so extension-host tests can answer.
import * as vscode from 'vscode';
import { shortDigest } from '../core/reference';
import type { GateResult } from '../gates/gate';
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
      c.mode === 'rollback' ? `Roll ${c.target.name} back to ${shortDigest(c.digest)}?` : `Promote ${shortDigest(c.digest)} from ${c.sourceLabel} into ${c.target.name}?`,
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

export function confirmationDetail(c: Confirmation): string {
  const how =
    c.transport === 'engine'
      ? 'retag and push through the local Docker engine'
      : 'copy registry-side (the manifest bytes themselves; blobs mounted or streamed)';
  const lines = [
    `Source: ${c.sourceLabel} (${c.sourceRepository})`,
    `Target: ${c.target.name} → ${c.targetRepository}:${c.target.tag}`,
    `Digest: ${c.digest}${c.platforms.length ? ` (${c.platforms.join(', ')})` : ''}`,
    `${c.target.name} now holds: ${c.currentTargetDigest ?? 'nothing (empty)'}`,
    `Transport: ${how}, then verify the digest — ${c.transportReason}`,
  ];
  if (c.extras) lines.push(`Coming along: ${c.extras}`);
  lines.push('', 'Gates:', ...c.gates.map(gateLine));
  if (c.overriddenGates?.length) lines.push('', `Overridden for this rollback (recorded in the history): ${c.overriddenGates.join(', ')}`);
  if (c.requireTypedName) lines.push('', `${c.target.name} needs approval: you will type its name next.`);
  return lines.join('\n');
}

export function gateLine(g: GateResult): string {
  const mark = g.status === 'passed' ? '✓' : g.status === 'failed' ? '✗' : '!';
  const details = g.status !== 'passed' && g.details?.length ? `\n    ${g.details.slice(-3).join('\n    ')}` : '';
  return `${mark} ${g.name}: ${g.reason}${details}`;
}
