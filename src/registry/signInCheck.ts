// Checks credentials before anyone keeps them, as `docker login` does: `GET /v2/` through the
// registry transport with only these credentials (Basic, or a Bearer token fetched with them).
import { PromotionError } from '../core/errors';
import type { RegistryCredentials } from '../credentials/credentials';
import { RegistryTransport, type TransportOptions } from './transport/registryTransport';

/** accepted: the registry took them; not-required: it answered without asking for any. */
export type SignInCheck = 'accepted' | 'not-required';

export async function checkSignIn(
  registry: string,
  credentials: RegistryCredentials,
  options: Omit<TransportOptions, 'credentials'>,
  signal?: AbortSignal,
): Promise<SignInCheck> {
  let asked = false;
  const transport = new RegistryTransport({
    ...options,
    credentials: {
      get: async () => {
        asked = true;
        return credentials;
      },
    },
  });
  try {
    const res = await transport.checkBase(registry, signal);
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 401) throw refused(registry, credentials);
    if (!res.ok) throw new PromotionError('protocol', `${registry} answered ${res.status} ${res.statusText} to GET /v2/`, "Is this the registry's address?");
    return asked ? 'accepted' : 'not-required';
  } catch (error) {
    // The token service's refusal says "docker login"; at sign-in it is the typed credentials that failed.
    if (error instanceof PromotionError && error.kind === 'unauthorized') throw refused(registry, credentials);
    throw error;
  } finally {
    await transport.close();
  }
}

function refused(registry: string, credentials: RegistryCredentials): PromotionError {
  const who = credentials.username ? ` for "${credentials.username}"` : '';
  return new PromotionError(
    'unauthorized',
    `${registry} refused the user name and password${who}; nothing was stored`,
    'Check the user name and the password or access token (some registries want a token with the right scopes instead of the account password).',
  );
}
