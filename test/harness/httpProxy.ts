// An HTTP proxy on 127.0.0.1 in front of one local service, for proxies that act on some requests
// (hold them back, answer them themselves): `handle` sees each request and calls `forward` for those
// the service should answer. Stopped with the harness's resources.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { registerResource } from './cleanup';

export interface HttpProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  stop(): Promise<void>;
}

export async function startHttpProxy(
  name: string,
  upstreamPort: number,
  handle: (req: IncomingMessage, res: ServerResponse, forward: () => void) => void,
): Promise<HttpProxy> {
  const server: Server = createServer((req, res) =>
    handle(req, res, () => {
      const upstream = httpRequest({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const stop = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    unregister();
  };
  const unregister = registerResource(`${name} :${port}`, stop, () => server.close());
  return { host: `127.0.0.1:${port}`, stop };
}
