// A TCP proxy in front of a server that counts what crosses it: TCP connections, and HTTP/1.1
// requests (request lines at the start of client data). Used to check that the client keeps and
// reuses connections, independently of the client's own code.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { registerResource } from './cleanup';

export interface CountingProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  connections: number;
  /** When each was accepted (Date.now()). */
  readonly acceptedAt: number[];
  /** HTTP request lines seen so far (`HEAD /v2/…`). */
  readonly requests: string[];
  reset(): void;
  /** Closes every connection it holds (a registry's idle timeout), and stays listening. */
  dropConnections(): void;
  stop(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)((?:GET|HEAD|PUT|POST|PATCH|DELETE) \S+) HTTP\/1\.[01]\r\n/g;

export async function startCountingProxy(targetHost: string, targetPort: number): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const proxy: CountingProxy = {
    host: '',
    port: 0,
    connections: 0,
    acceptedAt: [],
    requests,
    reset() {
      proxy.connections = 0;
      proxy.acceptedAt.length = 0;
      requests.length = 0;
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      unregister();
    },
  };
  const server: Server = createServer((client) => {
    proxy.connections++;
    proxy.acceptedAt.push(Date.now());
    sockets.add(client);
    const upstream = connect(targetPort, targetHost);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(REQUEST_LINE)) requests.push(m[1]!);
    });
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  Object.assign(proxy, { host: `127.0.0.1:${port}`, port });
  const unregister = registerResource(
    `counting proxy :${port}`,
    () => proxy.stop(),
    () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  );
  return proxy;
}
