// With promotionKeys in the config, the order gate asks for evidence as well: an attestation, signed by
// one of those keys, of the promotion into the environment before (one link of `verify`'s chain), so a
// digest pushed into that environment by hand cannot be promoted onwards. The keys load when the gate
// runs; a key that cannot be loaded, or attestations that cannot be read, block: nothing moves unchecked.
import * as path from 'node:path';
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { errorMessage, isCancelled } from '../core/errors';
import { anyOfKeys, loadVerifyingKey } from '../evidence/keys';
import { linkInto, type ReadAttestations } from '../evidence/verifyChain';
import { RECORD_PREDICATE_TYPE } from '../records/recordArtifact';

export type SignedArrival = { readonly signed: true; readonly detail: string } | { readonly signed: false; readonly problem: string };

/** Undefined when the config lists no promotionKeys: the order gate then asks only what `previous` holds. */
export async function signedArrival(
  config: Pick<PromotionConfig, 'promotionKeys'>,
  previous: EnvironmentConfig,
  digest: string,
  workspaceDir: string | undefined,
  read: ReadAttestations | undefined,
  signal?: AbortSignal,
): Promise<SignedArrival | undefined> {
  const files = config.promotionKeys ?? [];
  if (files.length === 0) return undefined;
  if (!read) return { signed: false, problem: 'promotion attestations cannot be read here' };
  if (workspaceDir === undefined) return { signed: false, problem: 'promotionKeys are relative to the workspace folder, and there is none' };
  try {
    const key = anyOfKeys(await Promise.all(files.map((f) => loadVerifyingKey(path.resolve(workspaceDir, f)))));
    const link = linkInto(previous, digest, key, await read(previous, digest, RECORD_PREDICATE_TYPE, signal));
    if (link.problem) return { signed: false, problem: link.problem };
    const record = link.record!;
    return { signed: true, detail: `${record.kind} ${record.id} of ${record.time}, signed by ${key.keyId.slice(0, 12)}` };
  } catch (error) {
    if (isCancelled(error)) throw error;
    return { signed: false, problem: `its promotion attestation could not be checked: ${errorMessage(error)}` };
  }
}
