// The bundled CLI honours HTTP_PROXY as the core does from source. The bundles carry only the parts of
// undici the core imports (esbuild.mjs), and undici's proxy agent tunnels with a request method its
// index adds to every dispatcher: this proves the bundle wires it, against a real CONNECT proxy.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { promotionYaml } from '../fixtures/promotionYaml';
import { pushImage, sharedServices, tagExisting, uniqueRepo } from '../harness';
import { cliEnv, describeRun, runCli, workspace } from './support';

/** A CONNECT-only proxy that records where it tunnelled to. */
async function connectProxy(): Promise<{ url: string; tunnels: string[]; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, socket, head) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the CLI behind an HTTP proxy', function () {
  this.timeout(60_000);

  it('reaches the registry through HTTP_PROXY (CONNECT) and reports the digests', async () => {
    const svc = await sharedServices();
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'b0b0b0b');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const dir = workspace(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    const proxy = await connectProxy();
    try {
      const run = await runCli(['status', '--json'], {
        cwd: dir,
        env: cliEnv(svc, { HTTP_PROXY: proxy.url, http_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined }),
      });
      assert.equal(run.code, 0, describeRun(run));
      const status = JSON.parse(run.stdout) as { environments: { name: string; state: string; digest?: string }[] };
      assert.deepEqual(
        status.environments.map((e) => [e.name, e.state]),
        [
          ['development', 'present'],
          ['staging', 'empty'],
        ],
        run.stdout,
      );
      assert.ok(proxy.tunnels.length > 0, 'the requests went through the proxy');
      assert.ok(
        proxy.tunnels.every((t) => t === svc.registry),
        `tunnels only to the registry: ${proxy.tunnels.join(', ')}`,
      );
    } finally {
      await proxy.close();
    }
  });
});
