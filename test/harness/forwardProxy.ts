// A small HTTP proxy that tunnels (`CONNECT host:port`), as corporate proxies do for registry
// traffic, and records every tunnel it opened and how the client authenticated to it. With `auth`
// it answers 407 to a CONNECT without those credentials. It also counts the HTTP/1.1 requests that
// crossed each tunnel (plain-http registries), so a test can tell which requests went through.
// With `tls` it is an https:// proxy (the client speaks TLS to the proxy itself).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { registerResource } from './cleanup';

export interface Tunnel {
  /** `host:port` asked for in the CONNECT line. */
  readonly authority: string;
  /** The Proxy-Authorization header it came with, if any. */
  readonly authorization?: string;
  /** 200, or 407 when refused. */
  readonly status: number;
}

export interface ForwardProxy {
  /** `http://127.0.0.1:PORT` (`https://` with `tls`) */
  readonly url: string;
  readonly port: number;
  readonly tunnels: Tunnel[];
  /** Request lines seen inside tunnels (`HEAD /v2/…`), for plain-http targets. */
  readonly requests: string[];
  reset(): void;
  stop(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)((?:GET|HEAD|PUT|POST|PATCH|DELETE) \S+) HTTP\/1\.[01]\r\n/g;

export async function startForwardProxy(
  options: { auth?: { user: string; password: string }; tls?: { key: Buffer | string; cert: Buffer | string } } = {},
): Promise<ForwardProxy> {
  const sockets = new Set<Socket>();
  const tunnels: Tunnel[] = [];
  const requests: string[] = [];
  const expected = options.auth ? `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}` : undefined;
  const track = (s: Socket): Socket => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    return s;
  };
  const handle = (client: Socket): void => {
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return head.length > 16 * 1024 ? void client.destroy() : undefined;
      client.off('data', onData);
      client.pause(); // until the tunnel is up: the pipe below resumes it
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const [method, authority] = lines[0]!.split(' ');
      const authorization = lines.find((l) => /^proxy-authorization:/i.test(l))?.replace(/^[^:]*:\s*/, '');
      if (method !== 'CONNECT' || !authority) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (expected && authorization !== expected) {
        tunnels.push({ authority, ...(authorization ? { authorization } : {}), status: 407 });
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      tunnels.push({ authority, ...(authorization ? { authorization } : {}), status: 200 });
      const colon = authority.lastIndexOf(':');
      const upstream = track(connect(Number(authority.slice(colon + 1)), authority.slice(0, colon).replace(/^\[|\]$/g, '')));
      upstream.once('connect', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const count = (c: Buffer): void => {
          for (const m of c.toString('latin1').matchAll(REQUEST_LINE)) requests.push(`${m[1]!} (${authority})`);
        };
        const rest = head.subarray(end + 4);
        if (rest.length) {
          count(rest);
          upstream.write(rest);
        }
        client.on('data', count);
        client.pipe(upstream).pipe(client);
      });
      upstream.once('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  };
  const server: Server = options.tls ? createTlsServer(options.tls, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const proxy: ForwardProxy = {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    tunnels,
    requests,
    reset() {
      tunnels.length = 0;
      requests.length = 0;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      unregister();
    },
  };
  const unregister = registerResource(
    `forward proxy :${port}`,
    () => proxy.stop(),
    () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  );
  return proxy;
}
