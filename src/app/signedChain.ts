// The signed promotion chain of a digest in words, for a front end that shows it (the Environments
// row's tooltip): checked against the config's promotionKeys; nothing to say when it lists none.
import * as path from 'node:path';
import type { PromotionConfig } from '../config/types';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/log';
import { anyOfKeys, loadVerifyingKey } from '../evidence/keys';
import { RegistryAttestations } from '../evidence/registryAttestations';
import { verifyChain, type ChainResult } from '../evidence/verifyChain';
import type { RegistryClient } from '../registry/registryClient';

export function signedChainText(result: ChainResult): string {
  if (!result.broken) return `Signed, promoted through ${result.links.map((l) => l.environment).join(' → ')}`;
  return `Not signed as promoted: ${result.broken.environment}: ${result.broken.problem}`;
}

/** One line on `digest` in `environment`, or undefined when the config lists no promotionKeys. Never throws. */
export async function signedChainLine(
  deps: { readonly registry: RegistryClient; readonly log: Logger },
  config: PromotionConfig,
  workspaceDir: string,
  environment: string,
  digest: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const files = config.promotionKeys ?? [];
  if (files.length === 0) return undefined;
  try {
    const key = anyOfKeys(await Promise.all(files.map((f) => loadVerifyingKey(path.resolve(workspaceDir, f)))));
    const store = new RegistryAttestations(deps);
    const result = await verifyChain(config.environments, environment, digest, key, (env, d, type, s) => store.read(env.repository, d, type, s), signal);
    return signedChainText(result);
  } catch (error) {
    return `Signatures not checked: ${errorMessage(error)}`;
  }
}
