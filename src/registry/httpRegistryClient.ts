// A small Distribution API client on Node's fetch: anonymous, Basic and Bearer-token auth from the
// WWW-Authenticate challenge, tokens cached per scope until they expire, errors turned into kinds.
import { createHash } from 'node:crypto';
import { isLoopbackRegistry, registryApiHost, repositoryName, type Repository } from '../core/reference';
import { PromotionError, throwIfAborted } from '../core/errors';
import type { Logger } from '../core/log';
import type { CredentialProvider, RegistryCredentials } from '../credentials/credentials';
import { parseChallenges, type Challenge } from './authChallenge';
import { MANIFEST_ACCEPT } from './mediaTypes';
import type { Manifest, ManifestDescriptor, RegistryClient } from './registryClient';

export interface HttpRegistryOptions {
  credentials: CredentialProvider;
  log: Logger;
  /** Per-request limit; the caller's signal can cut it shorter. */
  timeoutMs?: () => number;
  /** Hosts (`host:port`) reached over plain HTTP besides loopback ones. */
  insecureRegistries?: () => readonly string[];
  fetch?: typeof fetch;
  now?: () => number;
}

type Access = 'pull' | 'pull,push' | 'delete';

interface Token {
  readonly value: string;
  readonly expiresAt: number;
}

const TOKEN_MARGIN_MS = 10_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;

export class HttpRegistryClient implements RegistryClient {
  /** How each registry asked us to authenticate, learnt from its first 401. */
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, Token>();

  constructor(private readonly options: HttpRegistryOptions) {}

  async resolve(repo: Repository, reference: string, signal?: AbortSignal): Promise<ManifestDescriptor | undefined> {
    const res = await this.request(repo, 'pull', 'HEAD', `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (res.status === 404) return undefined;
    await this.expectOk(res, repo, `look up ${reference}`);
    const digest = res.headers.get('docker-content-digest');
    if (!digest) throw new PromotionError('protocol', `${repo.registry} answered the manifest lookup of ${repositoryName(repo)}:${reference} without a Docker-Content-Digest header`);
    return { digest, mediaType: mediaTypeOf(res), size: Number(res.headers.get('content-length') ?? 0) };
  }

  async getManifest(repo: Repository, reference: string, signal?: AbortSignal): Promise<Manifest | undefined> {
    const res = await this.request(repo, 'pull', 'GET', `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (res.status === 404) return undefined;
    await this.expectOk(res, repo, `read the manifest ${reference}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const computed = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const digest = res.headers.get('docker-content-digest') ?? computed;
    if (reference.startsWith('sha256:') && computed !== reference) {
      throw new PromotionError('protocol', `${repo.registry} returned manifest bytes for ${reference} whose sha256 is ${computed}`);
    }
    return { digest, mediaType: mediaTypeOf(res), size: bytes.length, bytes };
  }

  async getBlob(repo: Repository, digest: string, signal?: AbortSignal): Promise<Buffer> {
    const res = await this.request(repo, 'pull', 'GET', `blobs/${digest}`, { signal });
    await this.expectOk(res, repo, `read the blob ${digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (digest.startsWith('sha256:') && `sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) {
      throw new PromotionError('protocol', `${repo.registry} returned a blob whose content does not match ${digest}`);
    }
    return bytes;
  }

  async listTags(repo: Repository, signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `tags/list?n=1000`;
    for (let page = 0; next && page < 100; page++) {
      const res = await this.request(repo, 'pull', 'GET', next, { signal });
      // Distribution answers NAME_UNKNOWN (404) for a repository nobody pushed to yet: no tags.
      if (res.status === 404) return tags;
      await this.expectOk(res, repo, 'list tags');
      const body = (await res.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      next = nextPage(res.headers.get('link'), repo);
    }
    return tags;
  }

  async putManifest(repo: Repository, reference: string, manifest: { mediaType: string; bytes: Buffer }, signal?: AbortSignal): Promise<string> {
    const res = await this.request(repo, 'pull,push', 'PUT', `manifests/${reference}`, {
      headers: { 'Content-Type': manifest.mediaType },
      body: manifest.bytes,
      signal,
    });
    await this.expectOk(res, repo, `write the manifest ${reference}`);
    return res.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(manifest.bytes).digest('hex')}`;
  }

  async deleteManifest(repo: Repository, digest: string, signal?: AbortSignal): Promise<void> {
    const res = await this.request(repo, 'delete', 'DELETE', `manifests/${digest}`, { signal });
    await this.expectOk(res, repo, `delete the manifest ${digest}`);
  }

  // --- transport ---------------------------------------------------------------------------------

  private baseUrl(registry: string): string {
    const insecure = isLoopbackRegistry(registry) || (this.options.insecureRegistries?.() ?? []).includes(registry);
    return `${insecure ? 'http' : 'https'}://${registryApiHost(registry)}`;
  }

  private async request(
    repo: Repository,
    access: Access,
    method: string,
    pathAndQuery: string,
    init: { headers?: Record<string, string>; body?: Buffer; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    const url = pathAndQuery.startsWith('/') ? `${this.baseUrl(repo.registry)}${pathAndQuery}` : `${this.baseUrl(repo.registry)}/v2/${repo.path}/${pathAndQuery}`;
    const scope = `repository:${repo.path}:${access}`;
    const authorization = await this.authorizationFor(repo.registry, scope, init.signal, false);
    const res = await this.send(url, method, withAuth(init.headers, authorization), init.body, init.signal, repo.registry);
    if (res.status !== 401) return res;
    // First contact, or a token that expired early: learn the challenge and try once more.
    const challenge = parseChallenges(res.headers.get('www-authenticate')).find((c) => c.scheme === 'bearer' || c.scheme === 'basic');
    if (!challenge) return res;
    this.challenges.set(repo.registry, challenge);
    const renewed = await this.authorizationFor(repo.registry, challenge.params['scope'] && access === 'pull' ? challenge.params['scope'] : scope, init.signal, true);
    if (!renewed || renewed === authorization) return res;
    await res.body?.cancel();
    return this.send(url, method, withAuth(init.headers, renewed), init.body, init.signal, repo.registry);
  }

  private async send(url: string, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined, registry: string): Promise<Response> {
    throwIfAborted(signal);
    const timeoutMs = this.options.timeoutMs?.() ?? 15_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await (this.options.fetch ?? fetch)(url, {
        method,
        headers,
        ...(body ? { body } : {}),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw this.networkError(error, registry, url, signal, timeout, timeoutMs);
    }
  }

  private networkError(error: unknown, registry: string, url: string, signal: AbortSignal | undefined, timeout: AbortSignal, timeoutMs: number): PromotionError {
    if (signal?.aborted) return new PromotionError('cancelled', 'cancelled');
    if (timeout.aborted) {
      return new PromotionError('timeout', `registry ${registry} did not answer within ${Math.round(timeoutMs / 1000)} s`, 'Check the network, or raise imagePromotion.lookupTimeoutSeconds.');
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (error as NodeJS.ErrnoException).code;
    const origin = new URL(url).origin;
    const detail = code ?? cause?.message ?? (error as Error).message;
    return new PromotionError('registry-unreachable', `registry ${registry} is unreachable at ${origin} (${detail})`, 'Is the registry running, and is the address right?', { cause: error });
  }

  /** The Authorization header for a scope, fetching a token when the registry wants one. */
  private async authorizationFor(registry: string, scope: string, signal: AbortSignal | undefined, afterChallenge: boolean): Promise<string | undefined> {
    const challenge = this.challenges.get(registry);
    if (!challenge) return undefined;
    const credentials = await this.options.credentials.get(registry, signal);
    if (challenge.scheme === 'basic') {
      if (!credentials?.username || credentials.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    const key = `${registry}|${scope}`;
    const now = (this.options.now ?? Date.now)();
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - TOKEN_MARGIN_MS > now && !afterChallenge) return `Bearer ${cached.value}`;
    const token = await this.fetchToken(registry, challenge, scope, credentials, signal);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  private async fetchToken(registry: string, challenge: Challenge, scope: string, credentials: RegistryCredentials | undefined, signal: AbortSignal | undefined): Promise<Token> {
    const realm = challenge.params['realm'];
    if (!realm) throw new PromotionError('protocol', `registry ${registry} asked for a bearer token without saying where to get it (no realm)`);
    const service = challenge.params['service'];
    let res: Response;
    if (credentials?.identityToken) {
      // An identity token is an OAuth2 refresh token: exchange it with a POST (as the Docker CLI does).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'image-promotion', scope });
      if (service) form.set('service', service);
      res = await this.send(realm, 'POST', { 'Content-Type': 'application/x-www-form-urlencoded' }, Buffer.from(form.toString()), signal, registry);
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (credentials?.username && credentials.password !== undefined) {
        headers['Authorization'] = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      }
      res = await this.send(url.toString(), 'GET', headers, undefined, signal, registry);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw unauthorized(registry, credentials);
    }
    if (!res.ok) throw new PromotionError('protocol', `the token service of ${registry} answered ${res.status} ${res.statusText}`);
    const body = (await res.json()) as { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    const value = body.token ?? body.access_token;
    if (!value) throw new PromotionError('protocol', `the token service of ${registry} answered without a token`);
    const issuedAt = body.issued_at ? Date.parse(body.issued_at) : NaN;
    const start = Number.isFinite(issuedAt) ? Math.min(issuedAt, (this.options.now ?? Date.now)()) : (this.options.now ?? Date.now)();
    return { value, expiresAt: start + (body.expires_in ?? DEFAULT_TOKEN_LIFETIME_S) * 1000 };
  }

  private async expectOk(res: Response, repo: Repository, what: string): Promise<void> {
    if (res.ok) return;
    const detail = await errorDetail(res);
    const name = repositoryName(repo);
    if (res.status === 401) {
      const credentials = await this.options.credentials.get(repo.registry).catch(() => undefined);
      throw unauthorized(repo.registry, credentials, detail);
    }
    if (res.status === 403) throw new PromotionError('denied', `${repo.registry} denied the request to ${what} in ${name}${detail}`, 'The credentials are valid but lack permission for this repository.');
    if (res.status === 404) throw new PromotionError('not-found', `${name}: could not ${what}: not found${detail}`);
    if (res.status === 405 && what.startsWith('delete')) throw new PromotionError('denied', `${repo.registry} does not allow deleting manifests${detail}`);
    if (res.status === 503 && /read-?only/i.test(detail)) throw new PromotionError('denied', `${repo.registry} is in read-only mode${detail}`);
    throw new PromotionError('protocol', `${repo.registry} answered ${res.status} ${res.statusText} when asked to ${what} in ${name}${detail}`);
  }
}

function unauthorized(registry: string, credentials: RegistryCredentials | undefined, detail = ''): PromotionError {
  return credentials
    ? new PromotionError('unauthorized', `${registry} rejected the credentials found for it${detail}`, `Run "docker login ${registry}" again.`)
    : new PromotionError('unauthorized', `${registry} requires credentials and none were found${detail}`, `Run "docker login ${registry}" (credentials are read from the Docker config, as the Docker CLI does).`);
}

function withAuth(headers: Record<string, string> | undefined, authorization: string | undefined): Record<string, string> {
  return authorization ? { ...headers, Authorization: authorization } : { ...headers };
}

function mediaTypeOf(res: Response): string {
  return (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const text = await res.text();
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    if (first) return `: ${[first.code, first.message].filter(Boolean).join(' ')}`;
    return text ? `: ${text.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/** The next page from an RFC 5988 `Link: </v2/…/tags/list?last=x&n=1000>; rel="next"` header. */
function nextPage(link: string | null, repo: Repository): string | undefined {
  const match = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  if (!match) return undefined;
  const target = match[1]!;
  const url = new URL(target, 'http://placeholder');
  // Keep it relative to the repository so the registry's own origin is used.
  const prefix = `/v2/${repo.path}/`;
  return url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) + url.search : `${url.pathname}${url.search}`;
}
