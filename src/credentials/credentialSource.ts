// Credentials kept somewhere besides the Docker config: VS Code's SecretStorage after "Sign In to
// Registry…" (Codespaces and dev containers often have no `docker login`). Such a source is asked
// first; the Docker config only when it has nothing for the registry. The CLI has none.
import type { Logger } from '../core/log';
import type { CredentialProblem, CredentialProvider, RegistryCredentials } from './credentials';

export interface CredentialSource {
  /** Credentials for a registry host (`docker.io`, `host:port`), or undefined when it holds none. */
  get(registry: string, signal?: AbortSignal): Promise<RegistryCredentials | undefined>;
}

/** The lookup every registry request and engine push uses; clear() forgets cached Docker config answers. */
export interface ClearableCredentials extends CredentialProvider {
  clear(): void;
}

/** `first`, else the Docker config (whose problems are the only ones worth reporting). */
export class ChainedCredentials implements ClearableCredentials {
  constructor(
    private readonly first: CredentialSource,
    private readonly then: ClearableCredentials,
    private readonly log: Logger,
  ) {}

  async get(registry: string, signal?: AbortSignal): Promise<RegistryCredentials | undefined> {
    let found: RegistryCredentials | undefined;
    try {
      found = await this.first.get(registry, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      // A keychain that cannot be opened must not cost the Docker config's credentials.
      this.log.warn(`Signed-in credentials for ${registry} could not be read (${(error as Error).message}); trying the Docker config.`);
    }
    return found ?? this.then.get(registry, signal);
  }

  problem(registry: string): CredentialProblem | undefined {
    return this.then.problem?.(registry);
  }

  clear(): void {
    this.then.clear();
  }
}

/** The key one registry's signed-in credentials are kept under: Docker Hub's names are one registry. */
export function signInKey(registry: string): string {
  const host = registry.trim().toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
