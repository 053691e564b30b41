// The holds and pending approvals a refresh shows. The tag list the refresh fetches anyway (the builds) tells whether an
// environment of that repository has a hold tag at all: when it has none, no request is made. Only an
// environment in another repository costs a HEAD, beside its own lookup (never after it).
import type { ApprovalGateConfig, EnvironmentConfig, PromotionConfig } from '../config/types';
import { countApprovals, needsStoredApprovals, type StoredApproval } from '../gates/approvalCount';
import type { ListedKey } from '../evidence/approvalSignature';
import { approvalsTag } from '../records/approvals';
import { PromotionError, errorMessage } from '../core/errors';
import { repositoryName, shortDigest } from '../core/reference';
import { holdTag, isHeld, type HoldDocument } from '../records/holds';

export type HoldLookup =
  { readonly state: 'none' } | { readonly state: 'held'; readonly hold: HoldDocument } | { readonly state: 'error'; readonly error: PromotionError };

export type ReadHold = (env: EnvironmentConfig, signal?: AbortSignal) => Promise<HoldDocument | undefined>;

/** `known`: the builds repository's tags as this refresh listed them (undefined: not listed, so every hold is read). */
export async function lookupHolds(
  config: PromotionConfig,
  read: ReadHold,
  known: Promise<ReadonlySet<string> | undefined>,
  signal?: AbortSignal,
): Promise<HoldLookup[]> {
  const builds = repositoryName(config.repository);
  return Promise.all(
    config.environments.map(async (env): Promise<HoldLookup> => {
      try {
        if (repositoryName(env.repository) === builds) {
          const tags = await known;
          if (tags && !tags.has(holdTag(env))) return { state: 'none' };
        }
        const hold = await read(env, signal);
        return isHeld(hold) ? { state: 'held', hold } : { state: 'none' };
      } catch (error) {
        return { state: 'error', error: error instanceof PromotionError ? error : new PromotionError('internal', errorMessage(error)) };
      }
    }),
  );
}

/** An environment's approval gates counted for the digest the environment before holds (what would come next). */
export interface PendingApprovals {
  readonly digest: string;
  readonly gates: readonly { readonly name: string; readonly have: number; readonly needed: number; readonly approvers: readonly string[] }[];
}

export type ReadApprovals = (env: EnvironmentConfig, digest: string, signal?: AbortSignal) => Promise<readonly StoredApproval[]>;

/** Loads the public keys an approval gate lists (relative to the workspace folder); rejects when one cannot be loaded. */
export type LoadApproverKeys = (entries: readonly string[]) => Promise<readonly ListedKey[]>;

/**
 * For each environment with approval gates that count approvals given ahead, and a different digest in
 * the environment before: how many it has. The tag list says when none were given (no request then).
 */
export async function lookupPendingApprovals(
  config: PromotionConfig,
  next: readonly (string | undefined)[],
  read: ReadApprovals,
  known: Promise<ReadonlySet<string> | undefined>,
  signal?: AbortSignal,
  loadKeys?: LoadApproverKeys,
): Promise<(PendingApprovals | undefined)[]> {
  const builds = repositoryName(config.repository);
  return Promise.all(
    config.environments.map(async (env, i): Promise<PendingApprovals | undefined> => {
      const digest = next[i];
      const gates = env.gates.filter((g): g is ApprovalGateConfig => g.type === 'approval' && needsStoredApprovals(g));
      if (!digest || !gates.length) return undefined;
      let stored: readonly StoredApproval[] = [];
      const tags = repositoryName(env.repository) === builds ? await known : undefined;
      if (!tags || tags.has(approvalsTag(env, digest))) stored = await read(env, digest, signal).catch(() => []);
      return {
        digest,
        gates: await Promise.all(
          gates.map(async (g) => {
            // Keys that cannot be loaded count nothing (countApprovals); the gate itself says why when it runs.
            const keys = g.keys && stored.length && loadKeys ? await loadKeys(g.keys).catch(() => undefined) : undefined;
            const count = countApprovals(g, stored, undefined, keys && { keys, environment: env.name, digest });
            return { name: g.name, have: count.approvers.length, needed: g.count, approvers: count.approvers };
          }),
        ),
      };
    }),
  );
}

/** `1 of 2 approvals for sha256:… (ben)` while approvals are missing; undefined once all are given. */
export function pendingApprovalsText(pending: PendingApprovals): string | undefined {
  const short = pending.gates.filter((g) => g.have < g.needed);
  if (!short.length) return undefined;
  return short
    .map((g) => `${g.have} of ${g.needed} approvals for ${shortDigest(pending.digest)}${g.approvers.length ? ` (${g.approvers.join(', ')})` : ''}`)
    .join(', ');
}
