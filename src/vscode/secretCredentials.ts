// Credentials kept by "Sign In to Registry…" in VS Code's SecretStorage (the OS keychain, or the
// editor's encrypted store): never on disk in clear, never in settings. SecretStorage cannot list its
// keys in the VS Code versions supported, so the registries' names (no secret) are kept in globalState.
import type * as vscode from 'vscode';
import type { SignedInStore } from '../app/signIn';
import type { RegistryCredentials } from '../credentials/credentials';
import { signInKey, type CredentialSource } from '../credentials/credentialSource';

const SECRET_PREFIX = 'imagePromotion.registry:';
const REGISTRIES_KEY = 'imagePromotion.signedInRegistries';

interface Kept {
  readonly username: string;
  readonly password: string;
}

export class SecretCredentials implements CredentialSource, SignedInStore {
  /** Basic registries ask for credentials on every request; SecretStorage is a round trip to the main process. */
  private readonly cache = new Map<string, Promise<Kept | undefined>>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly names: vscode.Memento,
  ) {}

  /** Another window signed in or out: forget what this one read. */
  forget(): void {
    this.cache.clear();
  }

  async get(registry: string): Promise<RegistryCredentials | undefined> {
    const key = signInKey(registry);
    // Not signed in here: no round trip to ask (a new window's first lookups wait for this answer).
    if (!this.registries().includes(key)) return undefined;
    let kept = this.cache.get(key);
    if (!kept) {
      kept = this.read(key).catch((error: unknown) => {
        this.cache.delete(key);
        throw error;
      });
      this.cache.set(key, kept);
    }
    const found = await kept;
    return found ? { serverAddress: key, username: found.username, password: found.password } : undefined;
  }

  registries(): readonly string[] {
    return this.names.get<string[]>(REGISTRIES_KEY, []);
  }

  async store(registry: string, credentials: Kept): Promise<void> {
    const key = signInKey(registry);
    await this.secrets.store(SECRET_PREFIX + key, JSON.stringify({ username: credentials.username, password: credentials.password }));
    this.cache.delete(key);
    await this.names.update(REGISTRIES_KEY, [...new Set([...this.registries(), key])].sort());
  }

  async remove(registry: string): Promise<boolean> {
    const key = signInKey(registry);
    const had = (await this.secrets.get(SECRET_PREFIX + key)) !== undefined;
    await this.secrets.delete(SECRET_PREFIX + key);
    this.cache.delete(key);
    await this.names.update(
      REGISTRIES_KEY,
      this.registries().filter((r) => r !== key),
    );
    return had;
  }

  private async read(key: string): Promise<Kept | undefined> {
    const text = await this.secrets.get(SECRET_PREFIX + key);
    if (!text) return undefined;
    try {
      const parsed = JSON.parse(text) as Partial<Kept>;
      return typeof parsed.username === 'string' && typeof parsed.password === 'string' ? { username: parsed.username, password: parsed.password } : undefined;
    } catch {
      // Not ours to repair; the Docker config is asked instead.
      return undefined;
    }
  }
}
