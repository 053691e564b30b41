// The fault proxy itself, against a local echo server: each fault does what it says, so the fault
// tests built on it inject what they claim.
import * as assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy';

function echoServer(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => s.pipe(s));
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** Sends `bytes`, collects what comes back until the socket closes or `waitMs` passes. */
function exchange(port: number, bytes: Buffer, waitMs = 1500): Promise<{ received: number; closed: 'reset' | 'end' | 'open' | 'refused'; ms: number }> {
  return new Promise((resolve) => {
    const t = Date.now();
    let received = 0;
    let settled = false;
    const done = (closed: 'reset' | 'end' | 'open' | 'refused', s?: Socket): void => {
      if (settled) return;
      settled = true;
      s?.destroy();
      resolve({ received, closed, ms: Date.now() - t });
    };
    const s = connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    s.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= bytes.length) done('open', s);
    });
    s.on('error', () => done(received === 0 ? 'refused' : 'reset', s));
    s.on('end', () => done('end', s));
    s.on('close', () => done(received === 0 ? 'refused' : 'reset', s));
    setTimeout(() => done('open', s), waitMs);
  });
}

/** Two pings one after the other on one connection, the first `waitMs` after connecting: how long each took to come back (ms). */
function twoExchanges(port: number, waitMs = 0): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    let sent = 0;
    const s = connect({ host: '127.0.0.1', port }, () =>
      setTimeout(() => {
        sent = Date.now();
        s.write('ping');
      }, waitMs),
    );
    s.on('data', () => {
      times.push(Date.now() - sent);
      if (times.length === 2) {
        s.destroy();
        resolve(times);
        return;
      }
      sent = Date.now();
      s.write('pong');
    });
    s.on('error', reject);
  });
}

describe('fault proxy (loopback echo server)', function () {
  this.timeout(20_000);
  let echo: { server: Server; port: number };
  let proxy: FaultProxy;
  const payload = Buffer.alloc(64 * 1024, 7);

  before(async () => {
    echo = await echoServer();
  });
  after(() => echo.server.close());
  beforeEach(async () => {
    proxy = await startFaultProxy({ upstream: { port: echo.port } });
  });
  afterEach(() => proxy.stop());

  it('forwards both ways and counts connections and bytes', async () => {
    const r = await exchange(proxy.port, payload);
    assert.equal(r.received, payload.length);
    assert.equal(proxy.stats.connections, 1);
    assert.equal(proxy.stats.bytesUp, payload.length);
    assert.equal(proxy.stats.bytesDown, payload.length);
  });

  it('cuts a connection after N bytes in one direction, only the connection named', async () => {
    proxy.set({ cut: { direction: 'down', afterBytes: 1000, connections: 2 } });
    const first = await exchange(proxy.port, payload);
    const second = await exchange(proxy.port, payload);
    assert.equal(first.received, payload.length, 'connection 1 is not touched');
    assert.equal(second.received, 1000, 'connection 2 gets exactly 1000 bytes back');
    assert.notEqual(second.closed, 'open', 'the connection was closed');
    assert.equal(proxy.stats.cuts, 1);
  });

  it('counts bytes over every connection with scope total', async () => {
    proxy.set({ cut: { direction: 'up', afterBytes: payload.length + 10, scope: 'total' } });
    assert.equal((await exchange(proxy.port, payload)).received, payload.length);
    const second = await exchange(proxy.port, payload);
    assert.notEqual(second.closed, 'open', 'the connection was closed');
    assert.equal(proxy.stats.bytesUp, payload.length + 10, 'the second connection passed 10 bytes up, then was cut');
  });

  it('stalls: forwarding stops, the socket stays open', async () => {
    proxy.set({ stall: { direction: 'down', afterBytes: 500 } });
    const r = await exchange(proxy.port, payload, 800);
    assert.equal(r.received, 500);
    assert.equal(r.closed, 'open');
    assert.equal(proxy.stats.stalls, 1);
  });

  it('refuses connections', async () => {
    proxy.set({ refuse: 'all' });
    const r = await exchange(proxy.port, payload);
    assert.equal(r.received, 0);
    assert.equal(r.closed, 'refused');
    assert.equal(proxy.stats.refused, 1);
  });

  it('adds latency each way and limits bandwidth', async () => {
    proxy.set({ latencyMs: 150 });
    const slow = await exchange(proxy.port, Buffer.from('ping'));
    assert.ok(slow.ms >= 290, `round trip ${slow.ms} ms with 150 ms each way`);
    proxy.set({ bytesPerSecond: 256 * 1024 });
    const limited = await exchange(proxy.port, payload, 5000);
    assert.equal(limited.received, payload.length);
    // 64 KiB up and again down at 256 KiB/s: at least ~0.25 s each way, minus the first chunk.
    assert.ok(limited.ms >= 350, `64 KiB each way at 256 KiB/s took ${limited.ms} ms`);
  });

  it('charges a new connection one handshake before its first bytes, and a kept connection nothing more', async () => {
    proxy.set({ connectMs: 200 });
    const times = await twoExchanges(proxy.port);
    assert.ok(times[0]! >= 195, `first bytes on a new connection echoed after ${times[0]} ms, with a 200-ms handshake`);
    assert.ok(times[1]! < 150, `second bytes on the same connection echoed after ${times[1]} ms: no handshake again`);
    const [late] = await twoExchanges(proxy.port, 300);
    assert.ok(late! < 150, `first bytes sent 300 ms after connecting, the handshake long done: echoed after ${late} ms`);
    proxy.set({});
    const [plain] = await twoExchanges(proxy.port);
    assert.ok(plain! < 150, `without connectMs a new connection is not charged (${plain} ms)`);
  });

  it('answers an HTTP request itself without reaching the service', async () => {
    proxy.set({ answer: { status: 503, headers: { 'Retry-After': '1' }, body: 'busy' } });
    const res = await fetch(`${proxy.url}/v2/`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(await res.text(), 'busy');
    assert.equal(proxy.stats.answered, 1);
    assert.equal(proxy.stats.bytesDown, 0);
  });

  it('stops by itself after its lifetime', async () => {
    const short = await startFaultProxy({ upstream: { port: echo.port }, lifetimeMs: 200 });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await exchange(short.port, payload, 500)).closed, 'refused');
  });
});
