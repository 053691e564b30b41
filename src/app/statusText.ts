// How an environment row reads, in words both front ends show: its tag, build, and where it stands.
import { errorMessage } from '../core/errors';
import type { BuildsResult, EnvironmentRow } from '../model/snapshot';
import { pendingApprovalsText } from '../model/holdLookups';
import { environmentWindow, windowRowText } from '../model/windows';
import { describeHold } from '../records/holds';
import { buildLabel, buildTagOf } from './text/buildLabel';
import { runningText, runtimeStateOf } from './text/runningText';
import { shortDigest } from '../core/reference';

/** One word for scripts: the row's state. */
export type EnvironmentState =
  'in-step' | 'behind' | 'ahead' | 'differs' | 'empty' | 'error' | 'drift' | 'not-redeployed' | 'not-running' | 'present' | 'mixed';

export function environmentState(row: EnvironmentRow): EnvironmentState {
  if (row.components) {
    // A release: any image unreadable is an error, all empty is empty, images of several builds a mix.
    if (row.components.some((c) => c.lookup.state === 'error')) return 'error';
    if (row.release?.kind === 'empty') return 'empty';
    if (row.release?.kind === 'mixed') return 'mixed';
  }
  if (row.lookup.state === 'error') return 'error';
  if (row.lookup.state === 'absent') return 'empty';
  if (row.drift) return 'drift';
  const runtime = runtimeStateOf(row);
  if (runtime === 'not-redeployed' || runtime === 'not-running') return runtime;
  if (row.relation === 'in-step' || row.relation === 'behind' || row.relation === 'ahead' || row.relation === 'differs') return row.relation;
  return 'present';
}

/** `in step with staging`, `behind staging`, `ahead of staging`, `differs from staging`, or nothing (the first environment, or unknown). */
export function relationText(row: EnvironmentRow): string | undefined {
  if (!row.previous) return undefined;
  switch (row.relation) {
    case 'in-step':
      return `in step with ${row.previous.name}`;
    case 'behind':
      return `behind ${row.previous.name}`;
    case 'ahead':
      return `ahead of ${row.previous.name}`;
    case 'differs':
      return `differs from ${row.previous.name}`;
    default:
      return undefined;
  }
}

/** The row's description: tag · build (or empty, or the error) · drift or relation · a hold · a closed release window (given the time). */
export function environmentDescriptionParts(row: EnvironmentRow, builds?: BuildsResult, now?: number): string[] {
  const { env, lookup } = row;
  const parts = [env.tag];
  const runs = runningText(row, builds);
  if (row.components) parts.push(releaseText(row));
  // Lead with the build a person knows; the digest stays one hover away. When what runs is not it, say it is the tag's.
  else if (lookup.state === 'present')
    parts.push(`${runs?.agrees === false ? 'tag ' : ''}${buildLabel({ tag: buildTagOf(builds, lookup.digest) }, lookup.digest)}`);
  else if (lookup.state === 'absent') parts.push('empty');
  else if (lookup.state === 'error') parts.push(errorMessage(lookup.error));
  if (runs) parts.push(runs.text);
  const relation = relationText(row);
  if (row.drift) parts.push('changed outside promotion');
  else if (relation) parts.push(relation);
  const held = holdRowText(row);
  if (held) parts.push(held);
  const pending = approvalsRowText(row);
  if (pending) parts.push(pending);
  if (now !== undefined) {
    const window = environmentWindow(env, now);
    const frozen = window && windowRowText(window, now);
    if (frozen) parts.push(frozen);
  }
  return parts;
}

/** `held by Ana since 2026-12-07T01:00:00.000Z: db migration`, `hold unreadable: …`, or nothing. */
export function holdRowText(row: EnvironmentRow): string | undefined {
  if (row.hold?.state === 'held') return describeHold(row.hold.hold);
  if (row.hold?.state === 'error') return `hold unreadable: ${errorMessage(row.hold.error)}`;
  return undefined;
}

/** `1 of 2 approvals for sha256:… (ben)` while the next digest lacks approvals; nothing once they are all given. */
export function approvalsRowText(row: EnvironmentRow): string | undefined {
  return row.approvals ? pendingApprovalsText(row.approvals) : undefined;
}

/** `release 8d41e07 (3 images)`, `mixed: web differs from 8d41e07`, `empty`, or which image could not be read. */
export function releaseText(row: EnvironmentRow): string {
  const components = row.components ?? [];
  const unreadable = components.find((c) => c.lookup.state === 'error');
  if (unreadable && unreadable.lookup.state === 'error') return `${unreadable.name}: ${errorMessage(unreadable.lookup.error)}`;
  const release = row.release;
  switch (release?.kind) {
    case 'release':
      return `release ${release.build} (${components.length} images)`;
    case 'mixed': {
      const which = `${release.differs.join(', ')} ${release.differs.length === 1 ? 'differs' : 'differ'}`;
      return release.build ? `mixed: ${which} from ${release.build}` : `mixed: ${which}`;
    }
    case 'empty':
      return 'empty';
    default:
      return `not a listed build: ${components.map((c) => `${c.name} ${c.lookup.state === 'present' ? shortDigest(c.lookup.digest) : 'empty'}`).join(', ')}`;
  }
}
