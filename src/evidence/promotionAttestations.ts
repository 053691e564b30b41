// Signed promotion attestations: with a signing key configured, every attempt that moved a tag also
// puts its record, as a signed in-toto Statement in a DSSE envelope, on the promoted digest in cosign's
// `.att` layout. The key is loaded before anything moves (a bad key stops the promotion, nothing lost);
// a registry refusing the attestation never fails a move that already happened (as with records).
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { parseRepository, shortDigest } from '../core/reference';
import type { HistoryRecord } from '../history/record';
import { movedTag, sharedRecord } from '../records/promotionRecords';
import { IN_TOTO_MEDIA_TYPE, RECORD_PREDICATE_TYPE, statementFor } from '../records/recordArtifact';
import { attestationTag } from './attestationLayout';
import { signEnvelope } from './dsse';
import { loadSigningKey, type SigningKey } from './keys';
import type { RegistryAttestations } from './registryAttestations';

export interface PromotionAttestationsDeps {
  readonly registry: RegistryAttestations;
  /** The private key file (--signing-key, IMAGE_PROMOTION_SIGNING_KEY, imagePromotion.signingKey); none: unsigned. */
  readonly keyFile: () => string | undefined;
  /** COSIGN_PASSWORD, for cosign's encrypted keys. */
  readonly password: () => string | undefined;
  readonly log: Logger;
  readonly warn: (message: string) => void;
}

export type AttestationWrite =
  { readonly state: 'written' } | { readonly state: 'skipped'; readonly reason: string } | { readonly state: 'missing'; readonly reason: string };

/** The envelope bytes for `record` on `digest` in `repository`: what is stored as the `.att` layer. */
export function signedRecord(record: HistoryRecord, key: SigningKey): Buffer {
  const statement = statementFor(sharedRecord(record), record.target.repository, record.digest!);
  return Buffer.from(JSON.stringify(signEnvelope(IN_TOTO_MEDIA_TYPE, statement, key)));
}

export class PromotionAttestations {
  constructor(private readonly deps: PromotionAttestationsDeps) {}

  /** The configured key, loaded now; undefined when none is configured. Throws PromotionError('config'). */
  async signingKey(): Promise<SigningKey | undefined> {
    const file = this.deps.keyFile()?.trim();
    if (!file) return undefined;
    return loadSigningKey(file, { password: this.deps.password(), warn: (message) => this.deps.warn(message) });
  }

  /** Never throws: an attestation that cannot be written is reported, not raised. */
  async write(key: SigningKey, record: HistoryRecord, signal?: AbortSignal): Promise<AttestationWrite> {
    if (!movedTag(record) || !record.digest) return { state: 'skipped', reason: 'the attempt moved no tag' };
    const where = `${record.target.repository}:${attestationTag(record.digest)}`;
    try {
      await this.deps.registry.add(parseRepository(record.target.repository), record.digest, signedRecord(record, key), RECORD_PREDICATE_TYPE, signal);
      this.deps.log.info(`signed promotion attestation ${record.id} added to ${where} (key ${key.keyId.slice(0, 12)})`);
      return { state: 'written' };
    } catch (error) {
      const reason = errorMessage(error);
      this.deps.log.error(`the signed attestation of ${record.id} could not be written to ${where}: ${reason}`);
      this.deps.warn(
        `The ${record.kind} to ${record.target.environment} of ${shortDigest(record.digest)} ${record.outcome}, but its signed attestation is missing from ${record.target.repository}: ${reason}. A deploy that runs \`image-promotion verify\` will refuse this digest until it is signed.`,
      );
      return { state: 'missing', reason };
    }
  }
}
