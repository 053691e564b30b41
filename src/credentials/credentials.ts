// Registry credentials as the Docker CLI keeps them. Never logged, never put in a message.

export interface RegistryCredentials {
  /** The key they were found under (e.g. `https://index.docker.io/v1/` for Docker Hub). */
  readonly serverAddress: string;
  readonly username?: string;
  readonly password?: string;
  /** OAuth refresh token some logins store instead of a password. */
  readonly identityToken?: string;
}

export interface CredentialProvider {
  /** Credentials for a registry host (`docker.io`, `host:port`), or undefined to go anonymous. */
  get(registry: string, signal?: AbortSignal): Promise<RegistryCredentials | undefined>;
  /**
   * Why the last lookup for this registry found nothing usable although the Docker config names a
   * source (a credential helper that is missing, crashed, printed garbage, was killed): for the
   * message a refused request ends with. Never holds anything the helper printed beyond a safe line.
   */
  problem?(registry: string): CredentialProblem | undefined;
}

export interface CredentialProblem {
  /** e.g. `docker-credential-osxkeychain exited with 1`, with where it is configured. */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

export const anonymous: CredentialProvider = { get: async () => undefined };
