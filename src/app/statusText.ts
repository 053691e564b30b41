// How an environment row reads, in words both front ends show: its tag, digest, and where it stands.
import { errorMessage } from '../core/errors';
import { shortDigest } from '../core/reference';
import type { EnvironmentRow } from '../model/snapshot';

/** One word for scripts: the row's state. */
export type EnvironmentState = 'in-step' | 'behind' | 'empty' | 'error' | 'drift' | 'present';

export function environmentState(row: EnvironmentRow): EnvironmentState {
  if (row.lookup.state === 'error') return 'error';
  if (row.lookup.state === 'absent') return 'empty';
  if (row.drift) return 'drift';
  if (row.relation === 'in-step') return 'in-step';
  if (row.relation === 'behind') return 'behind';
  return 'present';
}

/** `in step with staging`, `behind staging`, or nothing (the first environment, or unknown). */
export function relationText(row: EnvironmentRow): string | undefined {
  if (!row.previous) return undefined;
  if (row.relation === 'in-step') return `in step with ${row.previous.name}`;
  if (row.relation === 'behind') return `behind ${row.previous.name}`;
  return undefined;
}

/** The row's description: tag · digest or empty or the error · drift or relation. */
export function environmentDescriptionParts(row: EnvironmentRow): string[] {
  const { env, lookup } = row;
  const parts = [env.tag];
  if (lookup.state === 'present') parts.push(shortDigest(lookup.digest));
  if (lookup.state === 'absent') parts.push('empty');
  if (lookup.state === 'error') parts.push(errorMessage(lookup.error));
  const relation = relationText(row);
  if (row.drift) parts.push('changed outside promotion');
  else if (relation) parts.push(relation);
  return parts;
}
