// `verify`: does this digest carry a valid signed promotion attestation into the environment, and into
// every environment before it? Each link is looked for in its environment's own repository, checked
// against one public key: the envelope's signature over the DSSE encoding, the statement's subject,
// and a record of a move into that environment (same name, tag and repository) that left the digest
// there. The first link that is missing or invalid is named, with why.
import type { EnvironmentConfig } from '../config/types';
import { repositoryName, shortDigest } from '../core/reference';
import { landedDigest } from '../history/queries';
import type { HistoryRecord } from '../history/record';
import { IN_TOTO_MEDIA_TYPE, RECORD_PREDICATE_TYPE, recordFromStatement } from '../records/recordArtifact';
import { attestationTag } from './attestationLayout';
import { parseEnvelope, verifiedBody } from './dsse';
import type { VerifyingKey } from './keys';
import type { ReadEnvelopes } from './registryAttestations';

export interface ChainLink {
  readonly environment: string;
  /** The signed record of the move into it (the newest that verifies). */
  readonly record?: HistoryRecord;
  /** Why there is no valid link; absent when there is one. */
  readonly problem?: string;
  /** With a problem: no attestation claims a move into this environment at all (unsigned), rather than an invalid one. */
  readonly unsigned?: boolean;
}

export interface ChainResult {
  readonly digest: string;
  /** The environments up to the one asked about, in promotion order, as far as they were checked. */
  readonly links: readonly ChainLink[];
  /** The first link missing or invalid; absent when the chain is whole. */
  readonly broken?: ChainLink;
}

export type ReadAttestations = (env: EnvironmentConfig, digest: string, predicateType: string, signal?: AbortSignal) => Promise<ReadEnvelopes>;

/** `environments`: the config's, in promotion order; the chain runs from the first to `target`. */
export async function verifyChain(
  environments: readonly EnvironmentConfig[],
  target: string,
  digest: string,
  key: VerifyingKey,
  read: ReadAttestations,
  signal?: AbortSignal,
): Promise<ChainResult> {
  const end = environments.findIndex((e) => e.name === target);
  const links: ChainLink[] = [];
  for (const env of environments.slice(0, end + 1)) {
    const link = linkInto(env, digest, key, await read(env, digest, RECORD_PREDICATE_TYPE, signal));
    links.push(link);
    if (link.problem) return { digest, links, broken: link };
  }
  return { digest, links };
}

/** The valid link into `env`, or the most telling reason there is none. */
export function linkInto(env: EnvironmentConfig, digest: string, key: VerifyingKey, found: ReadEnvelopes): ChainLink {
  const where = `${repositoryName(env.repository)}:${attestationTag(digest)}`;
  const environment = env.name;
  if (found.absent) return { environment, unsigned: true, problem: `unsigned: ${where} does not exist (no attestation of ${shortDigest(digest)} there)` };
  if (found.envelopes.length === 0)
    return {
      environment,
      unsigned: true,
      problem: `unsigned: ${where} holds no promotion attestation${found.skipped.length ? ` that could be read (${found.skipped.join('; ')})` : ''}`,
    };
  // From the least to the most telling: a valid signature on the wrong statement says more than another key.
  const reasons: { rank: number; text: string; intoOthers?: boolean }[] = [];
  for (const bytes of found.envelopes) {
    const parsed = parseEnvelope(bytes);
    if (!parsed.envelope) {
      reasons.push({ rank: 0, text: `an attestation there is malformed: ${parsed.reason}` });
      continue;
    }
    const envelope = parsed.envelope;
    const body = verifiedBody(envelope, key);
    if (!body) {
      const ours = envelope.signatures.some((s) => key.hasKeyId(s.keyid));
      reasons.push(
        ours
          ? { rank: 2, text: 'the signature does not verify with the key (the envelope was changed after signing)' }
          : {
              rank: 1,
              text: `signed by another key (${envelope.signatures.map((s) => (s.keyid ? s.keyid.slice(0, 12) : 'no keyid')).join(', ')}), not ${key.keyId.slice(0, 12)}`,
            },
      );
      continue;
    }
    if (envelope.payloadType !== IN_TOTO_MEDIA_TYPE) {
      reasons.push({ rank: 3, text: `a signed attestation there has payloadType ${envelope.payloadType}, not ${IN_TOTO_MEDIA_TYPE}` });
      continue;
    }
    const statement = recordFromStatement(body, digest);
    if (!statement.record) {
      reasons.push({ rank: 4, text: `a signed attestation there is not about ${shortDigest(digest)}: ${statement.reason}` });
      continue;
    }
    const record = statement.record;
    const sameTarget = record.target.environment === env.name && record.target.tag === env.tag && record.target.repository === repositoryName(env.repository);
    if (!sameTarget) {
      reasons.push({ rank: 0, text: `signed attestations there are of moves into other environments (${record.target.environment})`, intoOthers: true });
      continue;
    }
    if (landedDigest(record) !== digest) {
      reasons.push({ rank: 5, text: `the signed record of ${record.kind} ${record.id} into ${env.name} ended ${record.outcome}, leaving another digest` });
      continue;
    }
    return { environment, record };
  }
  const best = reasons.reduce((a, b) => (b.rank > a.rank ? b : a));
  const unsigned = reasons.every((r) => r.intoOthers);
  return { environment, ...(unsigned ? { unsigned } : {}), problem: `no valid signed promotion into ${env.name} in ${where}: ${best.text}` };
}
