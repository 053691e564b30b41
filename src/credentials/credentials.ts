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
}

export const anonymous: CredentialProvider = { get: async () => undefined };
