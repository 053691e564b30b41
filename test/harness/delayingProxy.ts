// An HTTP proxy in front of a registry that holds back the requests matching a pattern before
// forwarding them (everything else passes at once): what a slow write looks like to a client, so a
// test can tell "answered before that write" from "answered after it".
import { createServer, request as httpRequest, type Server } from 'node:http';
import { registerResource } from './cleanup';

export interface DelayingProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** Requests held back so far (`PUT /v2/…`), when each was let through (ms since the epoch). */
  readonly held: { readonly line: string; readonly forwardedAt: number }[];
  stop(): Promise<void>;
}

export async function startDelayingProxy(upstreamPort: number, hold: { readonly request: RegExp; readonly ms: number }): Promise<DelayingProxy> {
  const held: { line: string; forwardedAt: number }[] = [];
  const server: Server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    const delay = hold.request.test(line) ? hold.ms : 0;
    setTimeout(() => {
      if (delay) held.push({ line, forwardedAt: Date.now() });
      const upstream = httpRequest({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const stop = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    unregister();
  };
  const unregister = registerResource(`delaying proxy :${port}`, stop, () => server.close());
  return { host: `127.0.0.1:${port}`, held, stop };
}
