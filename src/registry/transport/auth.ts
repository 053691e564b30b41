// Registry authentication: how each registry asked to be authenticated (learnt from its first 401,
// or remembered from an earlier session: rememberedChallenges.ts), Basic credentials, and Bearer
// tokens from its token service, cached per registry + scopes until they expire. A token service is
// asked only at a realm that passed validateRealm.
import { errorMessage, isCancelled, PromotionError } from '../../core/errors';
import type { Logger } from '../../core/log';
import type { CredentialProvider, RegistryCredentials } from '../../credentials/credentials';
import type { Challenge } from '../authChallenge';
import { mergeScopes, tokenCacheKey } from '../scopes';
import { BodyLimits, readCapped } from './limits';
import { isRegistryOrigin, validateRealm, type RegistryEndpoint } from './origin';
import type { ChallengeMemory } from './rememberedChallenges';

interface Token {
  readonly value: string;
  readonly expiresAt: number;
  /** Renew this long before expiresAt: 10 s, or a fifth of a short lifetime. */
  readonly marginMs: number;
}

/** Sends a token request (retried like any idempotent request, never with registry credentials added). */
export type TokenSender = (
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal | undefined,
) => Promise<Response>;

const TOKEN_MARGIN_MS = 10_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;

export class RegistryAuth {
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, Token>();
  private readonly pendingTokens = new Map<string, Promise<Token>>();
  /** Registries whose challenge came from `memory` (another session) and has not been answered by them in this one. */
  private readonly fromMemory = new Set<string>();

  constructor(
    private readonly credentials: CredentialProvider,
    private readonly log: Logger,
    private readonly sendToken: TokenSender,
    private readonly now: () => number,
    /** Challenges learnt in earlier sessions (rememberedChallenges.ts): a first request then goes with its token. */
    private readonly memory?: ChallengeMemory,
    /** Told when a token is fetched from another origin than the registry's: its connection can be opened meanwhile (preconnect.ts). */
    private readonly tokenFromElsewhere?: (endpoint: RegistryEndpoint) => void,
  ) {}

  learn(registry: string, challenge: Challenge): void {
    this.challenges.set(registry, challenge);
    this.fromMemory.delete(registry);
    this.memory?.remember(registry, challenge);
  }

  /** The Authorization header for some scopes, fetching a token when the registry wants one. */
  async authorizationFor(
    endpoint: RegistryEndpoint,
    scopes: readonly string[],
    signal: AbortSignal | undefined,
    rejected: string | undefined,
  ): Promise<string | undefined> {
    const registry = endpoint.registry;
    const challenge = await this.challengeOf(registry);
    if (!challenge) return undefined;
    const remembered = this.fromMemory.has(registry);
    try {
      return await this.authorizationWith(endpoint, challenge, scopes, signal, rejected);
    } catch (error) {
      if (!remembered || isCancelled(error) || signal?.aborted) throw error;
      // Another session's challenge that no longer works (the registry changed how it authenticates,
      // or its token service moved): forgotten, and the request goes without; the registry's 401 says
      // what it wants now, and a failure then is reported as it always was.
      this.log.debug(`${registry}: the challenge remembered from an earlier session failed (${errorMessage(error)}); asking the registry again`);
      if (this.fromMemory.delete(registry)) {
        this.challenges.delete(registry);
        this.memory?.forget(registry);
      }
      return undefined;
    }
  }

  /** Learnt in this session, else remembered from an earlier one. */
  private async challengeOf(registry: string): Promise<Challenge | undefined> {
    const learnt = this.challenges.get(registry);
    if (learnt || !this.memory) return learnt;
    await this.memory.load();
    const remembered = this.challenges.get(registry) ?? this.memory.get(registry);
    if (remembered && !this.challenges.has(registry)) {
      this.challenges.set(registry, remembered);
      this.fromMemory.add(registry);
    }
    return remembered;
  }

  private async authorizationWith(
    endpoint: RegistryEndpoint,
    challenge: Challenge,
    scopes: readonly string[],
    signal: AbortSignal | undefined,
    rejected: string | undefined,
  ): Promise<string | undefined> {
    const registry = endpoint.registry;
    if (challenge.scheme === 'basic') {
      const credentials = await this.credentials.get(registry, signal);
      if (!credentials?.username || credentials.password === undefined) return undefined;
      return basic(credentials.username, credentials.password);
    }
    const key = tokenCacheKey(registry, scopes);
    const cached = this.tokens.get(key);
    // A token the registry just refused is not used again; one another request renewed meanwhile is.
    if (cached && cached.expiresAt - cached.marginMs > this.now() && `Bearer ${cached.value}` !== rejected) return `Bearer ${cached.value}`;
    // Requests running side by side (blob mounts) share one token request per scope.
    let pending = this.pendingTokens.get(key);
    if (!pending) {
      pending = (async () => {
        // Validate where the token service is before anything (credentials included) is read or sent.
        const realm = challenge.params['realm'];
        if (!realm) throw new PromotionError('protocol', `registry ${registry} asked for a bearer token without saying where to get it (no realm)`);
        const realmUrl = validateRealm(endpoint, realm);
        if (!isRegistryOrigin(endpoint, realmUrl)) this.tokenFromElsewhere?.(endpoint);
        // Only now ask for credentials: a credential helper is a process to start.
        const credentials = await this.credentials.get(registry, signal);
        return this.fetchToken(registry, realmUrl, challenge.params['service'], mergeScopes(scopes), credentials, signal);
      })();
      this.pendingTokens.set(key, pending);
      pending.then(
        (token) => {
          this.tokens.set(key, token);
          this.pendingTokens.delete(key);
        },
        () => this.pendingTokens.delete(key),
      );
    }
    return `Bearer ${(await pending).value}`;
  }

  private async fetchToken(
    registry: string,
    realm: URL,
    service: string | undefined,
    scopes: readonly string[],
    credentials: RegistryCredentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Token> {
    let res: Response;
    if (credentials?.identityToken) {
      // An identity token is an OAuth2 refresh token: exchange it with a POST (as the Docker CLI does).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'image-promotion' });
      if (service) form.set('service', service);
      for (const scope of scopes) form.append('scope', scope);
      res = await this.sendToken(realm, 'POST', { 'Content-Type': 'application/x-www-form-urlencoded' }, Buffer.from(form.toString()), signal);
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      // One `scope` parameter per scope, as the Docker CLI sends them.
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      if (credentials?.username && credentials.password !== undefined) headers['Authorization'] = basic(credentials.username, credentials.password);
      res = await this.sendToken(url, 'GET', headers, undefined, signal);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel().catch(() => undefined);
      throw unauthorized(registry, credentials);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new PromotionError('protocol', `the token service of ${registry} answered ${res.status} ${res.statusText}`);
    }
    const text = (await readCapped(res, BodyLimits.token, registry, 'a token answer')).toString('utf8');
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new PromotionError(
        'protocol',
        `the token service of ${registry} answered something that is not JSON`,
        'Check that the registry address is right (a proxy or login page may be answering).',
      );
    }
    const value = body?.token ?? body?.access_token;
    if (typeof value !== 'string' || !value) throw new PromotionError('protocol', `the token service of ${registry} answered without a token`);
    const now = this.now();
    const issuedAt = typeof body.issued_at === 'string' ? Date.parse(body.issued_at) : NaN;
    const start = Number.isFinite(issuedAt) ? Math.min(issuedAt, now) : now;
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_LIFETIME_S) * 1000;
    this.log.debug(`${registry}: new token for ${scopes.join(' ')} (expires in ${Math.round(lifetimeMs / 1000)} s)`);
    return { value, expiresAt: start + lifetimeMs, marginMs: Math.min(TOKEN_MARGIN_MS, lifetimeMs / 5) };
  }
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export function unauthorized(registry: string, credentials: RegistryCredentials | undefined, detail = ''): PromotionError {
  return credentials
    ? new PromotionError(
        'unauthorized',
        `${registry} rejected the credentials found for it${detail}`,
        `Run "docker login ${registry}" again, or in VS Code Image Promotion: Sign In to Registry….`,
      )
    : new PromotionError(
        'unauthorized',
        `${registry} requires credentials and none were found${detail}`,
        `Run "docker login ${registry}" (credentials are read from the Docker config, as the Docker CLI does), or in VS Code Image Promotion: Sign In to Registry….`,
      );
}
