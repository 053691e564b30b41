// Connections kept and reused against real Distribution 2.8 (which sends no `Connection:
// keep-alive`): a refresh's worth of HEADs must not open one TCP connection each. Counted by a TCP
// proxy in front of the registry, independently of the client.
import * as assert from 'node:assert/strict';
import { parseRepository } from '../../src/core/reference';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { CONNECTIONS_PER_ORIGIN } from '../../src/registry/transport/connections';
import { pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { startCountingProxy, type CountingProxy } from '../harness/countingProxy';
import { MemoryLog } from './support';

describe('registry connections are kept and reused (real registry)', function () {
  this.timeout(60_000);
  let svc: TestServices;
  let proxy: CountingProxy;

  before(async () => {
    svc = await sharedServices();
    const [host, port] = svc.registry.split(':');
    proxy = await startCountingProxy(host!, Number(port));
  });
  after(async () => proxy?.stop());

  it('23 HEADs: one after another on one connection, 20 side by side on one each at most, and a warm client opens none', async () => {
    const path = uniqueRepo();
    const image = await pushImage(svc.registryUrl, path, 'build-0');
    const tags = ['dev', 'staging', 'production', ...Array.from({ length: 20 }, (_, i) => `b${i}`)];
    for (const tag of tags) await tagExisting(svc.registryUrl, path, image.digest, tag);
    const newClient = () => new HttpRegistryClient({ credentials: { get: async () => undefined }, log: new MemoryLog(), timeoutMs: () => 10_000 });
    const repo = parseRepository(`${proxy.host}/${path}`);

    proxy.reset();
    const cold = newClient();
    for (const tag of tags) assert.equal((await cold.resolve(repo, tag))?.digest, image.digest);
    console.log(`      23 HEADs one after another, new client: ${proxy.requests.length} requests, ${proxy.connections} TCP connections`);
    assert.equal(proxy.requests.length, 23);
    assert.ok(proxy.connections <= 2, `${proxy.connections} connections for 23 sequential HEADs`);

    const registry = newClient();
    proxy.reset();
    // As a refresh does: the environments one after another, then the builds in parallel.
    for (const tag of tags.slice(0, 3)) assert.equal((await registry.resolve(repo, tag))?.digest, image.digest);
    const found = await Promise.all(tags.slice(3).map((tag) => registry.resolve(repo, tag)));
    assert.ok(found.every((d) => d?.digest === image.digest));
    const heads = proxy.requests.filter((r) => r.startsWith('HEAD ')).length;
    console.log(
      `      23 HEADs as a refresh makes them (3 in a row, 20 side by side), new client: ${proxy.requests.length} requests (${heads} HEAD), ${proxy.connections} TCP connections`,
    );
    assert.equal(heads, 23);
    // Sequential HEADs reuse one connection; the parallel ones open one each, up to the pool's limit.
    assert.ok(proxy.connections <= Math.min(20, CONNECTIONS_PER_ORIGIN) + 1, `${proxy.connections} connections for 23 HEADs`);

    proxy.reset();
    for (const tag of tags) await registry.resolve(repo, tag);
    console.log(`      23 HEADs one after another, same client again: ${proxy.requests.length} requests, ${proxy.connections} new TCP connections`);
    assert.ok(proxy.connections <= 1, `${proxy.connections} new connections for 23 sequential HEADs on a warm client`);
  });
});
