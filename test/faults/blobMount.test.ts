// Faults during a mount from a known repository of the target registry (blobLocations.ts): the
// target registry is a real Distribution behind the fault proxy, and the fault is injected on the
// network the moment the copy asks for the mount (the client is only watched to know when). The
// copy then streams the blob and ends with the source digest, or fails cleanly with the target tag
// where it was.
import * as assert from 'node:assert/strict';
import { parseRepository, type Repository } from '../../src/core/reference';
import { promote } from '../../src/promotion/promote';
import { BlobLocations } from '../../src/registry/blobLocations';
import type { RegistryClient } from '../../src/registry/registryClient';
import { copyImage } from '../../src/registry/registryCopy';
import { imageOn, makeLayer } from '../bench/images';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, pushImage, sharedServices, skopeoDigest, startRegistry, tagExisting, uniqueRepo, type Registry, type TestServices } from '../harness';
import { startFaultProxy, type FaultPlan, type FaultProxy } from '../harness/faultProxy';
import { config, env, environmentFor, makeCore, ScriptedPrompts } from '../integration/support';
import { expectKept } from './support';
import { tally } from './tally';

describe('faults: a mount from a known repository is cut (fault proxy, real registries)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  const open: Array<{ stop(): Promise<void> }> = [];
  const layer = makeLayer(512 * 1024);

  before(async () => {
    svc = await sharedServices();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.stop()));
  });

  interface Scene {
    readonly b: Registry;
    readonly proxy: FaultProxy;
    readonly core: ReturnType<typeof makeCore>;
    readonly blobLocations: BlobLocations;
    readonly sourceRepo: string;
    readonly second: string;
    /** Where the layer already is in B (through the proxy, as the client names it). */
    readonly x: Repository;
  }

  /** B behind the proxy holds build 1 in X (copied by the tool, so the layer's location is known); build 2 shares the layer. */
  async function scene(): Promise<Scene> {
    const b = await startRegistry();
    open.push(b);
    const proxy = await startFaultProxy({ upstream: { port: b.port } });
    open.push(proxy);
    const sourceRepo = uniqueRepo('src');
    const first = await imageOn(svc.registryUrl, sourceRepo, 'b1', layer, '2026-12-01T10:00:00Z');
    const second = await imageOn(svc.registryUrl, sourceRepo, 'b2', layer, '2026-12-01T11:00:00Z');
    const core = makeCore(svc, { transport: 'registry' });
    const blobLocations = new BlobLocations();
    const x = parseRepository(`${proxy.host}/${uniqueRepo('x')}`);
    await copyImage(
      { repository: parseRepository(`${svc.registry}/${sourceRepo}`), digest: first },
      { repository: x, tag: 'production' },
      {
        registry: core.services.registry,
        blobLocations,
      },
    );
    assert.equal(blobLocations.candidates(layer.digest, proxy.host)[0]?.path, x.path);
    return { b, proxy, core, blobLocations, sourceRepo, second, x };
  }

  /** The client, with `plan` put on the network right before its first mount (and lifted after it unless `keep`). */
  function faultAtMount(s: Scene, plan: FaultPlan, what: string, keep = false): { registry: RegistryClient; injected: () => boolean } {
    const inner = s.core.services.registry;
    let injected = false;
    const registry = new Proxy(inner, {
      get(target, name) {
        if (name !== 'mountBlob') {
          const value = Reflect.get(target, name) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...args: Parameters<RegistryClient['mountBlob']>) => {
          const first = !injected;
          if (first) {
            injected = true;
            s.proxy.set(plan);
            // The mount opens a connection of its own, which the plan meets (the client is given a
            // moment to see its kept connections closed, else it meets a reset instead of the plan).
            s.proxy.dropAll();
            await new Promise((resolve) => setTimeout(resolve, 100));
            tally('fault', what);
          }
          try {
            return await target.mountBlob(...args);
          } finally {
            if (first && !keep) s.proxy.set({});
          }
        };
      },
    });
    return { registry, injected: () => injected };
  }

  for (const c of [
    { direction: 'up', afterBytes: 0, meaning: 'the request never reached the registry' },
    { direction: 'up', afterBytes: 40, meaning: 'half a request line' },
    { direction: 'down', afterBytes: 0, meaning: 'the registry mounted it, the answer was lost' },
  ] as const) {
    const what = `a mount cut after ${c.afterBytes} bytes ${c.direction} (${c.meaning}): the blob is streamed, the digest is the source's`;
    it(what, async () => {
      const s = await scene();
      const y = parseRepository(`${s.proxy.host}/${uniqueRepo('y')}`);
      const { registry, injected } = faultAtMount(s, { cut: { direction: c.direction, afterBytes: c.afterBytes } }, what);
      const result = await copyImage(
        { repository: parseRepository(`${svc.registry}/${s.sourceRepo}`), digest: s.second },
        { repository: y, tag: 'production' },
        // One blob at a time: the cut meets the mount and nothing else.
        { registry, blobLocations: s.blobLocations, log: s.core.log, concurrency: 1 },
      );
      assert.ok(injected(), 'a mount was tried');
      assert.equal(s.proxy.stats.cuts, 1, `exactly the mount's connection was cut; log:\n${s.core.log.text()}`);
      assert.deepEqual([result.mounted, result.uploaded], [0, 2], 'the layer was streamed instead');
      assert.match(s.core.log.text(), /mounting \S+ from \S+ failed .*; streaming it instead/);
      assert.ok(
        s.blobLocations.candidates(layer.digest, s.proxy.host).some((r) => r.path === s.x.path),
        'a cut connection says nothing about X: it stays a candidate',
      );
      assert.equal(await digestOf(s.b.url, y.path, 'production'), s.second);
      assert.equal(await skopeoDigest(`${s.b.host}/${y.path}:production`), s.second);
    });
  }

  it('the registry goes away at the mount (every connection refused from then on): a clean error, the target tag where it was', async () => {
    const what = 'the target registry refuses every connection from the mount on';
    const s = await scene();
    const y = uniqueRepo('y');
    const old = await pushImage(s.b.url, y, 'old');
    await tagExisting(s.b.url, y, old.digest, 'production');
    const cfg = config(promotionYaml(`${svc.registry}/${s.sourceRepo}`, [{ name: 'production', image: `${s.proxy.host}/${y}` }]));
    const { registry, injected } = faultAtMount(s, { refuse: 'all' }, what, true);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: 'b2' }, target: env(cfg, 'production') },
      { ...s.core.services, registry, blobLocations: s.blobLocations },
      environmentFor(new ScriptedPrompts()),
    );
    assert.ok(injected(), `a mount was tried; log:\n${s.core.log.text()}`);
    assert.equal(outcome.status, 'failed', outcome.message);
    assert.match(outcome.message, /127\.0\.0\.1:\d+/, 'the message names the registry');
    s.proxy.set({});
    await expectKept(what, outcome, { url: s.b.url, repo: y, tag: 'production' }, old.digest, s.second);
    assert.equal(await digestOf(s.b.url, y, 'production'), old.digest, 'nothing half-tagged: production still holds the old build');
  });
});
