// Connections kept and reused. Node 20's fetch (undici) closes the connection after every HEAD
// (it resets the socket in case a server sends a body to a HEAD), so each lookup paid a new TCP
// (and TLS) handshake. Registries do not send bodies to HEADs: requests here go through an undici
// Agent that keeps connections alive, HEADs included (`reset: false`), a bounded pool per origin,
// and HTTP/2 where a registry offers it over TLS. Streamed uploads (node:http, streamUpload.ts)
// get keep-alive agents of their own.
//
// Proxies (proxy.ts decides which): the front end's setting, else HTTP(S)_PROXY / NO_PROXY. Through
// a proxy, fetch uses undici's ProxyAgent (a CONNECT tunnel per kept connection, same pool limits)
// and streamed uploads a node agent that opens the same kind of tunnel. When the setting or the
// environment changes, new connections follow it; requests already running finish on the old ones.
import { Agent as HttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { Agent, ProxyAgent, buildConnector, fetch as undiciFetch, type Dispatcher } from 'undici';
import { PromotionError } from '../../core/errors';
import type { Logger } from '../../core/log';
import { CONNECT_TIMEOUT_MS, preconnecting, type Preconnecting } from './preconnect';
import type { EarlyConnections } from '../../startup/earlyConnections';
import { proxyRules, type ProxyRoute, type ProxyRules, type ProxySetting } from './proxy';
import { trustedCertificates, type TrustSetting } from './trust';

export interface Connections {
  readonly fetch: typeof fetch;
  /**
   * Opens a connection to the URL's origin for the next request there (preconnect.ts), when that
   * request would go direct; through a proxy, nothing (the tunnel is the proxy's pool's to open).
   */
  preconnect(url: URL): void;
  /** For streamed uploads; the current ones (they change with the proxy). */
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  close(): Promise<void>;
}

export interface ConnectionOptions {
  /** The front end's proxy, read at every request (a setting changes live); none: the environment's. */
  readonly proxy?: () => ProxySetting | undefined;
  readonly log?: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Extra certificate authorities (trust.ts), read at every request like the proxy. */
  readonly trust?: () => TrustSetting | undefined;
  /** Sockets the extension's loader opened before the bundle loaded (startup/earlyConnections.ts): the first direct connections take them. */
  readonly early?: EarlyConnections;
}

/**
 * Parallel requests to one registry share at most this many connections. A refresh sends its
 * lookups, tag list and record reads side by side (10 environments with records: 21 requests):
 * with 8 they queued in three waves of round trips. HTTP/2 registries multiplex them on one.
 */
export const CONNECTIONS_PER_ORIGIN = 32;
/**
 * How long an idle connection is kept (a server that says less in `Keep-Alive` is believed). Longer
 * than the views' default refresh interval (60 s): at 30 s every automatic refresh opened its
 * connections again, a round trip more (two or three with TLS) than the refresh itself.
 */
export const KEEP_ALIVE_MS = 90_000;
/** A proxy that accepts the connection but never answers the CONNECT. */
const TUNNEL_TIMEOUT_MS = 30_000;
const MAX_TUNNEL_ANSWER = 16 * 1024;
const PROXY_ENV = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

/** One proxy configuration's connections: direct, and one pool per proxy used. */
interface Generation {
  readonly key: string;
  readonly rules: ProxyRules | PromotionError;
  /** A CA file that could not be read fails every request with the reason, like a bad proxy setting. */
  readonly trustProblem: PromotionError | undefined;
  /** Composed to keep connections alive after HEADs. */
  readonly direct: Dispatcher;
  /** The direct agent's connector, which can open a connection ahead of its request. */
  readonly ahead: Preconnecting;
  readonly viaProxy: Map<string, Dispatcher>;
  readonly agents: Set<Dispatcher>;
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  /**
   * The trusted CAs when extra ones were asked for, made once (one per connection cost ~45 ms), and
   * only when a TLS connection needs them: the files are read and checked at once, but the context
   * (~40 ms of this thread for the system store's ~150 CAs) would hold up the first request to a
   * plain-http registry for nothing. Undefined: Node's defaults.
   */
  readonly secureContext: () => tls.SecureContext | undefined;
}

export function keepAliveConnections(options: ConnectionOptions = {}): Connections {
  const poolOptions = { keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: KEEP_ALIVE_MS, connections: CONNECTIONS_PER_ORIGIN, allowH2: true };
  const env = options.env ?? process.env;
  const generations: Generation[] = [];
  const keepHeadsAlive = (d: Dispatcher): Dispatcher =>
    d.compose((dispatch) => (opts, handler) => dispatch(opts.method === 'HEAD' ? { ...opts, reset: false } : opts, handler));

  const current = (): Generation => {
    const setting = options.proxy?.();
    const trust = options.trust?.();
    const key = JSON.stringify([
      setting?.url?.trim() ? setting : undefined,
      PROXY_ENV.map((n) => env[n] ?? ''),
      trust ?? null,
      env['NODE_EXTRA_CA_CERTS'] ?? '',
    ]);
    const last = generations[generations.length - 1];
    if (last?.key === key) return last;
    let rules: ProxyRules | PromotionError;
    try {
      rules = proxyRules(setting, env);
    } catch (error) {
      rules = error instanceof PromotionError ? error : new PromotionError('config', String(error));
    }
    let ca: string[] | undefined;
    let trustProblem: PromotionError | undefined;
    try {
      ca = trustedCertificates(trust, env);
    } catch (error) {
      trustProblem = error instanceof PromotionError ? error : new PromotionError('config', String(error));
    }
    let made: tls.SecureContext | undefined;
    const secureContext = (): tls.SecureContext | undefined => (ca ? (made ??= tls.createSecureContext({ ca })) : undefined);
    // Always a connector of ours (it wraps what undici would build), so a connection can be opened ahead.
    // The loader's sockets go to the settings as they were at start-up, not to a later generation's.
    const ahead = preconnecting(lazyTlsConnector(secureContext), undefined, last ? undefined : options.early);
    const agentOptions = { ...poolOptions, connect: ahead.connector };
    const route = (target: URL): ProxyRoute | undefined => (typeof rules === 'function' ? rules(target) : undefined);
    const directAgent = new Agent(agentOptions);
    const generation: Generation = {
      key,
      rules,
      trustProblem,
      secureContext,
      direct: keepHeadsAlive(directAgent),
      ahead,
      viaProxy: new Map(),
      agents: new Set([directAgent]),
      httpAgent: tunnellingAgent(HttpAgent, 'http:', route, options.log),
      httpsAgent: tunnellingAgent(HttpsAgent, 'https:', route, options.log, secureContext),
    };
    // Requests already running finish on the old connections; new ones use the new rules.
    if (last) {
      for (const agent of last.agents) void agent.close().catch(() => undefined);
      last.ahead.close();
    }
    generations.push(generation);
    return generation;
  };

  const dispatcherFor = (generation: Generation, url: URL): { dispatcher: Dispatcher; route?: ProxyRoute } => {
    if (generation.rules instanceof PromotionError) throw generation.rules;
    if (generation.trustProblem) throw generation.trustProblem;
    const route = generation.rules(url);
    if (!route) return { dispatcher: generation.direct };
    const id = `${route.proxy.href} ${route.strictSSL}`;
    let dispatcher = generation.viaProxy.get(id);
    if (!dispatcher) {
      options.log?.info(`registry requests through the proxy ${route.display} (from ${route.source}; hosts in ${route.bypass} directly)`);
      const secureContext = generation.secureContext();
      const agent = new ProxyAgent({
        ...poolOptions,
        uri: route.proxy.href,
        proxyTls: { rejectUnauthorized: route.strictSSL },
        ...(secureContext ? { requestTls: { secureContext } } : {}),
      });
      generation.agents.add(agent);
      dispatcher = keepHeadsAlive(agent);
      generation.viaProxy.set(id, dispatcher);
    }
    return { dispatcher, route };
  };

  const keepAliveFetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const { dispatcher, route } = dispatcherFor(current(), url);
    try {
      return await undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher });
    } catch (error) {
      // Cancellations and timeouts stay as they are: the transport words those.
      if (!route || init?.signal?.aborted) throw error;
      throw throughProxyError(error, route, url.host);
    }
  }) as unknown as typeof fetch;

  const preconnect = (url: URL): void => {
    const generation = current();
    if (generation.rules instanceof PromotionError || generation.trustProblem || generation.rules(url)) return;
    generation.ahead.open(url);
  };

  return {
    fetch: keepAliveFetch,
    preconnect,
    get httpAgent() {
      return current().httpAgent;
    },
    get httpsAgent() {
      return current().httpsAgent;
    },
    close: async () => {
      const all = generations.splice(0);
      for (const g of all) {
        g.ahead.close();
        g.httpAgent.destroy();
        g.httpsAgent.destroy();
      }
      await Promise.all(all.flatMap((g) => [...g.agents].map((a) => a.close().catch(() => undefined))));
    },
  };
}

type CreateConnection = (options: ClientRequestArgs & tls.ConnectionOptions, callback: (error: Error | null, socket?: Duplex) => void) => Duplex | undefined;

/**
 * A keep-alive node agent whose new connections go through the proxy when the rules say so: a
 * CONNECT tunnel, then TLS to the registry inside it for https (the registry's certificate checked
 * as always). Node's agents take a connection handed back later through the callback.
 */
function tunnellingAgent<A extends HttpAgent>(
  Base: new (options: { keepAlive: boolean; keepAliveMsecs: number; secureContext?: tls.SecureContext }) => A,
  protocol: 'http:' | 'https:',
  route: (target: URL) => ProxyRoute | undefined,
  log: Logger | undefined,
  secureContext: () => tls.SecureContext | undefined = () => undefined,
): A {
  const agent = new Base({ keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS });
  const plain = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  // The trusted CAs go to every TLS connection it makes, the tunnelled ones too (made when the first one is).
  const direct: CreateConnection = (options, callback) => {
    const context = protocol === 'https:' ? secureContext() : undefined;
    return plain(context ? { ...options, secureContext: context } : options, callback);
  };
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (options, callback) => {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const port = Number(options.port) || (protocol === 'https:' ? 443 : 80);
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const through = route(new URL(`${protocol}//${authority}`));
    if (!through) return direct(options, callback);
    log?.debug(`upload to ${authority} through the proxy ${through.display} (${through.source})`);
    openTunnel(through, authority).then(
      (socket) => {
        if (protocol === 'http:') return callback(null, socket);
        const context = secureContext();
        const secure = tls.connect({
          ...options,
          ...(context ? { secureContext: context } : {}),
          socket,
          servername: options.servername || (net.isIP(host) ? undefined : host),
        } as tls.ConnectionOptions);
        callback(null, secure);
      },
      (error: unknown) => callback(throughProxyError(error, through, authority)),
    );
    return undefined;
  };
  return agent;
}

/**
 * undici's connector, with the trusted CAs when extra ones were asked for (else Node's), its TLS side
 * built when the first TLS connection is made (a plain-http registry never builds it). The options are
 * undici's own defaults for a pool, as it would build them.
 */
function lazyTlsConnector(secureContext: () => tls.SecureContext | undefined): buildConnector.connector {
  const plain = buildConnector({ allowH2: true, timeout: CONNECT_TIMEOUT_MS });
  let secure: buildConnector.connector | undefined;
  return (options, callback) => {
    if (options.protocol !== 'https:') return plain(options, callback);
    const context = secureContext();
    secure ??= buildConnector({ allowH2: true, timeout: CONNECT_TIMEOUT_MS, ...(context ? { secureContext: context } : {}) });
    return secure(options, callback);
  };
}

/** A socket to `authority` through the proxy: `CONNECT`, answered 200. */
function openTunnel(route: ProxyRoute, authority: string): Promise<net.Socket> {
  const { proxy } = route;
  const port = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
  return new Promise<net.Socket>((resolve, reject) => {
    const socket: net.Socket =
      proxy.protocol === 'https:'
        ? tls.connect({
            host: proxy.hostname,
            port,
            servername: net.isIP(proxy.hostname) ? undefined : proxy.hostname,
            rejectUnauthorized: route.strictSSL,
          } as tls.ConnectionOptions)
        : net.connect({ host: proxy.hostname, port });
    let answer = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(TUNNEL_TIMEOUT_MS, () =>
      fail(Object.assign(new Error(`no answer to CONNECT within ${TUNNEL_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', fail);
    socket.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      const auth = proxy.username
        ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
        : '';
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
    });
    const onData = (chunk: Buffer): void => {
      answer = Buffer.concat([answer, chunk]);
      const end = answer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (answer.length > MAX_TUNNEL_ANSWER) fail(new Error('the proxy sent an over-long answer to CONNECT'));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      socket.setTimeout(0);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer.subarray(0, end).toString('latin1'));
      if (status?.[1] !== '200') return fail(new Error(`Proxy response (${status?.[1] ?? 'unreadable'}) !== 200 when HTTP Tunneling`));
      // Bytes after the answer belong to the tunnel (a registry never speaks first, but keep them).
      if (answer.length > end + 4) socket.unshift(answer.subarray(end + 4));
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

/** A request that failed on the way through a proxy: says so, names the proxy without its credentials. */
function throughProxyError(error: unknown, route: ProxyRoute, host: string): PromotionError {
  if (error instanceof PromotionError) return error;
  // undici nests the reason: fetch failed ← Request was cancelled ← Proxy response (407) !== 200.
  const chain: { code?: unknown; message?: string }[] = [];
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 6; e = e.cause as typeof e, depth++) chain.push(e as (typeof chain)[number]);
  const text = chain.map((e) => e.message ?? '').join(' ');
  const status = /Proxy response \((\d{3})\)|Proxy Authentication Required \((\d{3})\)/.exec(text);
  const code = chain.map((e) => e.code).find((c): c is string => typeof c === 'string' && /^E[A-Z]+$/.test(c));
  const statusCode = status?.[1] ?? status?.[2];
  const detail = statusCode
    ? `the proxy answered ${statusCode}${statusCode === '407' ? ' (proxy authentication required: check the user and password in the proxy URL)' : ''}`
    : (code ?? chain[chain.length - 1]?.message ?? 'no answer');
  return new PromotionError(
    'registry-unreachable',
    scrub(`could not reach ${host} through the proxy ${route.display} (from ${route.source}): ${detail}`, route),
    `Check the proxy (${route.source}), or list ${host.replace(/:\d+$/, '')} in ${route.bypass} to reach it directly.`,
    { cause: error },
  );
}

/** Never a proxy password in a message, whatever a library put in its text. */
function scrub(text: string, route: ProxyRoute): string {
  const secrets = [route.proxy.password, decodeURIComponent(route.proxy.password)].filter((s) => s.length >= 3);
  return secrets.reduce((t, s) => t.split(s).join('***'), text);
}
