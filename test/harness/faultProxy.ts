// A fault-injecting TCP proxy on 127.0.0.1 in front of a real service (a registry's port, or the
// engine's unix socket): latency each way, bandwidth limits, a cut after N bytes, a stall (stop
// forwarding but keep the socket open), refused connections, a canned HTTP answer instead of
// the service's, and a reset in place of the service's answer to one request (the write happened,
// its answer is lost). It counts connections and bytes. Faults can be changed while it runs (`set`).
//
// Bounded: at most `maxConnections` at once, every socket destroyed on stop, and it stops by
// itself after `lifetimeMs` (default 10 min) so a forgotten proxy cannot outlive a test run.
// It listens on loopback only and forwards only to the one upstream it was given.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { registerResource } from './cleanup';

export type Direction = 'up' | 'down';

/** Which connections a fault applies to: all, one (1-based, in accept order), or from one on. */
export type ConnectionMatch = 'all' | number | { readonly from: number; readonly to?: number };

export interface ByteFault {
  /** 'up': client → service; 'down': service → client. */
  readonly direction: Direction;
  /** Bytes that pass first. With `scope: 'total'` the count runs over every connection since `set`. */
  readonly afterBytes: number;
  readonly connections?: ConnectionMatch;
  readonly scope?: 'connection' | 'total';
  /** How many times it fires before it is spent (default: once). */
  readonly times?: number;
}

export interface CannedAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly connections?: ConnectionMatch;
}

/** The request is forwarded; the connection is reset when the service's answer to it starts. */
export interface LostAnswer {
  /** Matched against the request line without its version, e.g. `PUT /v2/team/app/manifests/dev`. */
  readonly request: RegExp;
  /** How many times it fires before it is spent (default: once). */
  readonly times?: number;
}

export interface FaultPlan {
  /** Added to every chunk, each way. */
  readonly latencyMs?: number;
  /**
   * TCP's handshake: nothing the client sends goes on before this long after its connection was
   * accepted, the round trip a client waits before it can send on a new connection (this proxy
   * accepts at once, on loopback, so without it a new connection costs nothing and a kept one, or
   * one opened ahead of its request, saves nothing).
   */
  readonly connectMs?: number;
  /** Per connection and direction. */
  readonly bytesPerSecond?: number;
  /** Connections accepted and closed at once (reset). */
  readonly refuse?: ConnectionMatch;
  /** Both sockets destroyed once the bytes passed. */
  readonly cut?: ByteFault;
  /** Forwarding stops once the bytes passed; the sockets stay open until the peer gives up. */
  readonly stall?: ByteFault;
  /** The service is not contacted: the request is answered with this, then the socket closes. */
  readonly answer?: CannedAnswer;
  readonly loseAnswer?: LostAnswer;
}

export interface ProxyStats {
  connections: number;
  refused: number;
  cuts: number;
  stalls: number;
  answered: number;
  /** Answers reset by `loseAnswer`. */
  lostAnswers: number;
  bytesUp: number;
  bytesDown: number;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly stats: Readonly<ProxyStats>;
  /** Replaces the faults (counters for `scope: 'total'` and `times` start again). */
  set(plan: FaultPlan): void;
  /** Ends every open connection (the client sees a reset). */
  dropAll(): void;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** `{ port }` on 127.0.0.1, or `{ path }` of a unix socket (the engine's). */
  readonly upstream: { readonly port: number } | { readonly path: string };
  readonly plan?: FaultPlan;
  readonly maxConnections?: number;
  readonly lifetimeMs?: number;
}

const HIGH_WATER = 1 << 20;

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let plan: FaultPlan = options.plan ?? {};
  const stats: ProxyStats = { connections: 0, refused: 0, cuts: 0, stalls: 0, answered: 0, lostAnswers: 0, bytesUp: 0, bytesDown: 0 };
  let totals = { up: 0, down: 0 };
  let fired = { cut: 0, stall: 0, lost: 0 };
  const open = new Set<Socket>();
  const server: Server = createServer({ pauseOnConnect: true });
  server.maxConnections = options.maxConnections ?? 64;

  const matches = (m: ConnectionMatch | undefined, n: number): boolean =>
    m === undefined || m === 'all' || (typeof m === 'number' ? m === n : n >= m.from && (m.to === undefined || n <= m.to));

  server.on('connection', (client) => {
    const n = ++stats.connections;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (plan.refuse !== undefined && matches(plan.refuse, n)) {
      stats.refused++;
      client.resetAndDestroy();
      return;
    }
    if (plan.answer && matches(plan.answer.connections, n)) {
      answer(client, plan.answer);
      return;
    }
    const service = connect('path' in options.upstream ? { path: options.upstream.path } : { host: '127.0.0.1', port: options.upstream.port });
    open.add(service);
    service.on('close', () => open.delete(service));
    service.on('error', () => client.destroy());
    client.on('error', () => service.destroy());
    const kill = (): void => {
      client.resetAndDestroy();
      service.destroy();
    };
    // Set when a request matching `loseAnswer` went up: the next bytes down are its answer (HTTP/1.1
    // clients send the next request on a connection only after the answer to the last one).
    const awaited = { answer: false };
    pipe(client, service, 'up', n, kill, awaited);
    pipe(service, client, 'down', n, kill, awaited);
    client.resume();
  });

  function answer(client: Socket, canned: CannedAnswer): void {
    let head = '';
    client.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      stats.answered++;
      const body = canned.body ?? '';
      const headers = { 'Content-Type': 'text/plain', ...canned.headers, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' };
      const lines = [`HTTP/1.1 ${canned.status} Fault`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', body];
      client.end(lines.join('\r\n'));
    });
    client.resume();
  }

  /** Forwards from → to, in order, with latency, bandwidth, cut and stall applied. */
  function pipe(from: Socket, to: Socket, direction: Direction, n: number, kill: () => void, awaited: { answer: boolean }): void {
    let passed = 0;
    let partialLine = '';
    let stalled = false;
    let nextFree = 0;
    let queued = 0;
    const acceptedAt = Date.now();
    let chain = Promise.resolve();
    const crossing = (fault: ByteFault | undefined, kind: 'cut' | 'stall', size: number): number | undefined => {
      if (!fault || fault.direction !== direction || !matches(fault.connections, n) || fired[kind] >= (fault.times ?? 1)) return undefined;
      const count = fault.scope === 'total' ? totals[direction] : passed;
      return count + size > fault.afterBytes ? Math.max(0, fault.afterBytes - count) : undefined;
    };
    from.on('end', () => {
      chain = chain.then(() => {
        if (!stalled) to.end();
      });
    });
    from.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (direction === 'up' && plan.loseAnswer) {
        const lines = (partialLine + chunk.toString('latin1')).split('\r\n');
        partialLine = lines.pop()!.slice(-8192);
        if (lines.some((line) => requestLineMatches(line, plan.loseAnswer!.request))) awaited.answer = true;
      }
      if (direction === 'down' && awaited.answer && plan.loseAnswer && fired.lost < (plan.loseAnswer.times ?? 1)) {
        fired.lost++;
        stats.lostAnswers++;
        chain = chain.then(kill);
        return;
      }
      const cutAt = crossing(plan.cut, 'cut', chunk.length);
      const stallAt = cutAt === undefined ? crossing(plan.stall, 'stall', chunk.length) : undefined;
      const keep = cutAt ?? stallAt;
      const part = keep === undefined ? chunk : chunk.subarray(0, keep);
      passed += part.length;
      totals[direction] += part.length;
      if (direction === 'up') stats.bytesUp += part.length;
      else stats.bytesDown += part.length;
      if (cutAt !== undefined) {
        fired.cut++;
        stats.cuts++;
      } else if (stallAt !== undefined) {
        fired.stall++;
        stats.stalls++;
        stalled = true;
      }
      const now = Date.now();
      // The link is busy until the bytes before these are through; latency adds on top.
      if (plan.bytesPerSecond) nextFree = Math.max(nextFree, now) + (part.length * 1000) / plan.bytesPerSecond;
      const handshaken = direction === 'up' ? acceptedAt + (plan.connectMs ?? 0) : 0;
      const sendAt = Math.max(now, plan.bytesPerSecond ? nextFree : 0, handshaken) + (plan.latencyMs ?? 0);
      queued += part.length;
      if (queued > HIGH_WATER) from.pause();
      chain = chain.then(async () => {
        const wait = sendAt - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (part.length && !to.destroyed) to.write(part);
        queued -= part.length;
        if (queued <= HIGH_WATER && !stalled) from.resume();
        if (cutAt !== undefined) kill();
      });
    });
  }

  function requestLineMatches(line: string, request: RegExp): boolean {
    const m = /^([A-Z]+ \S+) HTTP\/1\.[01]$/.exec(line);
    return m !== null && request.test(m[1]!);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let stopped: Promise<void> | undefined;
  const dropAll = (): void => {
    for (const s of open) s.destroy();
    open.clear();
  };
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      dropAll();
      server.close(() => resolve());
      unregister();
    });
    return stopped;
  };
  const lifetime = setTimeout(() => void stop(), options.lifetimeMs ?? 600_000);
  lifetime.unref();
  const unregister = registerResource(`fault proxy 127.0.0.1:${port}`, stop, () => {
    dropAll();
    server.close();
  });

  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    set(next) {
      plan = next;
      totals = { up: 0, down: 0 };
      fired = { cut: 0, stall: 0, lost: 0 };
    },
    dropAll,
    stop,
  };
}
