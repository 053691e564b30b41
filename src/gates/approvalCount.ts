// An approval gate's count: the distinct people among the stored approvals (records/approvals.ts) whose
// names `from` allows, and whether the promoter's own confirmation adds one (allowSelf). A person is
// known by a name, an e-mail, or `Name <email>`; two labels sharing any of these are one person.
import type { ApprovalGateConfig } from '../config/types';
import { failed, passed, type GateResult } from './gate';

export interface ApprovalCount {
  /** Distinct allowed approvers among the stored approvals (the promoter left out under four eyes). */
  readonly approvers: readonly string[];
  /** Stored approvals that do not count: not in `from`, or the promoter's own under four eyes. */
  readonly ignored: readonly string[];
  /** The promoter's confirmation counts as one more. */
  readonly selfCounts: boolean;
  readonly needed: number;
}

/** The keys a person is known by: the whole label, its name and its e-mail, without case. */
export function personKeys(label: string): Set<string> {
  const keys = new Set([label.trim().toLowerCase()]);
  const match = /^(.*?)\s*<([^>]+)>\s*$/.exec(label);
  if (match) {
    if (match[1]!.trim()) keys.add(match[1]!.trim().toLowerCase());
    keys.add(match[2]!.trim().toLowerCase());
  }
  return keys;
}

function samePerson(a: Set<string>, b: Set<string>): boolean {
  for (const key of a) if (b.has(key)) return true;
  return false;
}

export function allowedBy(gate: Pick<ApprovalGateConfig, 'from'>, label: string): boolean {
  if (!gate.from) return true;
  const keys = personKeys(label);
  return gate.from.some((f) => keys.has(f.trim().toLowerCase()));
}

export function countApprovals(gate: ApprovalGateConfig, stored: readonly { by: string }[], promoter: string | undefined): ApprovalCount {
  const self = promoter ? personKeys(promoter) : undefined;
  const people: Set<string>[] = [];
  const approvers: string[] = [];
  const ignored: string[] = [];
  for (const { by } of stored) {
    const keys = personKeys(by);
    if (!allowedBy(gate, by) || (!gate.allowSelf && self && samePerson(keys, self))) {
      ignored.push(by);
      continue;
    }
    if (people.some((p) => samePerson(p, keys))) continue;
    people.push(keys);
    approvers.push(by);
  }
  const selfCounts = gate.allowSelf && !!promoter && allowedBy(gate, promoter) && !people.some((p) => samePerson(p, self!));
  return { approvers, ignored, selfCounts, needed: gate.count };
}

/** `2 of 2 approvals` as words: who approved, and what is missing with the command that gives it. */
export function approvalGateResult(gate: ApprovalGateConfig, count: ApprovalCount, how: { environment: string; digest: string }): GateResult {
  const have = count.approvers.length + (count.selfCounts ? 1 : 0);
  const who = count.approvers.length ? `approved by ${count.approvers.join(', ')}` : 'no approval given ahead';
  const self = count.selfCounts ? ' and your confirmation' : gate.allowSelf ? '' : " (four eyes: the promoter's own does not count)";
  const ignored = count.ignored.length ? [`not counted: ${count.ignored.join(', ')}${gate.from ? ` (allowed: ${gate.from.join(', ')})` : ''}`] : [];
  const words = `${have} of ${count.needed} approvals: ${who}${self}`;
  if (have >= count.needed) return passed(gate.name, gate.type, words, 0, ignored);
  const missing = count.needed - have;
  return failed(
    gate.name,
    gate.type,
    `${words}; ${missing} more needed${gate.from ? ` from ${gate.from.join(', ')}` : ''} (image-promotion approve ${how.environment} --build ${how.digest}, or Approve Build for Environment…)`,
    0,
    ignored,
  );
}

/** Whether the gate asks more than the confirmation alone (else no approvals are read). */
export function needsStoredApprovals(gate: ApprovalGateConfig): boolean {
  return gate.count > 1 || !gate.allowSelf || gate.from !== undefined;
}
