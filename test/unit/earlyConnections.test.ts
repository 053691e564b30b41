import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { buildConnector } from 'undici';
import { parseRepository } from '../../src/core/reference';
import { LastRows, targetsInFileNow } from '../../src/model/lastRows';
import { preconnecting } from '../../src/registry/transport/preconnect';
import { proxyRules } from '../../src/registry/transport/proxy';
import { earlyTargets, MAX_PER_ORIGIN, openEarlyConnections } from '../../src/startup/earlyConnections';
import { makeTempDir } from '../harness/tempdirs';
import { config } from '../integration/support';
import { promotionYaml } from '../fixtures/promotionYaml';
import { listening, targetPerTest, until, type TcpTarget } from './tcpTarget';

const lookups = (...refs: string[]) => refs.map((ref) => ({ repository: parseRepository(ref), tag: 'staging' }));
const direct = proxyRules(undefined, {});

describe("the window's first connections, opened by the loader (startup/earlyConnections.ts)", () => {
  describe('where they go', () => {
    it('one per lookup, at most a few per registry, at the port a request would use', () => {
      const targets = earlyTargets(lookups('127.0.0.1:5000/app', '127.0.0.1:5000/app', 'ghcr.io/o/app', 'app', 'reg.example:8443/x'), [], direct);
      assert.deepEqual(targets, [
        { hostname: '127.0.0.1', port: '5000' },
        { hostname: '127.0.0.1', port: '5000' },
        { hostname: 'ghcr.io', port: '443' },
        { hostname: 'registry-1.docker.io', port: '443' },
        { hostname: 'reg.example', port: '8443' },
      ]);
      const many = earlyTargets(lookups(...Array.from({ length: 9 }, () => 'ghcr.io/o/app')), [], direct);
      assert.equal(many.length, MAX_PER_ORIGIN);
      assert.deepEqual(
        earlyTargets(lookups('plain.example/app'), ['plain.example'], direct),
        [{ hostname: 'plain.example', port: '80' }],
        'an insecure registry: http',
      );
      assert.deepEqual(earlyTargets(lookups('[::1]:5000/app'), [], direct), [{ hostname: '::1', port: '5000' }]);
    });

    it('none to a registry a request would reach through a proxy; the hosts the proxy settings exempt, directly', () => {
      const viaSetting = proxyRules({ url: 'http://proxy.corp:3128', noProxy: ['ghcr.io'] }, {});
      assert.deepEqual(earlyTargets(lookups('reg.example/app', 'ghcr.io/o/app'), [], viaSetting), [{ hostname: 'ghcr.io', port: '443' }]);
      const viaEnv = proxyRules(undefined, { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'reg.example' });
      assert.deepEqual(earlyTargets(lookups('reg.example/app', 'ghcr.io/o/app'), [], viaEnv), [{ hostname: 'reg.example', port: '443' }]);
    });
  });

  describe('the last rows, read at once', () => {
    it("the remembered environments under the window's folders; nothing from a missing, corrupt or oversized file", async () => {
      const dir = makeTempDir('early-rows');
      const file = join(dir, 'last-rows.json');
      const cfg = config(promotionYaml('r.example/app', [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
      await new LastRows({ file }).put('/w/one/.promotion.yml', cfg, {
        lookups: [{ state: 'absent' }, { state: 'absent' }],
        builds: { state: 'ok', rows: [], matching: 0, scanned: 0 },
        takenAt: 1,
      });
      const read = targetsInFileNow(file, ['/w/one']);
      assert.deepEqual(
        read.map((t) => `${t.repository.registry}/${t.repository.path}:${t.tag}`),
        ['r.example/app:dev', 'r.example/app:staging'],
      );
      assert.deepEqual(
        read,
        await (async () => {
          const rows = new LastRows({ file });
          await rows.load();
          return rows.targetsUnder(['/w/one']);
        })(),
        'the same as the bundle reads later',
      );
      assert.deepEqual(targetsInFileNow(file, ['/w/other']), []);
      assert.deepEqual(targetsInFileNow(file, ['/w/one'], 10), [], 'over the size read at start-up');
      assert.deepEqual(targetsInFileNow(join(dir, 'missing.json'), ['/w/one']), []);
      writeFileSync(join(dir, 'corrupt.json'), '{"version":1,"entries":[{"file":');
      assert.deepEqual(targetsInFileNow(join(dir, 'corrupt.json'), ['/w/one']), []);
      writeFileSync(join(dir, 'odd.json'), JSON.stringify({ version: 1, entries: [null, 3, { file: '/w/one/a.yml', shape: 'not json' }] }));
      assert.deepEqual(targetsInFileNow(join(dir, 'odd.json'), ['/w/one']), []);
    });
  });

  describe('opened, then taken by the requests', () => {
    const current = targetPerTest();
    let target: TcpTarget;
    beforeEach(() => (target = current()));

    it('opened at once, each taken once, then none; they keep no process alive while they wait', async () => {
      const liveSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
      const before = liveSockets();
      const early = openEarlyConnections([
        { hostname: '127.0.0.1', port: String(target.port) },
        { hostname: '127.0.0.1', port: String(target.port) },
      ]);
      assert.equal(early.opened, 2);
      await until(() => target.accepted.length === 2);
      assert.equal(target.accepted.length, 2, 'connected before anything asked');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(liveSockets() - before, 2, "only the server's sides hold the loop");
      const ports = new Set(target.accepted.map((s) => s.remotePort));
      const first = await early.take({ hostname: '127.0.0.1', port: String(target.port) })!;
      const second = await early.take({ hostname: '127.0.0.1', port: String(target.port) })!;
      assert.ok(ports.has(first.localPort) && ports.has(second.localPort) && first !== second);
      assert.equal(early.take({ hostname: '127.0.0.1', port: String(target.port) }), undefined, 'each once');
      assert.equal(early.take({ hostname: '127.0.0.2', port: String(target.port) }), undefined, 'not to another host');
      first.destroy();
      second.destroy();
      early.close();
    });

    it("a request's connection to that host and port is one of them (plain http as it is, TLS made on it); another connects", async () => {
      const early = openEarlyConnections([{ hostname: '127.0.0.1', port: String(target.port) }]);
      await until(() => target.accepted.length === 1);
      const seen: { protocol: string; httpSocket?: unknown }[] = [];
      const plain = buildConnector({ timeout: 2_000 });
      const recording: buildConnector.connector = (options, callback) => {
        seen.push({ protocol: options.protocol, ...(options.httpSocket ? { httpSocket: options.httpSocket } : {}) });
        // Stands in for the TLS connector: answers with the socket it would have wrapped.
        return options.httpSocket ? callback(null, options.httpSocket as Socket) : plain(options, callback);
      };
      const ahead = preconnecting(recording, undefined, early);
      const connect = (protocol: string): Promise<Socket> =>
        new Promise((resolve, reject) =>
          ahead.connector({ protocol, hostname: '127.0.0.1', host: `127.0.0.1:${target.port}`, port: String(target.port) }, (error, socket) =>
            error ? reject(error) : resolve(socket as Socket),
          ),
        );
      const tlsOnIt = await connect('https:');
      assert.equal(tlsOnIt.localPort, target.accepted[0]!.remotePort);
      assert.equal(seen[0]?.httpSocket, tlsOnIt, 'https: the connector made TLS on the socket opened early');
      const next = await connect('http:');
      await until(() => target.accepted.length === 2);
      assert.equal(target.accepted.length, 2, 'none left: a new connection');
      assert.equal(seen[1]?.httpSocket, undefined);
      tlsOnIt.destroy();
      next.destroy();
      ahead.close();
    });

    it('one closed while it waited, or refused, is not handed out: the request connects as it would', async () => {
      const gone = await listening();
      const refusedPort = gone.port;
      await new Promise((resolve) => gone.server.close(resolve));
      const early = openEarlyConnections([
        { hostname: '127.0.0.1', port: String(target.port) },
        { hostname: '127.0.0.1', port: String(refusedPort) },
      ]);
      await until(() => target.accepted.length === 1);
      target.accepted[0]!.destroy(); // the registry closed it (an idle timeout)
      await new Promise((resolve) => setTimeout(resolve, 50));
      const ahead = preconnecting(buildConnector({ timeout: 2_000 }), undefined, early);
      const connect = (port: number): Promise<Socket> =>
        new Promise((resolve, reject) =>
          ahead.connector({ protocol: 'http:', hostname: '127.0.0.1', host: `127.0.0.1:${port}`, port: String(port) }, (error, socket) =>
            error ? reject(error) : resolve(socket as Socket),
          ),
        );
      const socket = await connect(target.port);
      await until(() => target.accepted.length === 2);
      assert.equal(target.accepted.length, 2, 'a new connection');
      assert.equal(socket.readyState, 'open');
      await assert.rejects(connect(refusedPort), /ECONNREFUSED/, "the request's own failure, worded as always");
      socket.destroy();
      ahead.close();
    });

    it("those nobody took are closed after their time, and by close(), which the transport's close calls", async () => {
      const timed = openEarlyConnections([{ hostname: '127.0.0.1', port: String(target.port) }], 50);
      await until(() => target.accepted.length === 1);
      await new Promise((resolve) => target.accepted[0]!.once('close', resolve));
      const early = openEarlyConnections([{ hostname: '127.0.0.1', port: String(target.port) }]);
      await until(() => target.accepted.length === 2);
      const ahead = preconnecting(buildConnector({ timeout: 2_000 }), undefined, early);
      ahead.close();
      await new Promise((resolve) => (target.accepted[1]!.destroyed ? resolve(undefined) : target.accepted[1]!.once('close', resolve)));
      assert.equal(target.accepted.filter((s) => !s.destroyed && s.readyState === 'open').length, 0);
      assert.equal(timed.take({ hostname: '127.0.0.1', port: String(target.port) }), undefined);
    });
  });
});
