// Approvals given ahead of a promotion: who approved which digest for which environment, kept in the
// environment's repository under `sha256-<hex>.<tag>.approvals` (sharedDocuments.ts), one document per
// digest and environment that each approver adds to (read, add, write, look again: two people may
// approve at once). An approval gate counts the distinct allowed approvers (approvalCount.ts).
// A release's approval is stored on its first image's digest (as everything about a release is) and
// names every image's digest: it counts only for a promotion that moves exactly those digests.
import type { EnvironmentConfig } from '../config/types';
import { randomUUID } from 'node:crypto';
import type { ApprovalClaim } from '../evidence/approvalSignature';
import { documentTag, type SharedDocuments } from './sharedDocuments';

export interface Approval {
  readonly id: string;
  /** `Name <email>`, a name, or the --approved-by name. */
  readonly by: string;
  readonly at: string;
  /** A release: every image's digest this approval is of (by image name). */
  readonly components?: Readonly<Record<string, string>>;
  /**
   * A DSSE envelope over what the approval says, when given with a key (evidence/approvalSignature.ts);
   * unknown until checked, as anyone who can push may have written it.
   */
  readonly signature?: unknown;
}

export interface ApprovalsDocument {
  readonly environment: string;
  readonly digest: string;
  readonly approvals: readonly Approval[];
}

/** At most this many approvals are kept per digest and environment (the oldest go first). */
const MAX_APPROVALS = 50;

export function approvalsTag(env: Pick<EnvironmentConfig, 'tag'>, digest: string): string {
  return documentTag(`${digest.replace(':', '-')}.${env.tag}`, 'approvals');
}

export function parseApprovals(json: unknown): ApprovalsDocument | undefined {
  const j = json as Partial<Record<keyof ApprovalsDocument, unknown>> | null;
  if (!j || typeof j !== 'object' || typeof j.environment !== 'string' || typeof j.digest !== 'string' || !Array.isArray(j.approvals)) return undefined;
  const approvals = (j.approvals as Partial<Approval>[])
    .filter(
      (a): a is Approval =>
        !!a && typeof a.id === 'string' && typeof a.by === 'string' && typeof a.at === 'string' && (a.components === undefined || isDigestMap(a.components)),
    )
    .map((a) => ({
      id: a.id,
      by: a.by,
      at: a.at,
      ...(a.components !== undefined ? { components: a.components } : {}),
      ...(a.signature !== undefined ? { signature: a.signature } : {}),
    }));
  return { environment: j.environment, digest: j.digest, approvals };
}

/** The approvals of `digest` for `env` (none when nobody approved). Throws PromotionError. */
export async function readApprovals(store: SharedDocuments, env: EnvironmentConfig, digest: string, signal?: AbortSignal): Promise<Approval[]> {
  const read = await store.read(env.repository, approvalsTag(env, digest), 'approvals', parseApprovals, signal);
  // A document about another digest or environment (copied under this tag) is not believed.
  return read && read.document.digest === digest && read.document.environment === env.name ? [...read.document.approvals] : [];
}

function isDigestMap(value: unknown): value is Record<string, string> {
  return !!value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/**
 * The approvals that count for a promotion moving `components` (a release: every image's digest by
 * name): those that name exactly these digests. A single image (`components` undefined): all of them.
 */
export function approvalsOfRelease<A extends { readonly components?: Readonly<Record<string, string>> }>(
  stored: readonly A[],
  components: Readonly<Record<string, string>> | undefined,
): A[] {
  if (!components) return [...stored];
  const names = Object.keys(components);
  return stored.filter((a) => !!a.components && Object.keys(a.components).length === names.length && names.every((n) => a.components![n] === components[n]));
}

/**
 * Adds `by`'s approval; a second approval by the same person replaces the first. Returns every approval
 * now stored. A release's approval names every image's digest (`components`). `sign` signs what it says
 * (environment, digest, components, approver, time, id) when the approver gives a key.
 */
export async function addApproval(
  store: SharedDocuments,
  env: EnvironmentConfig,
  digest: string,
  by: string,
  signal?: AbortSignal,
  components?: Readonly<Record<string, string>>,
  sign?: (claim: ApprovalClaim) => unknown,
): Promise<Approval[]> {
  const claim: ApprovalClaim = {
    environment: env.name,
    digest,
    by,
    id: randomUUID(),
    at: new Date().toISOString(),
    ...(components ? { components: { ...components } } : {}),
  };
  const mine: Approval = {
    id: claim.id,
    by,
    at: claim.at,
    ...(claim.components ? { components: claim.components } : {}),
    ...(sign ? { signature: sign(claim) } : {}),
  };
  const document = await store.update(
    env.repository,
    approvalsTag(env, digest),
    'approvals',
    parseApprovals,
    (current) => {
      const kept = current && current.digest === digest && current.environment === env.name ? current.approvals : [];
      if (kept.some((a) => a.id === mine.id)) return undefined;
      const others = kept.filter((a) => a.by.toLowerCase() !== by.toLowerCase());
      return { environment: env.name, digest, approvals: [...others, mine].slice(-MAX_APPROVALS) };
    },
    (doc) => doc.approvals.some((a) => a.id === mine.id),
    { name: 'approval', id: mine.id },
    signal,
  );
  return [...document.approvals];
}
