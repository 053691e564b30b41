// Connections opened ahead of their first request. When a registry's token service is on another
// origin (Docker Hub's auth.docker.io, GitLab's /jwt/auth), a new session's first request waits for
// the token and then opens the registry's connection: TCP and TLS, two round trips more, one after
// the other. Opened beside the token request instead, the connection is ready (or nearly) when the
// token comes. undici asks a connector for each new connection; this one hands out the socket
// opened ahead for that origin, once, and otherwise connects as the one it wraps does.
import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';
import type { EarlyConnections } from '../../startup/earlyConnections';
import { connectionTarget, unbracketed, type ConnectionTarget } from './origin';

/** undici's own connect timeout for a pool (connectTimeout), kept when the connector is ours. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** An unused connection opened ahead is closed after this long (the request it was for went another way). */
export const PRECONNECT_HOLD_MS = 10_000;

export interface Preconnecting {
  /** The connector to give undici: the socket opened ahead for the origin, else a new one. */
  readonly connector: buildConnector.connector;
  /** Opens a connection to the URL's origin for the next request there to take (one at a time per origin). */
  open(url: URL): void;
  /** Closes what is held. */
  close(): void;
}

interface Held {
  readonly socket: Promise<Socket>;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** `early`: sockets the extension's loader opened before the bundle loaded (startup/earlyConnections.ts), taken first. */
export function preconnecting(connect: buildConnector.connector, holdMs = PRECONNECT_HOLD_MS, early?: EarlyConnections): Preconnecting {
  const held = new Map<string, Held>();
  const discard = (entry: Held): void => {
    clearTimeout(entry.timer);
    entry.socket.then(
      (socket) => socket.destroy(),
      () => undefined,
    );
  };
  return {
    connector: (options, callback) => {
      // Not usable (refused, or closed while it waited): connect as if nothing had been opened, so a
      // failure is the request's own, worded as always.
      const handOver = (opened: Promise<Socket>, take: (socket: Socket) => void): void =>
        void opened.then(
          (socket) => (socket.destroyed || socket.readyState !== 'open' ? connect(options, callback) : take(socket.ref())),
          () => connect(options, callback),
        );
      const target = connectionTarget(options.protocol, options.hostname, options.port);
      const tcp = early?.take(target);
      // The loader's sockets are plain TCP: TLS is made on them here, as on a socket a proxy tunnelled.
      if (tcp)
        return handOver(tcp, (socket) => (options.protocol === 'https:' ? connect({ ...options, httpSocket: socket }, callback) : callback(null, socket)));
      const key = originKey(options.protocol, target);
      const entry = held.get(key);
      if (!entry) return connect(options, callback);
      held.delete(key);
      clearTimeout(entry.timer);
      handOver(entry.socket, (socket) => callback(null, socket));
    },
    open: (url) => {
      const key = originKey(url.protocol, connectionTarget(url.protocol, url.hostname, url.port));
      if (held.has(key)) return;
      const socket = new Promise<Socket>((resolve, reject) => {
        connect({ protocol: url.protocol, hostname: unbracketed(url.hostname), host: url.host, port: url.port }, (error, opened) =>
          error || !opened ? reject(error ?? new Error('no socket')) : resolve(opened as Socket),
        );
      });
      // While it waits it holds no process open (a command that failed before its request exits at
      // once, not 10 s later); errors then are nobody's: the request that takes it connects again.
      socket.then(
        (s) => s.unref().on('error', () => undefined),
        () => undefined,
      );
      const entry: Held = {
        socket,
        timer: setTimeout(() => {
          if (held.get(key) === entry) held.delete(key);
          discard(entry);
        }, holdMs),
      };
      entry.timer.unref?.();
      held.set(key, entry);
    },
    close: () => {
      for (const entry of held.values()) discard(entry);
      held.clear();
      early?.close();
    },
  };
}

function originKey(protocol: string, target: ConnectionTarget): string {
  return `${protocol}//${target.hostname}:${target.port}`;
}
