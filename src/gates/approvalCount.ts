// An approval gate's count: the distinct people among the stored approvals (records/approvals.ts) whose
// names `from` allows, and whether the promoter's own confirmation adds one (allowSelf). A person is
// known by a name, an e-mail, or `Name <email>`; two labels sharing any of these are one person. When
// `from` lists public keys, only approvals signed by one of them count, a person being a key.
import type { ApprovalGateConfig } from '../config/types';
import { checkApprovalSignature, type ListedKey } from '../evidence/approvalSignature';
import { isInlineKey } from '../evidence/keys';
import { failed, passed, type GateResult } from './gate';

export interface ApprovalCount {
  /** Distinct allowed approvers among the stored approvals (the promoter left out under four eyes). */
  readonly approvers: readonly string[];
  /** Stored approvals that do not count: not in `from`, or the promoter's own under four eyes. */
  readonly ignored: readonly string[];
  /** With keys: the approvals that do not count for want of a good signature by a listed key, and why. */
  readonly unsigned: readonly { readonly by: string; readonly reason: string }[];
  /** The promoter's confirmation counts as one more. */
  readonly selfCounts: boolean;
  readonly needed: number;
}

/** A stored approval as read (records/approvals.ts): the signature is checked only when the gate lists keys. */
export interface StoredApproval {
  readonly by: string;
  readonly id?: string;
  readonly at?: string;
  /** A release: every image's digest the approval is of (signed with it). */
  readonly components?: Readonly<Record<string, string>>;
  readonly signature?: unknown;
}

/** What a gate with keys checks signatures against: its loaded keys, and the environment and digest approved. */
export interface SignedBy {
  readonly keys: readonly ListedKey[];
  readonly environment: string;
  readonly digest: string;
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

/**
 * Counts distinct allowed approvers. A gate with keys (`signed` given) counts an approval only when its
 * signature by a listed key verifies and says what the approval says; one approver per key. Without
 * `signed` such a gate counts none (its keys could not be loaded). Pure.
 */
export function countApprovals(gate: ApprovalGateConfig, stored: readonly StoredApproval[], promoter: string | undefined, signed?: SignedBy): ApprovalCount {
  const self = promoter ? personKeys(promoter) : undefined;
  const people: Set<string>[] = [];
  const approvers: string[] = [];
  const ignored: string[] = [];
  const unsigned: { by: string; reason: string }[] = [];
  for (const approval of stored) {
    const { by } = approval;
    const keys = personKeys(by);
    let label = by;
    if (gate.keys) {
      const check = signed
        ? checkApprovalSignature(
            {
              id: approval.id ?? '',
              by,
              at: approval.at ?? '',
              ...(approval.components ? { components: approval.components } : {}),
              signature: approval.signature,
            },
            signed,
            signed.keys,
          )
        : { ok: false as const, reason: 'the keys could not be loaded' };
      if (!check.ok) {
        unsigned.push({ by, reason: check.reason });
        continue;
      }
      // One approver per key, whatever names it signed.
      keys.clear();
      keys.add(`key:${check.signer.key.keyId}`);
      label = `${by} (${check.signer.name})`;
    }
    const own = !gate.allowSelf && self && samePerson(personKeys(by), self);
    if (!allowedBy(gate, by) || own) {
      ignored.push(by);
      continue;
    }
    if (people.some((p) => samePerson(p, keys))) continue;
    people.push(keys);
    approvers.push(label);
  }
  // With keys only signed approvals count: the promoter's confirmation is not one.
  const selfCounts = !gate.keys && gate.allowSelf && !!promoter && allowedBy(gate, promoter) && !people.some((p) => samePerson(p, self!));
  return { approvers, ignored, unsigned, selfCounts, needed: gate.count };
}

/** Whose approvals count, as words: `ana, ben` or `keys/ana.pub, keys/ben.pub`. */
function allowedWords(gate: ApprovalGateConfig): string | undefined {
  if (gate.keys) return `signed by ${gate.keys.map((k) => (isInlineKey(k) ? 'a key given as text' : k)).join(', ')}`;
  return gate.from ? `from ${gate.from.join(', ')}` : undefined;
}

function notSigned(by: string): string {
  return `approval by ${by} is not signed by a listed key`;
}

/** `2 of 2 approvals` as words: who approved, and what is missing with the command that gives it. */
export function approvalGateResult(gate: ApprovalGateConfig, count: ApprovalCount, how: { environment: string; digest: string }): GateResult {
  const have = count.approvers.length + (count.selfCounts ? 1 : 0);
  const who = count.approvers.length ? `approved by ${count.approvers.join(', ')}` : 'no approval given ahead';
  const notes = [...(gate.keys ? ['signed approvals only'] : []), ...(!gate.allowSelf ? ["four eyes: the promoter's own does not count"] : [])];
  const self = count.selfCounts ? ' and your confirmation' : notes.length ? ` (${notes.join('; ')})` : '';
  const details = [
    ...(count.ignored.length ? [`not counted: ${count.ignored.join(', ')}${gate.from ? ` (allowed: ${gate.from.join(', ')})` : ''}`] : []),
    ...count.unsigned.map((u) => `${notSigned(u.by)}: ${u.reason}`),
  ];
  const words = `${have} of ${count.needed} approvals: ${who}${self}`;
  if (have >= count.needed) return passed(gate.name, gate.type, words, 0, details);
  const missing = count.needed - have;
  const allowed = allowedWords(gate);
  // Why a given approval did not count is part of what is missing: said in the line, not only below it.
  const unsigned = count.unsigned.length ? `; ${count.unsigned.map((u) => notSigned(u.by)).join('; ')}` : '';
  return failed(
    gate.name,
    gate.type,
    `${words}${unsigned}; ${missing} more needed${allowed ? ` ${allowed}` : ''} (image-promotion approve ${how.environment} --build ${how.digest}${gate.keys ? ' --key <private key>' : ''}, or Approve Build for Environment…)`,
    0,
    details,
  );
}

/** Whether the gate asks more than the confirmation alone (else no approvals are read). */
export function needsStoredApprovals(gate: ApprovalGateConfig): boolean {
  return gate.count > 1 || !gate.allowSelf || gate.from !== undefined || gate.keys !== undefined;
}
