// The network profiles: loopback (straight to the registry), and the harness's fault proxy in front
// of each registry adding latency each way and limiting bandwidth per connection and direction.
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy';

export interface Profile {
  readonly name: string;
  /** Round trip added by the proxy (0: no proxy). */
  readonly rttMs: number;
  /** Per connection and direction; undefined: unlimited. */
  readonly mbitPerSecond: number | undefined;
  /** A new connection costs a round trip before its first request (TCP's handshake); else it is free, as on loopback. */
  readonly handshake?: boolean;
}

export const PROFILES: readonly Profile[] = [
  { name: 'loopback', rttMs: 0, mbitPerSecond: undefined },
  { name: '50 ms RTT, 100 Mbit/s', rttMs: 50, mbitPerSecond: 100 },
  { name: '150 ms RTT, 20 Mbit/s', rttMs: 150, mbitPerSecond: 20 },
];

/** The profile with TCP's handshake charged: each new connection waits one round trip before its first bytes go (--handshake). */
export function withHandshake(profile: Profile): Profile {
  return profile.rttMs === 0 ? profile : { ...profile, name: `${profile.name}, a round trip per new connection`, handshake: true };
}

/** One registry as the clients of a profile reach it. */
export interface Route {
  /** `127.0.0.1:PORT` to put in image references. */
  readonly host: string;
  readonly url: string;
  /** TCP connections accepted so far (undefined on loopback: no proxy in between). */
  connections(): number | undefined;
}

export interface Shaped {
  readonly routes: readonly Route[];
  stop(): Promise<void>;
}

/** Routes to each registry port for this profile; on loopback the registries themselves. */
export async function shape(profile: Profile, registryPorts: readonly number[]): Promise<Shaped> {
  if (profile.rttMs === 0) {
    return {
      routes: registryPorts.map((port) => ({ host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, connections: () => undefined })),
      stop: async () => undefined,
    };
  }
  const plan = {
    latencyMs: profile.rttMs / 2,
    ...(profile.mbitPerSecond ? { bytesPerSecond: (profile.mbitPerSecond * 1e6) / 8 } : {}),
    ...(profile.handshake ? { connectMs: profile.rttMs } : {}),
  };
  const proxies: FaultProxy[] = [];
  try {
    for (const port of registryPorts) proxies.push(await startFaultProxy({ upstream: { port }, plan, maxConnections: 256, lifetimeMs: 40 * 60_000 }));
  } catch (error) {
    await Promise.all(proxies.map((p) => p.stop()));
    throw error;
  }
  return {
    routes: proxies.map((p) => ({ host: p.host, url: p.url, connections: () => p.stats.connections })),
    stop: async () => void (await Promise.all(proxies.map((p) => p.stop()))),
  };
}
