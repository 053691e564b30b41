// Connections kept and reused. Node 20's fetch (undici) closes the connection after every HEAD
// (it resets the socket in case a server sends a body to a HEAD), so each lookup paid a new TCP
// (and TLS) handshake. Registries do not send bodies to HEADs: requests here go through an undici
// Agent that keeps connections alive, HEADs included (`reset: false`), a bounded pool per origin,
// and HTTP/2 where a registry offers it over TLS. Streamed uploads (node:http, streamUpload.ts)
// get keep-alive agents of their own. HTTP(S)_PROXY / NO_PROXY are honoured, as the Docker CLI
// does (undici's EnvHttpProxyAgent, only when one is set: it warns that it is experimental).
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';

export interface Connections {
  readonly fetch: typeof fetch;
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  close(): Promise<void>;
}

/** Parallel requests to one registry share at most this many connections (a refresh's 20 lookups queue on them). */
const CONNECTIONS_PER_ORIGIN = 8;
const KEEP_ALIVE_MS = 30_000;

export function keepAliveConnections(): Connections {
  const options = { keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: 60_000, connections: CONNECTIONS_PER_ORIGIN, allowH2: true };
  const env = process.env;
  const proxied = !!(env['HTTPS_PROXY'] || env['https_proxy'] || env['HTTP_PROXY'] || env['http_proxy']);
  const agent: Dispatcher = proxied ? new EnvHttpProxyAgent(options) : new Agent(options);
  const dispatcher: Dispatcher = agent.compose(
    (dispatch) => (options, handler) => dispatch(options.method === 'HEAD' ? { ...options, reset: false } : options, handler),
  );
  const keepAliveFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;
  const httpAgent = new HttpAgent({ keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS });
  const httpsAgent = new HttpsAgent({ keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS });
  return {
    fetch: keepAliveFetch,
    httpAgent,
    httpsAgent,
    close: async () => {
      httpAgent.destroy();
      httpsAgent.destroy();
      await agent.close();
    },
  };
}
