// A real HTTP server on loopback standing in for the service running in an environment: GET /version
// answers what the test sets (the old version, then the new one), /hang never answers. It counts the
// requests, so a test can tell how many attempts a verify gate made.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VersionServer {
  readonly url: string;
  /** Requests to /version so far. */
  readonly requests: () => number;
  /** What /version answers to its `n`th request (1-based) from now on. */
  answer(body: (n: number) => string): void;
  stop(): Promise<void>;
}

export async function startVersionServer(initial: string): Promise<VersionServer> {
  let answer: (n: number) => string = () => initial;
  let count = 0;
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/hang') {
      hanging.push(res);
      return;
    }
    if (path !== '/version') {
      res.writeHead(404).end('not found');
      return;
    }
    count++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(answer(count));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    answer: (body) => {
      count = 0;
      answer = body;
    },
    stop: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
