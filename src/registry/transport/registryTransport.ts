// The registry transport: every request the registry client makes goes through here, and so do the
// policies — credentials only to the registry's origin and a validated token realm, redirects
// followed by hand (bounded, credentials never carried to another origin), retries of idempotent
// requests, per-request and idle timeouts, capped body reads, kept connections. The operations
// above (httpRegistryClient.ts) say what to ask; this says how.
import { PromotionError, throwIfAborted } from '../../core/errors';
import { repositoryName, type Repository } from '../../core/reference';
import type { Logger } from '../../core/log';
import type { CredentialProvider } from '../../credentials/credentials';
import { parseChallenges } from '../authChallenge';
import { mergeScopes, repositoryScope, splitScopes } from '../scopes';
import { sendStream } from '../streamUpload';
import { RegistryAuth, unauthorized } from './auth';
import { KEEP_ALIVE_MS, keepAliveConnections, type Connections } from './connections';
import { LruMap } from '../../core/lruMap';
import type { ProxySetting } from './proxy';
import { IdleTimer } from './idleTimer';
import { BodyLimits, readCapped, readPrefix } from './limits';
import { isRegistryOrigin, redactUrl, registryEndpoint, registryUrl, type RegistryEndpoint } from './origin';
import { unknownAuthority, type TrustSetting } from './trust';
import type { ChallengeMemory } from './rememberedChallenges';
import { backoffMs, DEFAULT_RETRY, isConnectionReset, isIdempotent, isRetryableStatus, retryAfterMs, sleep, type RetryPolicy } from './retry';
import type { EarlyConnections } from '../../startup/earlyConnections';

export interface TransportOptions {
  credentials: CredentialProvider;
  log: Logger;
  /** Per-request limit; the caller's signal can cut it shorter. */
  timeoutMs?: () => number;
  /** Hosts (`host:port`) reached over plain HTTP besides loopback ones. */
  insecureRegistries?: () => readonly string[];
  /** For every request but streamed blob uploads; default: keep-alive connections (connections.ts). */
  fetch?: typeof fetch;
  /** The front end's proxy (VS Code's http.proxy), read at each request; none: HTTP(S)_PROXY / NO_PROXY. */
  proxy?: () => ProxySetting | undefined;
  /** Extra certificate authorities (a company CA), read at each request; none: Node's defaults. */
  trust?: () => TrustSetting | undefined;
  now?: () => number;
  retry?: RetryPolicy;
  /** How registries asked to be authenticated in earlier sessions (rememberedChallenges.ts); none: learnt afresh by each. */
  challenges?: ChallengeMemory;
  /** Sockets the extension's loader opened (startup/earlyConnections.ts), for the first direct connections. */
  early?: EarlyConnections;
}

export type Access = 'pull' | 'pull,push' | 'delete';

export interface TransportRequest {
  headers?: Record<string, string>;
  body?: Buffer;
  /** A body that can be sent once only: never retried, never redirected, a 401 returned as it is. */
  stream?: AsyncIterable<Uint8Array>;
  signal?: AbortSignal | undefined;
  /** More scopes the token needs besides the repository's own (a mount reads its source). */
  extraScopes?: readonly string[];
  /** Blob transfers: a timeout that restarts whenever bytes move, instead of one for the whole request. */
  idle?: IdleTimer;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One request as sent: where, what, and what may cut it short. */
interface Outgoing {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | AsyncIterable<Uint8Array> | undefined;
  readonly signal: AbortSignal | undefined;
  /** For messages: the registry as the configuration names it. */
  readonly registry: string;
  readonly idle: IdleTimer | undefined;
}

/** What TLS servers answer a plain-http request with (Go's net/http, which Distribution uses; nginx). */
const PLAIN_HTTP_TO_TLS = /HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS port/i;

export class RegistryTransport {
  private readonly auth: RegistryAuth;
  private connections: Connections | undefined;
  /** Loopback (or listed) registries that answered plain http with "this is an https server". */
  private readonly tlsOnly = new Set<string>();
  /** When each origin last answered (so a connection to it is likely kept): bounded. */
  private readonly answeredAt = new LruMap<string, number>(100);

  constructor(private readonly options: TransportOptions) {
    this.auth = new RegistryAuth(
      options.credentials,
      options.log,
      (url, method, headers, body, signal) => this.send({ url, method, headers, body, signal, registry: url.host, idle: undefined }, true),
      () => this.now(),
      options.challenges,
      (endpoint) => this.openAhead(endpoint),
    );
  }

  /**
   * The registry's connection, opened while its token is fetched elsewhere, unless one was used
   * lately (then it is kept open: connections.ts). Not with a fetch of the caller's (tests).
   */
  private openAhead(endpoint: RegistryEndpoint): void {
    if (this.options.fetch) return;
    const last = this.answeredAt.peek(endpoint.origin);
    if (last !== undefined && this.now() - last < KEEP_ALIVE_MS) return;
    try {
      this.connectionsNow().preconnect(new URL(endpoint.origin));
    } catch {
      // A proxy or CA setting that cannot be used: the request itself says so.
    }
  }

  timeoutMs(): number {
    return this.options.timeoutMs?.() ?? 15_000;
  }

  now(): number {
    return (this.options.now ?? Date.now)();
  }

  endpoint(registry: string): RegistryEndpoint {
    return registryEndpoint(registry, this.options.insecureRegistries?.() ?? [], this.tlsOnly.has(registry));
  }

  /** `manifests/x` (under the repository), `/v2/…` (under the registry) or an absolute Location. */
  url(repo: Repository, pathOrUrl: string): URL {
    const endpoint = this.endpoint(repo.registry);
    if (/^https?:\/\//i.test(pathOrUrl) || pathOrUrl.startsWith('/')) return registryUrl(endpoint, pathOrUrl);
    return registryUrl(endpoint, `/v2/${repo.path}/${pathOrUrl}`);
  }

  /** Releases kept connections (idle ones never hold the process open anyway). */
  async close(): Promise<void> {
    const c = this.connections;
    this.connections = undefined;
    await c?.close();
  }

  async request(repo: Repository, access: Access, method: string, pathOrUrl: string, init: TransportRequest): Promise<Response> {
    const endpoint = this.endpoint(repo.registry);
    let url = this.url(repo, pathOrUrl);
    let current = method;
    let body = init.body;
    const scopes = mergeScopes([repositoryScope(repo.path, access)], init.extraScopes ?? []);
    for (let hop = 0; ; hop++) {
      const res = await this.authorizedSend(endpoint, scopes, url, current, { ...init, body });
      // A 400 over plain http may be a TLS-only server's answer; once switched, the endpoint is https and this is false.
      if (hop === 0 && !init.stream && (await this.turnedToTls(endpoint, res, init.signal))) return this.request(repo, access, method, pathOrUrl, init);
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location || init.stream) return res;
      // A write's redirect is followed only when its body can be sent again as it was (307/308).
      const resend = res.status === 307 || res.status === 308;
      if (!isIdempotent(current) && !(resend && body)) return res;
      await res.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS)
        throw new PromotionError('protocol', `${repo.registry} redirected ${method} ${redactUrl(this.url(repo, pathOrUrl))} more than ${MAX_REDIRECTS} times`);
      const next = registryUrl(endpoint, new URL(location, url).toString());
      if (url.protocol === 'https:' && next.protocol === 'http:' && !endpoint.insecure) {
        throw new PromotionError(
          'protocol',
          `${repo.registry} redirected ${method} ${redactUrl(url)} to plain http (${next.host}); refused`,
          'A redirect from https to http would expose the request. Check the registry and any proxy in front of it.',
        );
      }
      this.options.log.debug(
        `${method} ${redactUrl(url)} → ${res.status}: following to ${redactUrl(next)}${isRegistryOrigin(endpoint, next) ? '' : ' (another origin: without credentials)'}`,
      );
      if (!resend && current !== 'HEAD') {
        current = 'GET';
        body = undefined;
      }
      url = next;
    }
  }

  /**
   * `GET /v2/` with the credentials, as `docker login` checks them: a Basic registry gets them as they
   * are, a token registry is asked for a token without any repository scope. Redirects not followed.
   */
  async checkBase(registry: string, signal?: AbortSignal): Promise<Response> {
    const send = (endpoint: RegistryEndpoint): Promise<Response> => this.authorizedSend(endpoint, [], registryUrl(endpoint, '/v2/'), 'GET', { signal });
    const endpoint = this.endpoint(registry);
    const res = await send(endpoint);
    return (await this.turnedToTls(endpoint, res, signal)) ? send(this.endpoint(registry)) : res;
  }

  /**
   * A registry reached over plain http because it is loopback (or listed as insecure) that answers
   * "this is an https server" speaks TLS only: from then on it is reached over https, its certificate
   * verified, and never over http again. Nothing with credentials went to it before (credentials are
   * sent only once a registry's challenge is known, and a TLS-only server sends none over http).
   * Plain-http registries pay nothing, but for one GET /v2/ after a 400.
   */
  private async turnedToTls(endpoint: RegistryEndpoint, res: Response, signal: AbortSignal | undefined): Promise<boolean> {
    if (!endpoint.insecure || res.status !== 400 || !endpoint.origin.startsWith('http:')) return false;
    // The answer to a HEAD has no body to read: ask GET /v2/ (no credentials) what the server says.
    const probe = await this.send(
      { url: registryUrl(endpoint, '/v2/'), method: 'GET', headers: {}, body: undefined, signal, registry: endpoint.registry, idle: undefined },
      false,
    );
    const text = probe.status === 400 ? await readPrefix(probe, 512).catch(() => '') : '';
    if (probe.status !== 400) await probe.body?.cancel().catch(() => undefined);
    if (!PLAIN_HTTP_TO_TLS.test(text)) return false;
    await res.body?.cancel().catch(() => undefined);
    this.tlsOnly.add(endpoint.registry);
    this.options.log.info(`${endpoint.registry} answers https only: reaching it over https (its certificate verified) from now on`);
    return true;
  }

  /** One request to one URL: credentials and the 401 challenge dance only on the registry's own origin. */
  private async authorizedSend(endpoint: RegistryEndpoint, scopes: string[], url: URL, method: string, init: TransportRequest): Promise<Response> {
    const payload = init.body ?? init.stream;
    const retryable = isIdempotent(method) && !init.stream;
    const registry = endpoint.registry;
    const out: Outgoing = { url, method, headers: { ...init.headers }, body: payload, signal: init.signal, registry, idle: init.idle };
    if (!isRegistryOrigin(endpoint, url)) return this.send(out, retryable);
    const authorization = await this.auth.authorizationFor(endpoint, scopes, init.signal, undefined);
    const res = await this.send({ ...out, headers: withAuth(init.headers, authorization) }, retryable);
    if (res.status !== 401 || init.stream) return res;
    // First contact, a token that expired or was revoked early (`error="invalid_token"`), or one
    // with too little access (`error="insufficient_scope"`): learn the challenge and try once more.
    const challenge = parseChallenges(res.headers.get('www-authenticate')).find((c) => c.scheme === 'bearer' || c.scheme === 'basic');
    if (!challenge) return res;
    this.auth.learn(registry, challenge);
    let wanted = scopes;
    if (challenge.scheme === 'bearer') {
      wanted = mergeScopes(scopes, splitScopes([challenge.params['scope']]));
      this.options.log.debug(
        `${registry} answered 401${challenge.params['error'] ? ` (${challenge.params['error']})` : ''} to ${method} ${redactUrl(url)}: fetching a new token`,
      );
    }
    const renewed = await this.auth.authorizationFor(endpoint, wanted, init.signal, authorization);
    if (!renewed || renewed === authorization) return res;
    await res.body?.cancel().catch(() => undefined);
    return this.send({ ...out, headers: withAuth(init.headers, renewed) }, retryable);
  }

  /** Sends, retrying what may be retried. Answers 429/5xx as they are once the tries are used up. */
  private async send(out: Outgoing, retryable: boolean): Promise<Response> {
    const { url, method, signal } = out;
    const policy = this.options.retry ?? DEFAULT_RETRY;
    const attempts = retryable ? Math.max(1, policy.attempts) : 1;
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= attempts;
      let res: Response;
      try {
        res = await this.sendOnce(out);
      } catch (error) {
        const failure = error as PromotionError;
        if (last || failure.kind !== 'registry-unreachable' || !isConnectionReset(failure)) throw failure;
        const wait = backoffMs(attempt, policy);
        this.options.log.debug(`${method} ${redactUrl(url)}: connection reset; trying again in ${wait} ms`);
        await this.pause(wait, signal);
        continue;
      }
      if (last || !isRetryableStatus(res.status)) return res;
      const wait = retryAfterMs(res.headers.get('retry-after'), this.now(), policy) ?? backoffMs(attempt, policy);
      await res.body?.cancel().catch(() => undefined);
      this.options.log.debug(`${method} ${redactUrl(url)} → ${res.status}; trying again in ${wait} ms`);
      await this.pause(wait, signal);
    }
  }

  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch {
      throw new PromotionError('cancelled', 'cancelled');
    }
  }

  /** One try; every failure comes out as a PromotionError (its cause the network error, for isConnectionReset). */
  private async sendOnce({ url, method, headers, body, signal, registry, idle }: Outgoing): Promise<Response> {
    throwIfAborted(signal);
    const limit = idle?.signal ?? AbortSignal.timeout(this.timeoutMs());
    idle?.touch();
    const combined = signal ? AbortSignal.any([signal, limit]) : limit;
    const connections = this.options.fetch ? undefined : this.connectionsNow();
    try {
      // A streamed body goes through node:http (fetch would keep all of it in memory: see streamUpload.ts).
      const res =
        body && !Buffer.isBuffer(body)
          ? await sendStream(
              url.toString(),
              method,
              headers,
              body,
              combined,
              connections && (url.protocol === 'https:' ? connections.httpsAgent : connections.httpAgent),
            )
          : await (this.options.fetch ?? connections!.fetch)(url.toString(), {
              method,
              headers,
              redirect: 'manual',
              ...(body ? { body } : {}),
              signal: combined,
            });
      this.options.log.trace(`${method} ${redactUrl(url)} → ${res.status}`);
      this.answeredAt.set(url.origin, this.now());
      return res;
    } catch (error) {
      throw this.networkError(error, registry, url, signal, idle, limit);
    }
  }

  private connectionsNow(): Connections {
    return (this.connections ??= keepAliveConnections({
      log: this.options.log,
      ...(this.options.proxy ? { proxy: this.options.proxy } : {}),
      ...(this.options.trust ? { trust: this.options.trust } : {}),
      ...(this.options.early ? { early: this.options.early } : {}),
    }));
  }

  /** A body, whole, refused past `cap` bytes; a connection lost while reading is reported as such. */
  async read(res: Response, cap: number, repo: Repository, what: string, signal?: AbortSignal): Promise<Buffer> {
    try {
      return await readCapped(res, cap, repo.registry, what);
    } catch (error) {
      throw this.networkError(error, repo.registry, new URL(res.url || this.endpoint(repo.registry).origin), signal, undefined);
    }
  }

  networkError(
    error: unknown,
    registry: string,
    url: URL | string,
    signal: AbortSignal | undefined,
    idle: IdleTimer | undefined,
    limit?: AbortSignal,
  ): PromotionError {
    if (error instanceof PromotionError) return error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof PromotionError) return cause;
    if (signal?.aborted) return new PromotionError('cancelled', 'cancelled');
    const hint = 'Check the network, or raise imagePromotion.lookupTimeoutSeconds.';
    if (idle?.timedOut) return new PromotionError('timeout', `registry ${registry} stalled: nothing moved for ${Math.round(idle.lastMs / 1000)} s`, hint);
    const name = (error as { name?: string }).name;
    if (!idle && (limit?.aborted || name === 'TimeoutError')) {
      return new PromotionError('timeout', `registry ${registry} did not answer within ${Math.round(this.timeoutMs() / 1000)} s`, hint);
    }
    const detailOf = cause as { code?: string; message?: string } | undefined;
    const code = detailOf?.code ?? (error as NodeJS.ErrnoException).code;
    let origin = String(url);
    try {
      origin = new URL(url).origin;
    } catch {
      // keep the text
    }
    const untrusted = unknownAuthority(code, registry, origin, error);
    if (untrusted) return untrusted;
    const detail = code ?? detailOf?.message ?? (error as Error).message;
    return new PromotionError(
      'registry-unreachable',
      `registry ${registry} is unreachable at ${origin} (${detail})`,
      'Is the registry running, and is the address right?',
      { cause: error },
    );
  }

  /** A non-2xx answer as a PromotionError of the right kind, with the registry's own error text. */
  async failure(res: Response, repo: Repository, what: string): Promise<PromotionError> {
    const detail = await errorDetail(res);
    const name = repositoryName(repo);
    if (res.status === 401) {
      const credentials = await this.options.credentials.get(repo.registry).catch(() => undefined);
      // Without credentials the registry's text ("authentication required") adds nothing, and a HEAD
      // has none: the same message whichever request met the 401 first.
      return unauthorized(repo.registry, credentials, credentials ? detail : '');
    }
    if (res.status === 403)
      return new PromotionError(
        'denied',
        `${repo.registry} denied the request to ${what} in ${name}${detail}`,
        'The credentials are valid but lack permission for this repository.',
      );
    if (res.status === 404) return new PromotionError('not-found', `${name}: could not ${what}: not found${detail}`);
    if (res.status === 405 && what.startsWith('delete')) return new PromotionError('denied', `${repo.registry} does not allow deleting manifests${detail}`);
    if (res.status === 503 && /read-?only/i.test(detail)) return new PromotionError('denied', `${repo.registry} is in read-only mode${detail}`);
    return new PromotionError('protocol', `${repo.registry} answered ${res.status} ${res.statusText} when asked to ${what} in ${name}${detail}`);
  }

  async expectOk(res: Response, repo: Repository, what: string): Promise<void> {
    if (!res.ok) throw await this.failure(res, repo, what);
  }
}

function withAuth(headers: Record<string, string> | undefined, authorization: string | undefined): Record<string, string> {
  return authorization ? { ...headers, Authorization: authorization } : { ...headers };
}

/** The registry's first error (`{"errors":[{code,message}]}`), else the start of the body; read capped. */
async function errorDetail(res: Response): Promise<string> {
  if (/html/i.test(res.headers.get('content-type') ?? '')) {
    await res.body?.cancel().catch(() => undefined);
    return '';
  }
  const text = await readPrefix(res, BodyLimits.errorBody);
  try {
    const body = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = Array.isArray(body?.errors) ? body.errors[0] : undefined;
    if (first)
      return `: ${[first.code, first.message]
        .filter((v) => typeof v === 'string' && v)
        .join(' ')
        .slice(0, 300)}`;
  } catch {
    // not JSON: the text itself
  }
  const plain = text.replace(/\s+/g, ' ').trim();
  return plain ? `: ${plain.slice(0, 200)}` : '';
}
