// The words of the promotion and rollback confirmation: title, button, detail. Pure, so they are tested
// without a dialog.
import type { DeployAction } from '../../config/types';
import { shortDigest } from '../../core/reference';
import type { GateResult } from '../../gates/gate';
import type { Confirmation } from '../../promotion/promote';
import { buildLabel, shortRevision } from './buildLabel';
import { shippedFrom, shippedSummary } from './shippedText';

export function confirmationTitle(c: Confirmation): string {
  const what = buildLabel(c.build, c.digest);
  return c.mode === 'rollback' ? `Roll ${c.target.name} back to ${what}?` : `Promote ${what} from ${c.sourceLabel} into ${c.target.name}?`;
}

/**
 * The dialog's button says what it does, with "…" when the name is typed next; a rollback says so
 * even then (people look for Roll Back), a promotion says "Continue…".
 */
export function confirmationButton(c: Confirmation): string {
  if (c.mode === 'rollback') return c.requireTypedName ? 'Roll Back…' : 'Roll Back';
  return c.requireTypedName ? 'Continue…' : 'Promote';
}

/**
 * Read in five seconds: the build, from → to, the commits and the gates first; below a blank line,
 * the details (where it goes, digests, platforms, transport and why, what comes along, each gate).
 */
export function confirmationDetail(c: Confirmation): string {
  return confirmationDetailLines(c).join('\n');
}

/** The same, one line per element (the CLI prints each line inert). */
export function confirmationDetailLines(c: Confirmation): string[] {
  return [...confirmationSummary(c), '', 'Details', ...confirmationDetails(c)];
}

export function confirmationSummary(c: Confirmation): string[] {
  const lines = [`${buildLabel(c.build, c.digest)}: ${c.sourceLabel} → ${c.target.name} (${targetNow(c)})`];
  if (c.components) lines.push(`Release of ${c.components.length} images, all or none: ${c.components.map((m) => m.name).join(', ')}`);
  if (c.shipped) lines.push(shippedSummary(c.shipped, c.target.name));
  lines.push(gateSummary(c));
  return lines;
}

function confirmationDetails(c: Confirmation): string[] {
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
  const deploy = c.target.deploy;
  if (deploy) lines.push(`Then: redeploy (${deployWords(deploy.action)}) and wait until ${c.target.name} runs it everywhere, within ${deploy.within}`);
  if (c.components) {
    // Every image moves, one after another; a failure puts the ones already moved back.
    lines.push('Images (all move, or none stays moved):');
    for (const m of c.components)
      lines.push(
        `  ${m.name}: ${m.digest ? shortDigest(m.digest) : '?'} → ${m.targetRepository}:${c.target.tag} (holds ${m.previousDigest ? shortDigest(m.previousDigest) : 'nothing'}${m.previousDigest === m.digest ? ', nothing to move' : ''})`,
      );
  }
  lines.push('Gates:', ...c.gates.flatMap(gateLines));
  if (c.overriddenGates?.length) lines.push(`Overridden for this rollback (recorded in the history): ${c.overriddenGates.join(', ')}`);
  return lines;
}

/** `recreate the containers app=shop`, `run kubectl`, `POST https://deploy.example.com/hook`. */
function deployWords(action: DeployAction): string {
  if (action.kind === 'docker')
    return `recreate the containers ${Object.entries(action.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}${action.host ? ` on ${action.host}` : ''}`;
  if (action.kind === 'command') return `run ${action.run.join(' ')}`;
  return `${action.request.method} ${action.request.url.replace(/[?#].*$/, '')}`;
}

/** What the target runs now, as briefly as it can be said. */
function targetNow(c: Confirmation): string {
  if (c.currentTargetDigest === null) return `${c.target.name} is empty`;
  const from = shippedFrom(c.shipped);
  return from ? `now rev ${shortRevision(from)}` : `now ${shortDigest(c.currentTargetDigest)}`;
}

function gateSummary(c: Confirmation): string {
  const failed = c.gates.filter((g) => g.status !== 'passed');
  const parts = [
    failed.length
      ? `${c.gates.length - failed.length} passed, ${failed.length} not passed (${failed.map((g) => g.name).join(', ')})`
      : c.gates.length
        ? `all ${c.gates.length} passed`
        : 'none',
  ];
  if (c.overriddenGates?.length) parts.push(`${c.overriddenGates.length} overridden`);
  if (c.requireTypedName) parts.push(`you type "${c.target.name}" next to approve`);
  return `Gates: ${parts.join(' · ')}`;
}

export function typedNamePrompt(c: Confirmation): string {
  return `${c.target.name} is protected. Type "${c.target.name}" to ${c.mode === 'rollback' ? 'roll it back to' : 'push'} ${buildLabel(c.build, c.digest)} (${shortDigest(c.digest)}) to ${c.targetRepository}:${c.target.tag}.`;
}

export function gateLine(g: GateResult): string {
  return gateLines(g).join('\n');
}

/** The gate's line, then the last lines of its output when it did not pass. */
export function gateLines(g: GateResult): string[] {
  const mark = g.status === 'passed' ? '✓' : g.status === 'failed' ? '✗' : '!';
  const details = g.status !== 'passed' && g.details?.length ? g.details.slice(-3).map((d) => `    ${d}`) : [];
  return [`${mark} ${g.name}: ${g.reason}`, ...details];
}
