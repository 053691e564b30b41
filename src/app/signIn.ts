// "Sign In to Registry…" and "Sign Out of Registry…" apart from the editor: which registry (the
// loaded configs' first), who, and the secret — typed, or for GHCR the editor's GitHub session —
// checked against the registry before it is kept. A refusal keeps nothing. The secret is never
// logged nor put in a message.
import { PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import { isRegistryHost } from '../core/reference';
import type { RegistryCredentials } from '../credentials/credentials';
import { signInKey } from '../credentials/credentialSource';
import type { SignInCheck } from '../registry/signInCheck';

export const GITHUB_REGISTRY = 'ghcr.io';
/** What GHCR needs of a GitHub session to pull and push packages. */
export const GITHUB_PACKAGE_SCOPES = ['read:packages', 'write:packages'] as const;

export interface Choice<T> {
  readonly label: string;
  readonly description?: string;
  readonly value: T;
}

/** What the flow asks a person (VS Code: quick picks and input boxes; tests: scripted answers). */
export interface SignInPrompts {
  pick<T>(items: readonly Choice<T>[], options: { title: string; placeholder: string }): Promise<T | undefined>;
  ask(options: { title: string; prompt: string; password?: boolean; validate?: (value: string) => string | undefined }): Promise<string | undefined>;
}

/** Where signed-in credentials are kept (VS Code: SecretStorage), and which registries have some. */
export interface SignedInStore {
  registries(): readonly string[];
  store(registry: string, credentials: { readonly username: string; readonly password: string }): Promise<void>;
  /** False when nothing was kept for it. */
  remove(registry: string): Promise<boolean>;
}

/** The editor's GitHub sign-in (asks the person when needed); undefined when they decline. */
export type GitHubSessionGetter = (
  scopes: readonly string[],
) => Promise<{ readonly account: { readonly label: string }; readonly accessToken: string } | undefined>;

export interface SignInDeps {
  readonly prompts: SignInPrompts;
  readonly store: SignedInStore;
  readonly check: (registry: string, credentials: RegistryCredentials, signal?: AbortSignal) => Promise<SignInCheck>;
  readonly log: Logger;
  /** Offered for ghcr.io only. */
  readonly gitHubSession?: GitHubSessionGetter;
}

export interface SignedIn {
  readonly registry: string;
  readonly username: string;
  readonly check: SignInCheck;
  readonly via: 'typed' | 'github';
}

const OTHER = Symbol('other registry');

export async function signIn(deps: SignInDeps, configured: readonly string[], signal?: AbortSignal): Promise<SignedIn | undefined> {
  const registry = await chooseRegistry(deps, configured);
  if (!registry) return undefined;
  const typed = await credentialsFor(deps, registry);
  if (!typed) return undefined;
  const credentials: RegistryCredentials = { serverAddress: registry, username: typed.username, password: typed.password };
  // Throws when refused: nothing below runs, nothing is kept.
  const check = await deps.check(registry, credentials, signal);
  await deps.store.store(registry, { username: typed.username, password: typed.password });
  deps.log.info(
    `Signed in to ${registry} as ${typed.username}${typed.via === 'github' ? " (VS Code's GitHub session)" : ''}: kept in VS Code's secret storage${
      check === 'not-required' ? '; the registry asked for no credentials, so they were not checked' : ''
    }.`,
  );
  return { registry, username: typed.username, check, via: typed.via };
}

/** The registry whose kept credentials were removed, or undefined when the person chose none. */
export async function signOut(deps: Pick<SignInDeps, 'prompts' | 'store' | 'log'>): Promise<string | undefined> {
  const registries = deps.store.registries();
  if (registries.length === 0) throw new PromotionError('config', 'You are not signed in to any registry through Image Promotion.');
  const registry = await deps.prompts.pick(
    registries.map((r) => ({ label: r, value: r })),
    { title: 'Sign Out of Registry', placeholder: "Remove the credentials kept in VS Code's secret storage for…" },
  );
  if (!registry) return undefined;
  await deps.store.remove(registry);
  deps.log.info(`Signed out of ${registry}: its credentials were removed from VS Code's secret storage.`);
  return registry;
}

async function chooseRegistry(deps: SignInDeps, configured: readonly string[]): Promise<string | undefined> {
  const signedIn = new Set(deps.store.registries());
  const offered = [...new Set(configured.map(signInKey))];
  const picked = await deps.prompts.pick<string | typeof OTHER>(
    [
      ...offered.map((r) => ({ label: r, description: `in the promotion config${signedIn.has(r) ? ' · signed in' : ''}`, value: r })),
      { label: 'Other registry…', description: 'type its host[:port]', value: OTHER },
    ],
    { title: 'Sign In to Registry', placeholder: 'The registry to sign in to' },
  );
  if (picked !== OTHER) return picked;
  const typed = await deps.prompts.ask({
    title: 'Sign In to Registry',
    prompt: 'Registry host, as image references write it (e.g. ghcr.io, registry.example.com:5000)',
    validate: (value) => (isRegistryHost(value.trim()) ? undefined : 'A host name or address, with an optional :port, and nothing else'),
  });
  const host = typed?.trim();
  if (!host) return undefined;
  if (!isRegistryHost(host)) throw new PromotionError('config', `"${host.slice(0, 100)}" is not a registry host (host[:port])`);
  return signInKey(host);
}

async function credentialsFor(deps: SignInDeps, registry: string): Promise<{ username: string; password: string; via: SignedIn['via'] } | undefined> {
  if (registry === GITHUB_REGISTRY && deps.gitHubSession) {
    const how = await deps.prompts.pick<'github' | 'typed'>(
      [
        { label: 'Use My GitHub Account', description: `VS Code's GitHub sign-in, with ${GITHUB_PACKAGE_SCOPES.join(' and ')}`, value: 'github' },
        { label: 'Type a User Name and Token', description: 'a personal access token with the packages scopes', value: 'typed' },
      ],
      { title: 'Sign In to ghcr.io', placeholder: 'How to sign in to the GitHub Container Registry' },
    );
    if (!how) return undefined;
    if (how === 'github') {
      const session = await deps.gitHubSession([...GITHUB_PACKAGE_SCOPES]);
      if (!session) return undefined;
      return { username: session.account.label, password: session.accessToken, via: 'github' };
    }
  }
  const username = (
    await deps.prompts.ask({
      title: `Sign In to ${registry}`,
      prompt: 'User name',
      validate: (value) => (value.trim() && !value.includes(':') ? undefined : 'A user name, without ":"'),
    })
  )?.trim();
  if (!username) return undefined;
  const password = await deps.prompts.ask({
    title: `Sign In to ${registry} as ${username}`,
    prompt: "Password or access token (kept in VS Code's secret storage, never on disk in clear)",
    password: true,
    validate: (value) => (value ? undefined : 'The password or token cannot be empty'),
  });
  if (!password) return undefined;
  return { username, password, via: 'typed' };
}
