// The holds and pending approvals a refresh shows. The tag list the refresh fetches anyway (the builds) tells whether an
// environment of that repository has a hold tag at all: when it has none, no request is made. Only an
// environment in another repository costs a HEAD, beside its own lookup (never after it).
import type { ApprovalGateConfig, EnvironmentConfig, PromotionConfig } from '../config/types';
import { countApprovals, needsStoredApprovals, type StoredApproval } from '../gates/approvalCount';
import type { ListedKey } from '../evidence/approvalSignature';
import { approvalsOfRelease, approvalsTag } from '../records/approvals';
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
  readonly gates: readonly PendingGate[];
}

export interface PendingGate {
  readonly name: string;
  /** Counted without knowing who will promote: under four eyes, `yours` among them does not count if you do. */
  readonly have: number;
  readonly needed: number;
  readonly approvers: readonly string[];
  /** Under allowSelf: false, the counted approver who is this person (the local identity): not counted if they promote. */
  readonly yours?: string;
}

/** What counting pending approvals needs besides the documents: the gates' keys, and who is looking. */
export interface PendingContext {
  readonly loadKeys?: LoadApproverKeys;
  /** The local identity (git, CI variables), asked only when a four-eyes gate has approvals to count. */
  readonly me?: () => Promise<string | undefined>;
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
  /** A release: every image's digest the environment before holds (only approvals naming them all count). */
  nextReleases?: readonly (Readonly<Record<string, string>> | undefined)[],
  context: PendingContext = {},
): Promise<(PendingApprovals | undefined)[]> {
  const builds = repositoryName(config.repository);
  let me: Promise<string | undefined> | undefined;
  const whoIsLooking = (): Promise<string | undefined> => (me ??= context.me ? context.me().catch(() => undefined) : Promise.resolve(undefined));
  return Promise.all(
    config.environments.map(async (env, i): Promise<PendingApprovals | undefined> => {
      const digest = next[i];
      const gates = env.gates.filter((g): g is ApprovalGateConfig => g.type === 'approval' && needsStoredApprovals(g));
      if (!digest || !gates.length) return undefined;
      let stored: readonly StoredApproval[] = [];
      const tags = repositoryName(env.repository) === builds ? await known : undefined;
      if (!tags || tags.has(approvalsTag(env, digest))) stored = await read(env, digest, signal).catch(() => []);
      if (config.components) stored = nextReleases?.[i] ? approvalsOfRelease(stored, nextReleases[i]) : [];
      return {
        digest,
        gates: await Promise.all(
          gates.map(async (g) => {
            // Keys that cannot be loaded count nothing (countApprovals); the gate itself says why when it runs.
            const keys = g.keys && stored.length && context.loadKeys ? await context.loadKeys(g.keys).catch(() => undefined) : undefined;
            const signed = keys && { keys, environment: env.name, digest };
            // Nobody knows yet who will promote: every allowed approver counts here. Under four eyes the
            // one who is looking is told when one of them is theirs (it would not count if they promote).
            const count = countApprovals(g, stored, undefined, signed);
            const looking = !g.allowSelf && count.approvers.length ? await whoIsLooking() : undefined;
            const without = looking ? countApprovals(g, stored, looking, signed).approvers : count.approvers;
            const yours = count.approvers.find((a) => !without.includes(a));
            return { name: g.name, have: count.approvers.length, needed: g.count, approvers: count.approvers, ...(yours ? { yours } : {}) };
          }),
        ),
      };
    }),
  );
}

/**
 * `1 of 2 approvals for sha256:… (ben)` while approvals are missing; undefined once all are given. Under
 * four eyes, one of them yours: still shown while it would leave you short if you promote, and said.
 */
export function pendingApprovalsText(pending: PendingApprovals): string | undefined {
  const short = pending.gates.filter((g) => g.have - (g.yours ? 1 : 0) < g.needed);
  if (!short.length) return undefined;
  return short
    .map((g) => {
      const who = [...(g.approvers.length ? [g.approvers.join(', ')] : []), ...(g.yours ? ['one is yours: four eyes needs another if you promote'] : [])];
      return `${g.have} of ${g.needed} approvals for ${shortDigest(pending.digest)}${who.length ? ` (${who.join('; ')})` : ''}`;
    })
    .join(', ');
}
