// A small Distribution API client on Node's fetch: anonymous, Basic and Bearer-token auth from the
// WWW-Authenticate challenge, tokens cached per registry+scopes until they expire, errors turned
// into kinds. Blobs are streamed both ways (never held whole in memory) and hashed as they pass.
//
// Observed with Distribution 2.8.2 (test/integration/registryCopy.test.ts asserts these):
// - `POST /v2/<to>/blobs/uploads/?mount=<digest>&from=<from>` answers 201 (Location = the blob) when
//   `from` has the blob, and 202 with an upload Location when it has not (the session is ours to
//   cancel: DELETE → 204). With token auth the token must carry `repository:<from>:pull` too, else
//   401 `error="insufficient_scope"` whose challenge asks for
//   `scope="repository:<to>:pull,push repository:<from>:pull"` (two scopes, space-separated).
// - `GET /v2/<name>/referrers/<digest>` answers 404 `text/plain` "404 page not found": no referrers
//   API, so callers fall back to the `sha256-<hex>` tag schema.
// - A token past its `exp` (+60 s leeway) gets 401 with `error="invalid_token"`: the token is
//   dropped and a new one fetched, once.
import { createHash, type Hash } from 'node:crypto';
import { isLoopbackRegistry, registryApiHost, repositoryName, type Repository } from '../core/reference';
import { PromotionError, throwIfAborted } from '../core/errors';
import type { Logger } from '../core/log';
import type { CredentialProvider, RegistryCredentials } from '../credentials/credentials';
import { parseChallenges, type Challenge } from './authChallenge';
import { MANIFEST_ACCEPT, MediaTypes } from './mediaTypes';
import type { BlobReader, BlobUploadOptions, Manifest, ManifestDescriptor, ManifestWrite, ReferrerDescriptor, RegistryClient } from './registryClient';
import { mergeScopes, repositoryScope, splitScopes, tokenCacheKey } from './scopes';
import { sendStream } from './streamUpload';

export interface HttpRegistryOptions {
  credentials: CredentialProvider;
  log: Logger;
  /** Per-request limit; the caller's signal can cut it shorter. */
  timeoutMs?: () => number;
  /** Hosts (`host:port`) reached over plain HTTP besides loopback ones. */
  insecureRegistries?: () => readonly string[];
  /** For every request but streamed blob uploads (those use node:http, see streamUpload.ts). */
  fetch?: typeof fetch;
  now?: () => number;
}

type Access = 'pull' | 'pull,push' | 'delete';

interface Token {
  readonly value: string;
  readonly expiresAt: number;
  /** Renew this long before expiresAt: 10 s, or a fifth of a short lifetime. */
  readonly marginMs: number;
}

interface RequestInit {
  headers?: Record<string, string>;
  body?: Buffer;
  /** A body that can be sent once only: a 401 is then returned as it is, not retried. */
  stream?: AsyncIterable<Uint8Array>;
  signal?: AbortSignal | undefined;
  /** More scopes the token needs besides the repository's own (a mount reads its source). */
  extraScopes?: readonly string[];
  /** Blob transfers: a timeout that restarts whenever bytes move, instead of one for the whole request. */
  idle?: IdleTimer;
}

const TOKEN_MARGIN_MS = 10_000;
const DEFAULT_TOKEN_LIFETIME_S = 60;
/** After the last byte of an upload, how long the registry may take to verify and store it. */
const UPLOAD_FINISH_MS = 300_000;

export class HttpRegistryClient implements RegistryClient {
  /** How each registry asked us to authenticate, learnt from its first 401. */
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, Token>();
  private readonly pendingTokens = new Map<string, Promise<Token>>();

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
    const written = await this.writeManifest(repo, reference, manifest, signal);
    return written.reportedDigest ?? `sha256:${createHash('sha256').update(manifest.bytes).digest('hex')}`;
  }

  async writeManifest(repo: Repository, reference: string, manifest: { mediaType: string; bytes: Buffer }, signal?: AbortSignal): Promise<ManifestWrite> {
    const res = await this.request(repo, 'pull,push', 'PUT', `manifests/${reference}`, {
      headers: { 'Content-Type': manifest.mediaType },
      body: manifest.bytes,
      signal,
    });
    await this.expectOk(res, repo, `write the manifest ${reference}`);
    await res.body?.cancel();
    return { reportedDigest: res.headers.get('docker-content-digest') ?? undefined, subjectDigest: res.headers.get('oci-subject') ?? undefined };
  }

  async blobExists(repo: Repository, digest: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.request(repo, 'pull', 'HEAD', `blobs/${digest}`, { signal });
    if (res.status === 404) return false;
    await this.expectOk(res, repo, `look up the blob ${digest}`);
    return true;
  }

  async mountBlob(repo: Repository, digest: string, from: Repository, signal?: AbortSignal): Promise<boolean> {
    if (from.registry !== repo.registry) throw new PromotionError('internal', `cannot mount a blob from ${from.registry} into ${repo.registry}: mounts work within one registry`);
    const query = new URLSearchParams({ mount: digest, from: from.path });
    const res = await this.request(repo, 'pull,push', 'POST', `blobs/uploads/?${query.toString()}`, {
      signal,
      extraScopes: [repositoryScope(from.path, 'pull')],
    });
    if (res.status === 201) {
      await res.body?.cancel();
      return true;
    }
    if (res.status === 202) {
      // Not mounted (the source lacks it, or the registry does not mount): it opened an upload we do not need.
      await res.body?.cancel();
      await this.cancelUpload(repo, res.headers.get('location'), signal);
      return false;
    }
    await this.expectOk(res, repo, `mount the blob ${digest} from ${repositoryName(from)}`);
    throw new PromotionError('protocol', `${repo.registry} answered ${res.status} to a blob mount into ${repositoryName(repo)}`);
  }

  async openBlob(repo: Repository, digest: string, signal?: AbortSignal): Promise<BlobReader> {
    const idle = new IdleTimer(this.timeoutMs());
    let res: Response;
    try {
      res = await this.request(repo, 'pull', 'GET', `blobs/${digest}`, { headers: { 'Accept-Encoding': 'identity' }, signal, idle });
      await this.expectOk(res, repo, `read the blob ${digest}`);
    } catch (error) {
      idle.stop();
      throw error;
    }
    const body = res.body;
    if (!body) {
      idle.stop();
      throw new PromotionError('protocol', `${repo.registry} answered the blob ${digest} without a body`);
    }
    const length = res.headers.get('content-length');
    const size = length === null ? -1 : Number(length);
    const hasher = hasherFor(digest);
    const registry = repo.registry;
    let cancelled = false;
    const self = this;
    async function* verified(): AsyncGenerator<Uint8Array> {
      let read = 0;
      try {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          idle.touch();
          hasher?.update(chunk);
          read += chunk.length;
          yield chunk;
        }
      } catch (error) {
        throw self.networkError(error, registry, res.url, signal, idle);
      } finally {
        idle.stop();
      }
      if (size >= 0 && read !== size) throw new PromotionError('protocol', `${registry} sent ${read} bytes of the blob ${digest}, not the ${size} it announced`);
      const got = hasher ? `${digest.slice(0, digest.indexOf(':'))}:${hasher.digest('hex')}` : digest;
      if (got !== digest) throw new PromotionError('protocol', `${registry} returned a blob whose content does not match ${digest} (it hashes to ${got})`);
    }
    const stream = verified();
    return {
      digest,
      size,
      stream,
      cancel: async () => {
        if (cancelled) return;
        cancelled = true;
        idle.stop();
        // Ends the iteration (which cancels the body it holds), or cancels a body never read.
        await stream.return(undefined).catch(() => undefined);
        await body.cancel().catch(() => undefined);
      },
    };
  }

  async uploadBlob(repo: Repository, digest: string, size: number, stream: AsyncIterable<Uint8Array>, options: BlobUploadOptions = {}): Promise<void> {
    const { signal } = options;
    const start = await this.request(repo, 'pull,push', 'POST', 'blobs/uploads/', { signal });
    if (start.status !== 202) {
      await this.expectOk(start, repo, `start uploading the blob ${digest}`);
      await start.body?.cancel();
      throw new PromotionError('protocol', `${repo.registry} answered ${start.status} when asked to start a blob upload in ${repositoryName(repo)}`);
    }
    await start.body?.cancel();
    let location = this.uploadUrl(repo, start.headers.get('location'));
    const source = stream[Symbol.asyncIterator]();
    const hasher = hasherFor(digest);
    let sent = 0;
    let failure: PromotionError | undefined;
    const idle = new IdleTimer(this.timeoutMs());
    const progress = (n: number): void => {
      sent += n;
      idle.touch();
      options.onBytes?.(sent);
    };
    // The bytes of [from, from+length) of the source; the last piece is held back until the whole
    // blob hashed right, so a registry never receives a complete body with the wrong content.
    let leftover: Uint8Array | undefined;
    let exhausted = false;
    const self = this;
    async function* piece(length: number, last: boolean): AsyncGenerator<Uint8Array> {
      let remaining = length;
      let held: Uint8Array | undefined;
      while (remaining !== 0) {
        let chunk: Uint8Array;
        if (leftover) {
          chunk = leftover;
          leftover = undefined;
        } else {
          const next = await source.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          chunk = next.value;
          hasher?.update(chunk);
        }
        if (remaining > 0 && chunk.length > remaining) {
          leftover = chunk.subarray(remaining);
          chunk = chunk.subarray(0, remaining);
        }
        if (remaining > 0) remaining -= chunk.length;
        if (held) {
          progress(held.length);
          yield held;
        }
        held = chunk;
      }
      if (last || exhausted) {
        const check = self.checkUpload(repo, digest, size, sent + (held?.length ?? 0), hasher, exhausted || remaining === 0);
        if (check) {
          failure = check;
          throw check;
        }
      }
      if (held) {
        progress(held.length);
        yield held;
      }
    }
    try {
      const chunkSize = options.chunkSize && options.chunkSize > 0 && size > options.chunkSize ? options.chunkSize : undefined;
      if (chunkSize) {
        while (sent < size) {
          const length = Math.min(chunkSize, size - sent);
          const from = sent;
          const last = from + length >= size;
          const res = await this.request(repo, 'pull,push', 'PATCH', location, {
            headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length), 'Content-Range': `${from}-${from + length - 1}` },
            stream: piece(length, last),
            signal,
            idle,
          });
          if (res.status !== 202) await this.expectOk(res, repo, `upload part of the blob ${digest}`);
          await res.body?.cancel();
          location = this.uploadUrl(repo, res.headers.get('location') ?? location);
        }
        idle.touch(UPLOAD_FINISH_MS);
        const res = await this.request(repo, 'pull,push', 'PUT', withDigest(location, digest), { headers: { 'Content-Length': '0' }, signal, idle });
        await this.finishUpload(res, repo, digest);
      } else {
        const body = piece(size >= 0 ? size : -1, true);
        const finishing = (async function* (): AsyncGenerator<Uint8Array> {
          yield* body;
          idle.touch(UPLOAD_FINISH_MS);
        })();
        const res = await this.request(repo, 'pull,push', 'PUT', withDigest(location, digest), {
          headers: { 'Content-Type': 'application/octet-stream', ...(size >= 0 ? { 'Content-Length': String(size) } : {}) },
          stream: finishing,
          signal,
          idle,
        });
        await this.finishUpload(res, repo, digest);
      }
    } catch (error) {
      const reported = failure ?? (error instanceof PromotionError ? error : this.networkError(error, repo.registry, location, signal, idle));
      await this.cancelUpload(repo, location);
      throw reported;
    } finally {
      idle.stop();
    }
  }

  async listReferrers(repo: Repository, digest: string, signal?: AbortSignal): Promise<ReferrerDescriptor[] | undefined> {
    const found: ReferrerDescriptor[] = [];
    let next: string | undefined = `referrers/${digest}`;
    for (let page = 0; next && page < 100; page++) {
      const res = await this.request(repo, 'pull', 'GET', next, { headers: { Accept: MediaTypes.ociIndex }, signal });
      // The spec forbids a 404 from a registry that has the API: 404 (Distribution 2.8) means "no referrers API".
      if (res.status === 404 || res.status === 405) {
        await res.body?.cancel();
        return page === 0 ? undefined : found;
      }
      await this.expectOk(res, repo, `list the referrers of ${digest}`);
      const body = (await res.json().catch(() => undefined)) as { manifests?: ReferrerDescriptor[] } | undefined;
      if (!body || !Array.isArray(body.manifests)) throw new PromotionError('protocol', `${repo.registry} answered the referrers of ${digest} with something that is not an index`);
      for (const m of body.manifests) {
        if (m && typeof m.digest === 'string') found.push(m);
      }
      next = nextPage(res.headers.get('link'), repo);
    }
    return found;
  }

  async deleteManifest(repo: Repository, digest: string, signal?: AbortSignal): Promise<void> {
    const res = await this.request(repo, 'delete', 'DELETE', `manifests/${digest}`, { signal });
    await this.expectOk(res, repo, `delete the manifest ${digest}`);
  }

  // --- transport ---------------------------------------------------------------------------------

  private timeoutMs(): number {
    return this.options.timeoutMs?.() ?? 15_000;
  }

  private baseUrl(registry: string): string {
    const insecure = isLoopbackRegistry(registry) || (this.options.insecureRegistries?.() ?? []).includes(registry);
    return `${insecure ? 'http' : 'https'}://${registryApiHost(registry)}`;
  }

  /** An upload Location made absolute (registries may answer a path). */
  private uploadUrl(repo: Repository, location: string | null): string {
    if (!location) throw new PromotionError('protocol', `${repo.registry} opened a blob upload without saying where (no Location header)`);
    return new URL(location, `${this.baseUrl(repo.registry)}/`).toString();
  }

  private async finishUpload(res: Response, repo: Repository, digest: string): Promise<void> {
    if (res.status !== 201) await this.expectOk(res, repo, `finish uploading the blob ${digest}`);
    await res.body?.cancel();
    const stored = res.headers.get('docker-content-digest');
    if (stored && stored !== digest) throw new PromotionError('protocol', `${repo.registry} stored the blob ${digest} as ${stored}`);
  }

  /** Undefined when the upload is right so far; else the error that abandons it. */
  private checkUpload(repo: Repository, digest: string, size: number, total: number, hasher: Hash | undefined, complete: boolean): PromotionError | undefined {
    if (!complete || (size >= 0 && total !== size)) {
      return new PromotionError('protocol', `the blob ${digest} for ${repositoryName(repo)} had ${total} bytes, not the ${size} announced; the upload was abandoned`);
    }
    const got = hasher ? `${digest.slice(0, digest.indexOf(':'))}:${hasher.copy().digest('hex')}` : digest;
    if (got !== digest) return new PromotionError('protocol', `the blob ${digest} for ${repositoryName(repo)} hashes to ${got}; the upload was abandoned`);
    return undefined;
  }

  /** Best effort: an abandoned upload session is the registry's to purge anyway. */
  private async cancelUpload(repo: Repository, location: string | null, signal?: AbortSignal): Promise<void> {
    if (!location) return;
    try {
      const res = await this.request(repo, 'pull,push', 'DELETE', this.uploadUrl(repo, location), { signal });
      await res.body?.cancel();
    } catch {
      // ignore
    }
  }

  private async request(repo: Repository, access: Access, method: string, pathAndQuery: string, init: RequestInit): Promise<Response> {
    const base = this.baseUrl(repo.registry);
    const url = /^https?:\/\//.test(pathAndQuery) ? pathAndQuery : pathAndQuery.startsWith('/') ? `${base}${pathAndQuery}` : `${base}/v2/${repo.path}/${pathAndQuery}`;
    const scopes = mergeScopes([repositoryScope(repo.path, access)], init.extraScopes ?? []);
    const authorization = await this.authorizationFor(repo.registry, scopes, init.signal, undefined);
    const res = await this.send(url, method, withAuth(init.headers, authorization), init.body ?? init.stream, init.signal, repo.registry, init.idle);
    if (res.status !== 401 || init.stream) return res;
    // First contact, a token that expired or was revoked early (`error="invalid_token"`), or one
    // with too little access (`error="insufficient_scope"`): learn the challenge and try once more.
    const challenge = parseChallenges(res.headers.get('www-authenticate')).find((c) => c.scheme === 'bearer' || c.scheme === 'basic');
    if (!challenge) return res;
    this.challenges.set(repo.registry, challenge);
    let wanted = scopes;
    if (challenge.scheme === 'bearer') {
      wanted = mergeScopes(scopes, splitScopes([challenge.params['scope']]));
      this.options.log.debug(`${repo.registry} answered 401${challenge.params['error'] ? ` (${challenge.params['error']})` : ''} to ${method} ${redactUrl(url)}: fetching a new token`);
    }
    const renewed = await this.authorizationFor(repo.registry, wanted, init.signal, authorization);
    if (!renewed || renewed === authorization) return res;
    await res.body?.cancel();
    return this.send(url, method, withAuth(init.headers, renewed), init.body, init.signal, repo.registry, init.idle);
  }

  private async send(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: Buffer | AsyncIterable<Uint8Array> | undefined,
    signal: AbortSignal | undefined,
    registry: string,
    idle?: IdleTimer,
  ): Promise<Response> {
    throwIfAborted(signal);
    const timeoutMs = this.timeoutMs();
    const limit = idle?.signal ?? AbortSignal.timeout(timeoutMs);
    idle?.touch();
    try {
      const combined = signal ? AbortSignal.any([signal, limit]) : limit;
      // A streamed body goes through node:http (fetch would keep all of it in memory: see streamUpload.ts).
      const res =
        body && !Buffer.isBuffer(body)
          ? await sendStream(url, method, headers, body, combined)
          : await (this.options.fetch ?? fetch)(url, { method, headers, ...(body ? { body } : {}), signal: combined });
      this.options.log.trace(`${method} ${redactUrl(url)} → ${res.status}`);
      return res;
    } catch (error) {
      throw this.networkError(error, registry, url, signal, idle ?? limit);
    }
  }

  private networkError(error: unknown, registry: string, url: string, signal: AbortSignal | undefined, timer: AbortSignal | IdleTimer): PromotionError {
    if (error instanceof PromotionError) return error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof PromotionError) return cause;
    if (signal?.aborted) return new PromotionError('cancelled', 'cancelled');
    if (timer instanceof IdleTimer ? timer.timedOut : timer.aborted) {
      const seconds = Math.round((timer instanceof IdleTimer ? timer.lastMs : this.timeoutMs()) / 1000);
      return timer instanceof IdleTimer
        ? new PromotionError('timeout', `registry ${registry} stalled: nothing moved for ${seconds} s`, 'Check the network, or raise imagePromotion.lookupTimeoutSeconds.')
        : new PromotionError('timeout', `registry ${registry} did not answer within ${seconds} s`, 'Check the network, or raise imagePromotion.lookupTimeoutSeconds.');
    }
    const detailOf = cause as { code?: string; message?: string } | undefined;
    const code = detailOf?.code ?? (error as NodeJS.ErrnoException).code;
    let origin = url;
    try {
      origin = new URL(url).origin;
    } catch {
      // keep the text
    }
    const detail = code ?? detailOf?.message ?? (error as Error).message;
    return new PromotionError('registry-unreachable', `registry ${registry} is unreachable at ${origin} (${detail})`, 'Is the registry running, and is the address right?', { cause: error });
  }

  /** The Authorization header for some scopes, fetching a token when the registry wants one. */
  private async authorizationFor(registry: string, scopes: readonly string[], signal: AbortSignal | undefined, rejected: string | undefined): Promise<string | undefined> {
    const challenge = this.challenges.get(registry);
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const credentials = await this.options.credentials.get(registry, signal);
      if (!credentials?.username || credentials.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    const key = tokenCacheKey(registry, scopes);
    const now = (this.options.now ?? Date.now)();
    const cached = this.tokens.get(key);
    // A token the registry just refused is not used again; one another request renewed meanwhile is.
    if (cached && cached.expiresAt - cached.marginMs > now && `Bearer ${cached.value}` !== rejected) return `Bearer ${cached.value}`;
    // Requests running side by side (blob mounts) share one token request per scope.
    let pending = this.pendingTokens.get(key);
    if (!pending) {
      pending = (async () => {
        // Only now ask for credentials: a credential helper is a process to start.
        const credentials = await this.options.credentials.get(registry, signal);
        return this.fetchToken(registry, challenge, mergeScopes(scopes), credentials, signal);
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

  private async fetchToken(registry: string, challenge: Challenge, scopes: readonly string[], credentials: RegistryCredentials | undefined, signal: AbortSignal | undefined): Promise<Token> {
    const realm = challenge.params['realm'];
    if (!realm) throw new PromotionError('protocol', `registry ${registry} asked for a bearer token without saying where to get it (no realm)`);
    const service = challenge.params['service'];
    let res: Response;
    if (credentials?.identityToken) {
      // An identity token is an OAuth2 refresh token: exchange it with a POST (as the Docker CLI does).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'image-promotion' });
      if (service) form.set('service', service);
      for (const scope of scopes) form.append('scope', scope);
      res = await this.send(realm, 'POST', { 'Content-Type': 'application/x-www-form-urlencoded' }, Buffer.from(form.toString()), signal, registry);
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      // One `scope` parameter per scope, as the Docker CLI sends them.
      for (const scope of scopes) url.searchParams.append('scope', scope);
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
    const now = (this.options.now ?? Date.now)();
    const issuedAt = body.issued_at ? Date.parse(body.issued_at) : NaN;
    const start = Number.isFinite(issuedAt) ? Math.min(issuedAt, now) : now;
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_LIFETIME_S) * 1000;
    this.options.log.debug(`${registry}: new token for ${scopes.join(' ')} (expires in ${Math.round(lifetimeMs / 1000)} s)`);
    return { value, expiresAt: start + lifetimeMs, marginMs: Math.min(TOKEN_MARGIN_MS, lifetimeMs / 5) };
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

/** A timeout that restarts whenever bytes move (blob transfers can take long, but must not stall). */
class IdleTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  timedOut = false;
  lastMs: number;

  constructor(private readonly ms: number) {
    this.lastMs = ms;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Restart the countdown (with another length for what comes next, e.g. the registry finishing an upload). */
  touch(ms = this.ms): void {
    if (this.timedOut) return;
    clearTimeout(this.timer);
    this.lastMs = ms;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** A hash for the digest's algorithm (sha256, sha512), or undefined for one we cannot check. */
function hasherFor(digest: string): Hash | undefined {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  return algorithm === 'sha256' || algorithm === 'sha512' ? createHash(algorithm) : undefined;
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** For logs: no query (upload URLs carry registry state), never credentials. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.replace(/\?.*$/, '');
  }
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
