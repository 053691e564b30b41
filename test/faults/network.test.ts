// Network faults between the tool (and the engine) and a real registry, injected by the fault
// proxy: connections cut at several offsets during an engine pull and push and during a
// registry-side copy, 5xx answers, and a registry that accepts connections and never answers.
// After each: the target holds its old digest or the promoted one, and the message says which.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promote, type PromotionOutcome } from '../../src/promotion/promote';
import type { TransportSetting } from '../../src/promotion/transport';
import { promotionYaml } from '../fixtures/promotionYaml';
import { pushImage, tagExisting, uniqueRepo, type Registry } from '../harness';
import type { FaultPlan, FaultProxy } from '../harness/faultProxy';
import { connectDockerode } from '../../src/engine/dockerodeEngine';
import { parseHost } from '../../src/engine/engineAddress';
import type { ImageEngine } from '../../src/engine/engine';
import { config, env, environmentFor, makeCore, ScriptedPrompts } from '../integration/support';
import { faultSuite } from './faultSuite';
import { expectKept, type Target } from './support';
import { tally } from './tally';

interface Scene {
  readonly registry: Registry;
  readonly proxy: FaultProxy;
  readonly target: Target;
  readonly old: string;
  readonly build: string;
  readonly buildTag: string;
}

describe('faults: network between the tool, the engine and the registry (fault proxy, real registry and engine)', function () {
  this.timeout(120_000);
  const suite = faultSuite();

  /** A registry behind a proxy; the target `dev` holds an old image, a fresh build (256 KiB layer) waits. */
  async function scene(): Promise<Scene> {
    const { registry, proxy } = await suite.registryBehindProxy();
    const repo = uniqueRepo();
    const old = await pushImage(registry.url, repo, 'old0001');
    await tagExisting(registry.url, repo, old.digest, 'dev');
    const buildTag = `b${randomBytes(4).toString('hex')}`;
    const build = await pushImage(registry.url, repo, buildTag, { files: { 'data.bin': randomBytes(256 * 1024) } });
    return { registry, proxy, target: { url: registry.url, repo, tag: 'dev' }, old: old.digest, build: build.digest, buildTag };
  }

  /**
   * Promotes the build into dev through the proxy; `inject` runs at the first progress message that
   * matches `at` (or at the confirmation when `at` is 'confirm').
   */
  async function promoteUnder(
    s: Scene,
    transport: TransportSetting,
    at: RegExp | 'confirm',
    fault: FaultPlan | (() => FaultPlan),
    what: string,
  ): Promise<PromotionOutcome> {
    const cfg = config(promotionYaml(`${s.proxy.host}/${s.target.repo}`, [{ name: 'development', tag: 'dev' }]));
    const core = makeCore(suite.svc, { transport });
    let injected = false;
    const inject = (): void => {
      if (injected) return;
      injected = true;
      s.proxy.set(typeof fault === 'function' ? fault() : fault);
      // Kept-alive connections would dodge a fault that is chosen per connection.
      s.proxy.dropAll();
      tally('fault', what);
    };
    const prompts = new ScriptedPrompts({ onConfirm: async () => (at === 'confirm' ? inject() : undefined) });
    const progress = (m: string): void => {
      if (at !== 'confirm' && at.test(m)) inject();
    };
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: s.buildTag }, target: env(cfg, 'development') },
      core.services,
      environmentFor(prompts, { progress }),
    );
    assert.ok(injected, `${what}: the fault was never injected (no progress matched ${String(at)}); log:\n${core.log.text()}`);
    s.proxy.set({});
    return outcome;
  }

  const engineCuts: Array<{ phase: RegExp; direction: 'up' | 'down'; afterBytes: number }> = [
    { phase: /^Pulling/, direction: 'down', afterBytes: 0 },
    { phase: /^Pulling/, direction: 'down', afterBytes: 4096 },
    { phase: /^Pulling/, direction: 'down', afterBytes: 150_000 },
    { phase: /^Pushing/, direction: 'up', afterBytes: 0 },
    { phase: /^Pushing/, direction: 'up', afterBytes: 300 },
    { phase: /^Pushing/, direction: 'up', afterBytes: 1200 },
    { phase: /^Pushing/, direction: 'down', afterBytes: 0 },
    { phase: /^Pushing/, direction: 'down', afterBytes: 400 },
  ];
  for (const c of engineCuts) {
    const what = `engine: connection cut after ${c.afterBytes} bytes ${c.direction} during ${c.phase.source.slice(1)}`;
    it(what, async () => {
      const s = await scene();
      const outcome = await promoteUnder(s, 'engine', c.phase, { cut: { direction: c.direction, afterBytes: c.afterBytes, scope: 'total' } }, what);
      assert.equal(s.proxy.stats.cuts, 1, 'exactly one connection was cut');
      await expectKept(what, outcome, s.target, s.old, s.build);
    });
  }

  const copyCuts: Array<{ direction: 'up' | 'down'; afterBytes: number }> = [
    { direction: 'up', afterBytes: 0 },
    { direction: 'up', afterBytes: 2_000 },
    { direction: 'up', afterBytes: 120_000 },
    { direction: 'up', afterBytes: 262_000 },
    { direction: 'down', afterBytes: 0 },
    { direction: 'down', afterBytes: 600 },
  ];
  for (const c of copyCuts) {
    const what = `registry-side copy: connection cut after ${c.afterBytes} bytes ${c.direction}`;
    it(what, async () => {
      // The build lives in the shared registry; the target registry is behind the proxy, so the
      // layer itself travels through it.
      const s = await scene();
      const sourceRepo = uniqueRepo();
      const buildTag = `c${randomBytes(4).toString('hex')}`;
      const build = await pushImage(suite.svc.registryUrl, sourceRepo, buildTag, { files: { 'data.bin': randomBytes(256 * 1024) } });
      const cfg = config(
        `image: ${suite.svc.registry}/${sourceRepo}\nenvironments:\n  - name: development\n    tag: dev\n    image: ${s.proxy.host}/${s.target.repo}\n`,
      );
      const core = makeCore(suite.svc, { transport: 'registry' });
      const prompts = new ScriptedPrompts({
        onConfirm: async () => {
          s.proxy.set({ cut: { direction: c.direction, afterBytes: c.afterBytes, scope: 'total' } });
          s.proxy.dropAll();
          tally('fault', what);
        },
      });
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: buildTag }, target: env(cfg, 'development') },
        core.services,
        environmentFor(prompts),
      );
      assert.equal(s.proxy.stats.cuts, 1, `exactly one connection was cut; log:\n${core.log.text()}`);
      await expectKept(what, outcome, s.target, s.old, build.digest);
    });
  }

  it('engine: the registry stalls in the middle of the push (the engine idle timeout ends it)', async function () {
    this.timeout(60_000);
    const what = 'engine: registry stalls during the push';
    const s = await scene();
    const cfg = config(promotionYaml(`${s.proxy.host}/${s.target.repo}`, [{ name: 'development', tag: 'dev' }]));
    const core = makeCore(suite.svc, { transport: 'engine' });
    // The engine with a short idle time (the promotion flow's EngineOptions.idleMs; 120 s by default).
    const connect = connectDockerode as (address: ReturnType<typeof parseHost>, options?: { idleMs?: number }) => Promise<ImageEngine>;
    const engine = () => connect(parseHost(suite.svc.dockerHost, 'the test harness'), { idleMs: 5_000 });
    let injected = false;
    const progress = (m: string): void => {
      if (!injected && m.startsWith('Pushing')) {
        injected = true;
        s.proxy.set({ stall: { direction: 'down', afterBytes: 0, times: Number.MAX_SAFE_INTEGER } });
        s.proxy.dropAll();
        tally('fault', what);
        // Connections opened from now on for 4 s (the engine's push) stay stalled for good; the
        // tool's read-back after the engine gives up opens a fresh one and gets through.
        setTimeout(() => s.proxy.set({}), 4_000);
      }
    };
    const started = Date.now();
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: s.buildTag }, target: env(cfg, 'development') },
      { ...core.services, engine },
      environmentFor(new ScriptedPrompts(), { progress }),
    );
    const ms = Date.now() - started;
    assert.ok(injected);
    assert.notEqual(outcome.status, 'succeeded', outcome.message);
    assert.ok(ms < 40_000, `the stalled push ended after ${ms} ms`);
    await expectKept(what, outcome, s.target, s.old, s.build);
  });

  for (const transport of ['engine', 'registry'] as const) {
    it(`${transport}: two 503 answers with Retry-After after the confirmation`, async () => {
      const what = `${transport}: two 503 answers after the confirmation`;
      const s = await scene();
      const next = (): FaultPlan => {
        const from = s.proxy.stats.connections + 1;
        return { answer: { status: 503, headers: { 'Retry-After': '1' }, body: 'busy', connections: { from, to: from + 1 } } };
      };
      const outcome = await promoteUnder(s, transport, 'confirm', next, what);
      assert.ok(s.proxy.stats.answered >= 1, `a 503 was answered (${JSON.stringify(s.proxy.stats)}); log:\n${outcome.message}`);
      await expectKept(what, outcome, s.target, s.old, s.build);
    });

    it(`${transport}: a registry that answers 500 to everything after the confirmation`, async () => {
      const what = `${transport}: 500 to every request after the confirmation`;
      const s = await scene();
      const outcome = await promoteUnder(s, transport, 'confirm', { answer: { status: 500, body: 'internal error' } }, what);
      assert.notEqual(outcome.status, 'succeeded', outcome.message);
      await expectKept(what, outcome, s.target, s.old, s.build);
    });

    it(`${transport}: a registry that accepts connections and never answers, after the confirmation`, async function () {
      this.timeout(60_000);
      const what = `${transport}: registry hangs after the confirmation`;
      const s = await scene();
      const started = Date.now();
      // The engine path ends only through the engine's idle timeout (promotion flow's work).
      const outcome = await promoteUnder(s, transport, 'confirm', { stall: { direction: 'down', afterBytes: 0, times: Number.MAX_SAFE_INTEGER } }, what);
      assert.notEqual(outcome.status, 'succeeded', outcome.message);
      assert.ok(Date.now() - started < 45_000, `a hanging registry must end the promotion within a bounded time (took ${Date.now() - started} ms)`);
      await expectKept(what, outcome, s.target, s.old, s.build);
    });
  }
});
