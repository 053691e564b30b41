// Signed approvals: with public keys in an approval gate's `from`, an approval counts only when it
// carries a DSSE envelope (as promotion attestations do: dsse.ts) over an in-toto Statement naming
// this digest and, as its predicate, the environment, the approver and the time the document says,
// signed by one of those keys. The envelope sits inside the approvals document beside the plain
// fields people read; what counts is what was signed, and the two must agree, so an approver or a
// digest edited in the stored document does not count.
import * as path from 'node:path';
import { errorMessage, PromotionError } from '../core/errors';
import { shortDigest } from '../core/reference';
import { IN_TOTO_MEDIA_TYPE, IN_TOTO_STATEMENT_TYPE } from '../records/recordArtifact';
import { envelopeFrom, signEnvelope, verifiedBody, type DsseEnvelope } from './dsse';
import { isInlineKey, loadVerifyingKey, verifyingKeyFrom, type SigningKey, type VerifyingKey } from './keys';

export const APPROVAL_PREDICATE_TYPE = 'https://image-promotion.dev/approval/v1';

/** What an approval says, all of it signed. */
export interface ApprovalClaim {
  readonly environment: string;
  readonly digest: string;
  readonly by: string;
  readonly at: string;
  readonly id: string;
  /** A release: every image's digest (by image name) the approval is of. */
  readonly components?: Readonly<Record<string, string>>;
}

/** A public key of a gate's `from`: `name` is the entry as written (a file), or `key <id>` for PEM text. */
export interface ListedKey {
  readonly name: string;
  readonly key: VerifyingKey;
}

export type SignatureCheck = { readonly ok: true; readonly signer: ListedKey } | { readonly ok: false; readonly reason: string };

/** A `from` entry that is a public key rather than a name: a `.pub`/`.pem` file, or the PEM text itself. */
export function isKeyEntry(entry: string): boolean {
  return isInlineKey(entry) || /\.(pub|pem)$/i.test(entry.trim());
}

export function signApproval(claim: ApprovalClaim, subjectName: string, key: SigningKey): DsseEnvelope {
  const [algorithm, hex] = claim.digest.split(':') as [string, string];
  const statement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: subjectName, digest: { [algorithm]: hex } }],
    predicateType: APPROVAL_PREDICATE_TYPE,
    predicate: {
      environment: claim.environment,
      by: claim.by,
      at: claim.at,
      id: claim.id,
      ...(claim.components ? { components: claim.components } : {}),
    },
  };
  return signEnvelope(IN_TOTO_MEDIA_TYPE, Buffer.from(JSON.stringify(statement)), key);
}

interface SignedStatement {
  subject?: { digest?: Record<string, unknown> }[];
  predicateType?: unknown;
  predicate?: Partial<Record<keyof ApprovalClaim, unknown>>;
}

/** Whether `approval`'s signature, by one of `keys`, says what the approval says about `expected`. Pure. */
export function checkApprovalSignature(
  approval: {
    readonly id: string;
    readonly by: string;
    readonly at: string;
    readonly components?: Readonly<Record<string, string>>;
    readonly signature?: unknown;
  },
  expected: { readonly environment: string; readonly digest: string },
  keys: readonly ListedKey[],
): SignatureCheck {
  if (approval.signature === undefined) return { ok: false, reason: 'it is not signed' };
  const parsed = envelopeFrom(approval.signature);
  if (!parsed.envelope) return { ok: false, reason: `its signature cannot be read (${parsed.reason})` };
  const envelope = parsed.envelope;
  let signer: ListedKey | undefined;
  let body: Buffer | undefined;
  for (const listed of keys) {
    body = verifiedBody(envelope, listed.key);
    if (body) {
      signer = listed;
      break;
    }
  }
  if (!signer || !body) {
    const named = envelope.signatures.some((s) => keys.some((k) => k.key.hasKeyId(s.keyid)));
    if (named) return { ok: false, reason: 'its signature does not verify (changed after signing)' };
    const ids = envelope.signatures.map((s) => s.keyid.slice(0, 12) || 'no keyid').join(', ');
    return { ok: false, reason: `it is signed by another key (${ids})` };
  }
  if (envelope.payloadType !== IN_TOTO_MEDIA_TYPE) return { ok: false, reason: `its signed payload is ${envelope.payloadType}, not an in-toto Statement` };
  let statement: SignedStatement;
  try {
    statement = JSON.parse(body.toString('utf8')) as SignedStatement;
  } catch {
    return { ok: false, reason: 'its signed payload is not JSON' };
  }
  if (statement?.predicateType !== APPROVAL_PREDICATE_TYPE) return { ok: false, reason: 'its signature is not of an approval' };
  const [algorithm, hex] = expected.digest.split(':') as [string, string];
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  if (!subjects.some((s) => s?.digest?.[algorithm] === hex)) {
    const signed = subjects.map((s) => s?.digest?.sha256).find((h) => typeof h === 'string');
    return { ok: false, reason: `it was signed for another digest${typeof signed === 'string' ? ` (${shortDigest(`sha256:${signed}`)})` : ''}` };
  }
  const p = statement.predicate ?? {};
  if (p.environment !== expected.environment) return { ok: false, reason: `it was signed for another environment (${String(p.environment)})` };
  if (p.by !== approval.by) return { ok: false, reason: `it was signed by ${String(p.by)}, not ${approval.by}` };
  if (p.at !== approval.at || p.id !== approval.id) return { ok: false, reason: 'it was signed for another approval (its time or id differ)' };
  if (!sameDigests(p.components, approval.components)) return { ok: false, reason: "it was signed for another release (its images' digests differ)" };
  return { ok: true, signer };
}

/** Both absent, or the same image names with the same digests. */
function sameDigests(signed: unknown, stored: Readonly<Record<string, string>> | undefined): boolean {
  if (signed === undefined || stored === undefined) return signed === stored;
  if (!signed || typeof signed !== 'object') return false;
  const a = signed as Record<string, unknown>;
  const names = Object.keys(stored);
  return Object.keys(a).length === names.length && names.every((n) => a[n] === stored[n]);
}

/**
 * The keys of `entries` (files relative to `workspaceDir`, or PEM text). Throws PromotionError('config')
 * naming the entry: a key that cannot be loaded blocks rather than lets unchecked approvals count.
 */
export async function loadListedKeys(entries: readonly string[], workspaceDir: string | undefined): Promise<ListedKey[]> {
  return Promise.all(
    entries.map(async (entry): Promise<ListedKey> => {
      if (isInlineKey(entry)) {
        const key = verifyingKeyFrom(entry, 'a key in from');
        return { name: `key ${key.keyId.slice(0, 12)}`, key };
      }
      if (workspaceDir === undefined && !path.isAbsolute(entry))
        throw new PromotionError('config', `the key ${entry} is relative to the workspace folder, and there is none`);
      try {
        return { name: entry, key: await loadVerifyingKey(path.resolve(workspaceDir ?? '', entry)) };
      } catch (error) {
        throw new PromotionError('config', `the approvers' key ${entry} cannot be loaded: ${errorMessage(error)}`);
      }
    }),
  );
}
