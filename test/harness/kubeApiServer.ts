// A stand-in for a Kubernetes API server (none can be installed on these machines): https on
// 127.0.0.1 with a certificate of a throwaway CA, a bearer token, and the pod list answers of
// test/fixtures/kubernetes/ (or any a test sets). It answers what the runtime asks — list pods in a
// namespace with a label selector — and refuses the rest as a real server does, with a Status object.
// A kubeconfig pointing at it (CA data, token, context `fixture`) is written beside it.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { registerResource } from './cleanup';
import { makeTempDir, removeTree, removeTreeSync } from './tempdirs';
import { makeCompanyCa } from './tlsRegistry';

export interface KubeApiServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  /** A kubeconfig file whose current context `fixture` reaches this server with its token. */
  readonly kubeconfig: string;
  /** `GET <path and query>` and the Authorization header's scheme, per request. */
  readonly requests: { path: string; authorization?: string }[];
  /** What `GET .../namespaces/<namespace>/pods` answers from now on (the JSON body). */
  setPods(namespace: string, answer: unknown): void;
  /** Answers nothing until `ms` passed (a slow API server). */
  delay(ms: number): void;
  stop(): Promise<void>;
}

/** A fixture answer of test/fixtures/kubernetes/, parsed. */
export function podListFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'kubernetes', name), 'utf8')) as Record<string, unknown>;
}

export async function startKubeApiServer(): Promise<KubeApiServer> {
  const dir = makeTempDir('kube');
  const ca = makeCompanyCa(dir);
  const token = randomBytes(16).toString('hex');
  const pods = new Map<string, unknown>();
  const requests: KubeApiServer['requests'] = [];
  let delayMs = 0;
  const status = (res: ServerResponse, code: number, reason: string, message: string): void => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
  };
  const server = createServer({ key: readFileSync(ca.key), cert: readFileSync(ca.certificate) }, (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    requests.push({ path: `${url.pathname}${url.search}`, ...(req.headers.authorization ? { authorization: req.headers.authorization.split(' ')[0] } : {}) });
    setTimeout(() => {
      if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
      if (req.method !== 'GET' || !match) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
      const namespace = decodeURIComponent(match[1]!);
      const answer = pods.get(namespace);
      if (!answer)
        return status(
          res,
          403,
          'Forbidden',
          `pods is forbidden: User "system:serviceaccount:ci:promoter" cannot list resource "pods" in API group "" in the namespace "${namespace}"`,
        );
      res.writeHead(200, { 'Content-Type': 'application/json', 'Audit-Id': randomBytes(16).toString('hex') });
      res.end(JSON.stringify(answer));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fixture',
      '  cluster:',
      `    server: ${url}`,
      `    certificate-authority-data: ${readFileSync(ca.caFile).toString('base64')}`,
      'users:',
      '- name: promoter',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: fixture',
      '  context: { cluster: fixture, user: promoter, namespace: shop }',
      'current-context: fixture',
      '',
    ].join('\n'),
  );
  let stopped: Promise<void> | undefined;
  const unregister = registerResource(
    `kube api fixture ${url}`,
    () => stop(),
    () => removeTreeSync(dir),
  );
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await removeTree(dir);
      unregister();
    })();
    return stopped;
  };
  return {
    url,
    kubeconfig,
    requests,
    setPods: (namespace, answer) => pods.set(namespace, answer),
    delay: (ms) => (delayMs = ms),
    stop,
  };
}
