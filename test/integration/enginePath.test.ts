// The engine path against the real engine and registry: the source's details come from the engine
// that holds it (and equal the registry's), and the target is read again before anything is written:
// beside the push when the engine holds the image (a push writes nothing until its manifest; a look
// that finds the target moved stops it — test/faults/races.test.ts), after the pull when it had to pull.
import * as assert from 'node:assert/strict';
import type { ImageEngine } from '../../src/engine/engine';
import { describeImage, REVISION_LABEL } from '../../src/images/imageDetails';
import { engineImageDetails } from '../../src/promotion/engineDetails';
import { promote } from '../../src/promotion/promote';
import type { RegistryClient } from '../../src/registry/registryClient';
import { digestOf, enginePull, engineRemoveImage, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { env, environmentFor, makeCore, ScriptedPrompts, threeEnvironments } from './support';

/** Both sides' calls in one timeline: `start`/`end` of each registry request and engine call. */
function timeline(): { events: string[]; registry(inner: RegistryClient): RegistryClient; engine(inner: ImageEngine): ImageEngine } {
  const events: string[] = [];
  const observe = <T extends object>(inner: T, side: string): T =>
    new Proxy(inner, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const what = `${side} ${String(name)} ${side === 'registry' ? `${(args[0] as { path: string }).path} ${String(args[1])}` : ''}`.trim();
          events.push(`start ${what}`);
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            events.push(`end ${what}`);
          }
        };
      },
    });
  return { events, registry: (inner) => observe(inner, 'registry'), engine: (inner) => observe(inner, 'engine') };
}

describe('the engine path (real engine and registry)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  it("describes a pulled image from the engine exactly as the registry's config does (labels, platform, revision, creation time)", async () => {
    const repo = uniqueRepo();
    const labels = { [REVISION_LABEL]: 'a1b2c3d4e5f6', 'org.example.team': 'shop' };
    // A fraction with a trailing zero: the engine prints the same instant as `.5Z`.
    const image = await pushImage(svc.registryUrl, repo, 'v1', {
      labels,
      created: '2026-11-30T12:34:56.500Z',
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    const core = makeCore(svc);
    const manifest = (await core.services.registry.getManifest({ registry: svc.registry, path: repo }, image.digest))!;
    const fromRegistry = await describeImage(core.services.registry, { registry: svc.registry, path: repo }, image.digest);

    const engine = await core.engine();
    assert.equal(await engine.inspectImage(`${svc.registry}/${repo}@${image.digest}`), undefined, 'not in the engine yet');
    await enginePull(svc.dockerHost, `${svc.registry}/${repo}@${image.digest}`);
    const held = await engine.inspectImage(`${svc.registry}/${repo}@${image.digest}`);
    assert.ok(held, 'the engine holds it after the pull');
    assert.ok(held.repoDigests.includes(`${svc.registry}/${repo}@${image.digest}`), held.repoDigests.join(', '));
    const fromEngine = engineImageDetails(held, manifest);
    assert.ok(fromEngine, `the engine's image ${held.id} is the manifest's config`);
    const { created: engineCreated, ...engineRest } = fromEngine;
    const { created: registryCreated, ...registryRest } = fromRegistry;
    assert.deepEqual(engineRest, registryRest);
    assert.deepEqual(fromEngine.platforms, ['linux/arm64/v8']);
    assert.equal(fromEngine.revision, 'a1b2c3d4e5f6');
    assert.equal(Date.parse(engineCreated!), Date.parse(registryCreated!), `${engineCreated} and ${registryCreated} are one instant`);
  });

  it('an image already in the engine: the target is read again beside the push (asked before it starts), and verified after it', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'fff6666');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
    await enginePull(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`);
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const core = makeCore(svc, { transport: 'engine' });
    const t = timeline();
    const outcome = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
      { ...core.services, registry: t.registry(core.services.registry), engine: async () => t.engine(await core.engine()) },
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.transport, 'engine');
    assert.equal(await digestOf(svc.registryUrl, repo, 'production'), build.digest);
    const e = t.events;
    const target = `registry resolve ${repo} production`;
    const pushStarted = e.indexOf('start engine push');
    assert.ok(pushStarted > 0, e.join('\n'));
    // Which of the look's answer and the push's start comes first is the engine's and the registry's
    // timing (under load either): the look is asked after the first one answered, and before the push.
    const firstRead = e.indexOf(`end ${target}`);
    const reread = e.indexOf(`start ${target}`, firstRead);
    assert.ok(
      firstRead > 0 && reread > firstRead && reread < pushStarted,
      `the target is read again after the first look, asked before the push:\n${e.join('\n')}`,
    );
    const pushEnded = e.indexOf('end engine push');
    assert.ok(e.indexOf(`end ${target}`, reread) > reread, 'the look answered');
    assert.ok(e.indexOf(`start ${target}`, pushEnded) > pushEnded, `and verified after the push:\n${e.join('\n')}`);
    assert.ok(!e.some((x) => x.startsWith('start registry getBlob')), `no config read:\n${e.join('\n')}`);
    assert.ok(!e.includes('start engine pull'), 'no pull');
  });

  it('an image the engine no longer holds when it tags: the target is read again after the pull, before the push', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'aaa7777');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await enginePull(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`);
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const core = makeCore(svc, { transport: 'engine' });
    const t = timeline();
    // The gates see the image in the engine; someone removes it while the confirmation is open.
    const prompts = new ScriptedPrompts({ onConfirm: () => engineRemoveImage(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`) });
    const outcome = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
      { ...core.services, registry: t.registry(core.services.registry), engine: async () => t.engine(await core.engine()) },
      environmentFor(prompts),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), build.digest);
    const e = t.events;
    const pullEnded = e.indexOf('end engine pull');
    const pushStarted = e.indexOf('start engine push');
    assert.ok(pullEnded > 0 && pushStarted > pullEnded, e.join('\n'));
    const target = `registry resolve ${repo} staging`;
    const reread = e.indexOf(`start ${target}`, pullEnded);
    assert.ok(
      reread > pullEnded && e.indexOf(`end ${target}`, reread) < pushStarted,
      `the target is read again after the pull, before the push:\n${e.join('\n')}`,
    );
  });
});
