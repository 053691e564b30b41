import * as assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import { preconnecting } from '../../src/registry/transport/preconnect';
import { listening, targetPerTest, until, type TcpTarget } from './tcpTarget';

function take(connector: buildConnector.connector, port: number): Promise<Socket> {
  return new Promise((resolve, reject) =>
    connector({ protocol: 'http:', hostname: '127.0.0.1', host: `127.0.0.1:${port}`, port: String(port) }, (error, socket) =>
      error ? reject(error) : resolve(socket as Socket),
    ),
  );
}

/** Resolves once the server's side of the connection has closed (at once if it has). */
const closed = (socket: Socket): Promise<unknown> => (socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', resolve)));

describe('a connection opened ahead of its request (preconnect.ts)', () => {
  const current = targetPerTest();
  let target: TcpTarget;
  beforeEach(() => (target = current()));
  const plain = buildConnector({ timeout: 2_000 });

  it('the next connection to that origin is the one opened ahead, once; the one after is new', async () => {
    const ahead = preconnecting(plain);
    ahead.open(new URL(`http://127.0.0.1:${target.port}/v2/`));
    await until(() => target.accepted.length === 1);
    assert.equal(target.accepted.length, 1, 'opened before any request asked');
    const first = await take(ahead.connector, target.port);
    assert.equal(first.localPort, target.accepted[0]!.remotePort, 'the socket opened ahead');
    assert.equal(target.accepted.length, 1);
    const second = await take(ahead.connector, target.port);
    assert.notEqual(second.localPort, first.localPort);
    await until(() => target.accepted.length === 2);
    assert.equal(target.accepted.length, 2, 'taken once: the next one connects');
    first.destroy();
    second.destroy();
    ahead.close();
  });

  it('while it waits it keeps no process alive; handed out, it does (as every connection undici uses)', async () => {
    const ahead = preconnecting(plain);
    const liveSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = liveSockets();
    ahead.open(new URL(`http://127.0.0.1:${target.port}/`));
    await until(() => target.accepted.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(liveSockets() - before, 1, "only the server's side of it holds the loop");
    const socket = await take(ahead.connector, target.port);
    assert.equal(liveSockets() - before, 2, 'the request that takes it holds the process until it is done');
    socket.destroy();
    ahead.close();
  });

  it('one at a time per origin; another origin is not given it', async () => {
    const ahead = preconnecting(plain);
    ahead.open(new URL(`http://127.0.0.1:${target.port}/`));
    ahead.open(new URL(`http://127.0.0.1:${target.port}/other`));
    await until(() => target.accepted.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(target.accepted.length, 1);
    const elsewhere = await listening();
    try {
      const other = await take(ahead.connector, elsewhere.port);
      await until(() => elsewhere.accepted.length === 1);
      assert.equal(elsewhere.accepted.length, 1, 'a request to another origin connects there');
      other.destroy();
    } finally {
      for (const s of elsewhere.accepted) s.destroy();
      await new Promise((resolve) => elsewhere.server.close(resolve));
    }
    ahead.close();
  });

  it('one that could not be opened is no error of its own: the request connects and fails as it would', async () => {
    const ahead = preconnecting(plain);
    const closed = await listening();
    const port = closed.port;
    await new Promise((resolve) => closed.server.close(resolve));
    ahead.open(new URL(`http://127.0.0.1:${port}/`));
    await assert.rejects(take(ahead.connector, port), /ECONNREFUSED/);
    ahead.close();
  });

  it('one closed while it waited is not handed out', async () => {
    const ahead = preconnecting(plain);
    ahead.open(new URL(`http://127.0.0.1:${target.port}/`));
    await until(() => target.accepted.length === 1);
    target.accepted[0]!.destroy(); // the server closes it (an idle timeout)
    await new Promise((resolve) => setTimeout(resolve, 50));
    const socket = await take(ahead.connector, target.port);
    await until(() => target.accepted.length === 2);
    assert.equal(target.accepted.length, 2, 'a new connection instead');
    assert.equal(socket.readyState, 'open');
    socket.destroy();
    ahead.close();
  });

  it('one nobody took is closed after its time, and by close()', async () => {
    const ahead = preconnecting(plain, 50);
    ahead.open(new URL(`http://127.0.0.1:${target.port}/`));
    await until(() => target.accepted.length === 1);
    await closed(target.accepted[0]!);
    const again = preconnecting(plain);
    again.open(new URL(`http://127.0.0.1:${target.port}/`));
    await until(() => target.accepted.length === 2);
    again.close();
    await closed(target.accepted[1]!);
    // The server saw both end: nothing is held open.
    assert.equal(target.accepted.filter((s) => !s.destroyed && s.readyState === 'open').length, 0);
  });
});
