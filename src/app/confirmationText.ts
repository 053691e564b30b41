// What a person is shown before a digest moves, in the same words by every front end.
import { shortDigest } from '../core/reference';
import type { GateResult } from '../gates/gate';
import type { Confirmation } from '../promotion/promote';

/** The question itself: `Promote sha256:… from staging into production?` */
export function confirmationQuestion(c: Confirmation): string {
  return c.mode === 'rollback' ? `Roll ${c.target.name} back to ${shortDigest(c.digest)}?` : `Promote ${shortDigest(c.digest)} from ${c.sourceLabel} into ${c.target.name}?`;
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
