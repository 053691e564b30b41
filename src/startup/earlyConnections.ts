// A new window's registry connections, opened by the extension's loader before its bundle loads.
// The window's first lookups go to the registries its last rows showed (earlyLookups.ts), each on a
// new connection, and TCP's handshake (a round trip) comes before each request. Opened here, while
// the bundle loads and the config is read, the handshake is over (or nearly) when they are sent.
// Plain TCP, nothing sent: a TLS registry's handshake is made on the socket when a request takes it
// (preconnect.ts), with the CAs the transport trusts. Only where a request would connect directly
// (no proxy for that host); a socket nobody took is closed after PRECONNECT_HOLD_MS.
import * as net from 'node:net';
import type { LookupTarget } from '../model/earlyLookups';
import { connectionTarget, registryEndpoint, type ConnectionTarget } from '../registry/transport/origin';
import { CONNECT_TIMEOUT_MS, PRECONNECT_HOLD_MS } from '../registry/transport/preconnect';
import type { ProxyRules } from '../registry/transport/proxy';

/** HTTP/1.1 takes one connection per request at once (a window's lookups: one per environment); HTTP/2 uses one. */
export const MAX_PER_ORIGIN = 4;

export interface EarlyConnections {
  /** A socket opened to this host and port, once; undefined: none left. */
  take(target: ConnectionTarget): Promise<net.Socket> | undefined;
  /** Closes what nobody took. */
  close(): void;
  /** How many were opened. */
  readonly opened: number;
  /** How many requests took, once every one is taken or the rest are closed (for the start-up log). */
  readonly settled: Promise<number>;
}

/** One host and port per lookup, at most MAX_PER_ORIGIN each; none for a host reached through a proxy, or a registry name that is not one. */
export function earlyTargets(lookups: readonly LookupTarget[], insecureRegistries: readonly string[], proxyFor: ProxyRules): ConnectionTarget[] {
  const counts = new Map<string, number>();
  const targets: ConnectionTarget[] = [];
  for (const { repository } of lookups) {
    let origin: URL;
    try {
      origin = new URL(registryEndpoint(repository.registry, insecureRegistries).origin);
    } catch {
      continue;
    }
    if (proxyFor(origin)) continue;
    const target = connectionTarget(origin.protocol, origin.hostname, origin.port);
    const key = keyOf(target);
    const count = counts.get(key) ?? 0;
    if (count >= MAX_PER_ORIGIN) continue;
    counts.set(key, count + 1);
    targets.push(target);
  }
  return targets;
}

export function openEarlyConnections(targets: readonly ConnectionTarget[], holdMs = PRECONNECT_HOLD_MS): EarlyConnections {
  const waiting = new Map<string, { socket: net.Socket; ready: Promise<net.Socket> }[]>();
  for (const target of targets) {
    const socket = net.connect({ host: target.hostname, port: Number(target.port) });
    // As undici's own connector sets them: the request that takes the socket gets what it would have.
    socket.setNoDelay(true).setKeepAlive(true, 60_000);
    // Holds no process open while it waits; an error is nobody's: the request connects as it would.
    socket.unref().on('error', () => undefined);
    // Given up when not connected within undici's connect timeout, counted from its opening: the
    // request that took it then connects as it would.
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.connecting && socket.destroy());
    const ready = new Promise<net.Socket>((resolve, reject) => {
      socket.once('connect', () => resolve(socket.setTimeout(0)));
      socket.once('close', () => reject(new Error('closed before it was taken')));
    });
    ready.catch(() => undefined);
    const key = keyOf(target);
    waiting.set(key, [...(waiting.get(key) ?? []), { socket, ready }]);
  }
  let taken = 0;
  let settle: (taken: number) => void = () => undefined;
  const settled = new Promise<number>((resolve) => (settle = resolve));
  const close = (): void => {
    clearTimeout(timer);
    for (const list of waiting.values()) for (const { socket } of list) socket.destroy();
    waiting.clear();
    settle(taken);
  };
  const timer = setTimeout(close, holdMs);
  timer.unref();
  return {
    opened: targets.length,
    settled,
    take: (target) => {
      const key = keyOf(target);
      const list = waiting.get(key);
      const next = list?.shift();
      if (!list || !next) return undefined;
      taken++;
      if (!list.length) waiting.delete(key);
      if (!waiting.size) close();
      return next.ready;
    },
    close,
  };
}

function keyOf(target: ConnectionTarget): string {
  return `${target.hostname}:${target.port}`;
}
