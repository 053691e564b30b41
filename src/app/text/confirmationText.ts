// The words of the promotion and rollback confirmation: title, button, detail. Pure, so they are tested
// without a dialog.
import { shortDigest } from '../../core/reference';
import type { GateResult } from '../../gates/gate';
import type { Confirmation } from '../../promotion/promote';
import { buildLabel } from './buildLabel';

export function confirmationTitle(c: Confirmation): string {
  const what = buildLabel(c.build, c.digest);
  return c.mode === 'rollback' ? `Roll ${c.target.name} back to ${what}?` : `Promote ${what} from ${c.sourceLabel} into ${c.target.name}?`;
}

/** The dialog's button says what it does; "Continue…" when the name is typed next. */
export function confirmationButton(c: Confirmation): string {
  if (c.requireTypedName) return 'Continue…';
  return c.mode === 'rollback' ? 'Roll Back' : 'Promote';
}

export function confirmationDetail(c: Confirmation): string {
  const how =
    c.transport === 'engine'
      ? 'retag and push through the local Docker engine'
      : 'copy registry-side (the manifest bytes themselves; blobs mounted or streamed)';
  const lines = [
    ...(c.build?.tag || c.build?.revision ? [`Build: ${buildLabel(c.build, c.digest)}`] : []),
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

export function typedNamePrompt(c: Confirmation): string {
  return `${c.target.name} is protected. Type "${c.target.name}" to ${c.mode === 'rollback' ? 'roll it back to' : 'push'} ${buildLabel(c.build, c.digest)} (${shortDigest(c.digest)}) to ${c.targetRepository}:${c.target.tag}.`;
}

export function gateLine(g: GateResult): string {
  const mark = g.status === 'passed' ? '✓' : g.status === 'failed' ? '✗' : '!';
  const details = g.status !== 'passed' && g.details?.length ? `\n    ${g.details.slice(-3).join('\n    ')}` : '';
  return `${mark} ${g.name}: ${g.reason}${details}`;
}
