// A release of three images under faults, against real registries of their own: api and web (a
// multi-platform index) and worker, each in another registry. The second image's write refused (its
// registry turns read-only), the third's connection cut, and a put-back that is itself refused.
// After each, every image's tag (read straight from its registry, the index with skopeo too) holds
// its old digest or its new verified one, and the message says which.
import * as assert from 'node:assert/strict';
import { shortDigest } from '../../src/core/reference';
import { promote, type PromotionOutcome } from '../../src/promotion/promote';
import type { RegistryClient } from '../../src/registry/registryClient';
import { releaseYaml } from '../fixtures/releaseYaml';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy';
import { digestOf, pushImage, pushIndex, skopeoDigest, startRegistry, tagExisting, uniqueRepo, type Registry } from '../harness';
import { config, env, environmentFor, makeCore, ScriptedPrompts } from '../integration/support';
import { faultSuite } from './faultSuite';
import { tally, tallyOutcome } from './tally';

const NAMES = ['api', 'web', 'worker'] as const;
type Name = (typeof NAMES)[number];

describe('faults: a release of three images (real registries)', function () {
  this.timeout(120_000);
  const s = faultSuite();

  /** Three registries, old build on `dev`, a new build ready; worker's behind a fault proxy. */
  async function release() {
    const registries = {} as Record<Name, Registry>;
    for (const name of NAMES) {
      registries[name] = await startRegistry();
      s.open.push(registries[name]);
    }
    const proxy: FaultProxy = await startFaultProxy({ upstream: { port: registries.worker.port } });
    s.open.push(proxy);
    const repos = { api: uniqueRepo('api'), web: uniqueRepo('web'), worker: uniqueRepo('worker') };
    const old = {} as Record<Name, string>;
    const fresh = {} as Record<Name, string>;
    for (const [tag, into] of [
      ['0ld0001', old],
      ['1ew0001', fresh],
    ] as const) {
      into.api = (await pushImage(registries.api.url, repos.api, tag)).digest;
      into.web = (
        await pushIndex(
          registries.web.url,
          repos.web,
          tag,
          [
            { os: 'linux', architecture: 'amd64' },
            { os: 'linux', architecture: 'arm64', variant: 'v8' },
          ],
          { kind: 'oci' },
        )
      ).digest;
      into.worker = (await pushImage(registries.worker.url, repos.worker, tag)).digest;
    }
    for (const name of NAMES) await tagExisting(registries[name].url, repos[name], old[name], 'dev');
    const cfg = config(
      releaseYaml(
        [
          { name: 'api', image: `${registries.api.host}/${repos.api}` },
          { name: 'web', image: `${registries.web.host}/${repos.web}` },
          { name: 'worker', image: `${proxy.host}/${repos.worker}` },
        ],
        [{ name: 'development', tag: 'dev' }],
      ),
    );
    const run = (
      prompts: ScriptedPrompts,
      progress: (m: string) => void = () => undefined,
      /** Awaited before a manifest PUT reaches its (real) registry: a fault set up at the exact moment. */
      beforePut?: (repo: string, reference: string) => Promise<void>,
    ): Promise<PromotionOutcome> => {
      const services = makeCore(s.svc, { transport: 'registry' }).services;
      const registry = services.registry;
      const paused: RegistryClient = Object.create(registry) as RegistryClient;
      paused.putManifest = async (repo, reference, manifest, signal) => {
        await beforePut?.(repo.path, reference);
        return registry.putManifest(repo, reference, manifest, signal);
      };
      paused.writeManifest = async (repo, reference, manifest, signal) => {
        await beforePut?.(repo.path, reference);
        return registry.writeManifest(repo, reference, manifest, signal);
      };
      return promote(
        { config: cfg, source: { kind: 'build', tag: '1ew0001' }, target: env(cfg, 'development') },
        { ...services, registry: paused },
        environmentFor(prompts, { progress }),
      );
    };
    /** Each image's dev tag read straight from its registry (never through the proxy). */
    const holds = async (): Promise<Record<Name, string | null>> => {
      const found = {} as Record<Name, string | null>;
      for (const name of NAMES) found[name] = (await digestOf(registries[name].url, repos[name], 'dev')) ?? null;
      if (found.web) assert.equal(await skopeoDigest(`${registries.web.host}/${repos.web}:dev`), found.web, 'skopeo reads the same index digest');
      return found;
    };
    return { registries, repos, proxy, old, fresh, run, holds };
  }

  /** Every image old or new, never a third; the message names each image with what it holds. */
  function expectEachKept(what: string, outcome: PromotionOutcome, after: Record<Name, string | null>, old: Record<Name, string>, fresh: Record<Name, string>) {
    console.log(`      ${what} → ${outcome.status}: ${outcome.message}`);
    for (const name of NAMES) {
      tallyOutcome(`${what} (${name})`, old[name], fresh[name], after[name]);
      assert.ok(
        outcome.message.includes(`${name} ${shortDigest(after[name]!)}`),
        `the message must say ${name} holds ${shortDigest(after[name]!)}: ${outcome.message}`,
      );
    }
    assert.deepEqual(
      outcome.components?.map((c) => [c.name, c.finalDigest]),
      NAMES.map((n) => [n, after[n]]),
      'the outcome (and so the record) names what each image holds',
    );
  }

  it("the second image's write refused (its registry turns read-only): the first is put back", async () => {
    const what = 'release: the second image refused (read-only registry)';
    const r = await release();
    const prompts = new ScriptedPrompts({
      onConfirm: async () => {
        tally('fault', what);
        await r.registries.web.restart({ readOnly: true });
      },
    });
    const outcome = await r.run(prompts);
    assert.equal(outcome.status, 'failed', outcome.message);
    const after = await r.holds();
    assert.deepEqual(after, r.old, 'every image holds what it held before');
    expectEachKept(what, outcome, after, r.old, r.fresh);
    assert.match(outcome.message, /api was put back to sha256:\w{12} \(read back\)/);
    assert.match(outcome.message, /No image of development moved: it holds the release it held before/);
  });

  it("the third image's connection cut during its write: the first two are put back, last first", async () => {
    const what = 'release: the third image cut during its write';
    const r = await release();
    const order: string[] = [];
    const outcome = await r.run(new ScriptedPrompts(), (m) => {
      if (/^Putting \w+ back/.test(m)) order.push(m);
      if (m === 'Moving worker…') {
        tally('fault', what);
        // The next byte sent to the worker's registry (its tag write) ends the connection.
        r.proxy.set({ cut: { direction: 'up', afterBytes: 0, scope: 'total', times: 1 } });
      }
    });
    assert.equal(r.proxy.stats.cuts, 1, 'the write was cut');
    assert.equal(outcome.status, 'failed', outcome.message);
    const after = await r.holds();
    assert.deepEqual(after, r.old, 'every image holds what it held before');
    expectEachKept(what, outcome, after, r.old, r.fresh);
    assert.deepEqual(order, ['Putting web back…', 'Putting api back…'], 'reverse order');
  });

  it('a put-back refused as well: the person is told which image holds the new digest and which the old', async () => {
    const what = 'release: the second image refused and the first cannot be put back';
    const r = await release();
    let injected = false;
    const outcome = await r.run(new ScriptedPrompts(), undefined, async (repo, reference) => {
      if (injected || repo !== r.repos.web || reference !== 'dev') return;
      injected = true;
      tally('fault', what);
      // From web's tag write on, both registries refuse writes: web's write, and api's put-back.
      await Promise.all([r.registries.web.restart({ readOnly: true }), r.registries.api.restart({ readOnly: true })]);
    });
    assert.ok(injected, 'the fault was set up before web was written');
    assert.equal(outcome.status, 'failed', outcome.message);
    const after = await r.holds();
    assert.deepEqual(after, { api: r.fresh.api, web: r.old.web, worker: r.old.worker });
    expectEachKept(what, outcome, after, r.old, r.fresh);
    assert.match(outcome.message, /api could not be put back/);
    assert.match(outcome.message, /api sha256:\w{12} \(the new one\)/);
    assert.match(outcome.message, /holds a mix nobody chose/);
  });
});
