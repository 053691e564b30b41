// What runs and the redeploy against the harness's real dockerd, with real running containers of an
// image that runs (a tiny root file system, --network none or the host's network), pulled from a real
// registry: the row's words when the tag moved and the containers did not, and a promotion that
// recreates them (same name, env, mounts, labels, restart policy) and waits until they run it.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentDescriptionParts, environmentState } from '../../src/app/statusText';
import { connectDockerode } from '../../src/engine/dockerodeEngine';
import type { ContainerEngine } from '../../src/engine/engine';
import { parseHost } from '../../src/engine/engineAddress';
import { glanceOf } from '../../src/model/glance';
import { takeSnapshot } from '../../src/model/snapshot';
import { promote, type PromotionRequest } from '../../src/promotion/promote';
import { digestOf, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { rollbackAfterFailedVerification } from '../../src/app/verifyRollback';
import { startVersionServer } from '../harness/versionServer';
import { startWebhookReceiver } from '../harness/webhookReceiver';
import { containersWith, digestsRunBy, inspectContainer, pushRunnableImage, removeContainersWith, runContainer } from '../harness/containers';
import { config, env, environmentFor, makeCore, ScriptedPrompts } from './support';
import { promoteIntoStaging, snapshotServicesWithRuntime, withRuntime } from './runtimeSupport';

/** Every engine call in order, so a test can check what happened before what. */
export function observed(inner: ContainerEngine, events: string[]): ContainerEngine {
  return new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        events.push(
          `${String(name)} ${typeof args[0] === 'string' ? args[0].slice(0, 12) : ''}${name === 'createContainer' ? ` -> ${String(result).slice(0, 12)}` : ''}`.trim(),
        );
        return result;
      };
    },
  });
}

function yaml(repo: string, app: string, staging: string[]): string {
  return [
    `image: ${repo}`,
    'environments:',
    '  - name: development',
    '    tag: dev',
    '  - name: staging',
    '    tag: staging',
    ...staging.map((l) => `    ${l}`),
    '',
  ]
    .join('\n')
    .replace(/APP/g, app);
}

describe('what runs and the redeploy (real engine, real containers)', function () {
  this.timeout(180_000);
  let svc: TestServices;
  const apps: string[] = [];
  before(async () => {
    svc = await sharedServices();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await removeContainersWith(svc.dockerHost, { 'imgpromo.test': app });
  });

  async function twoBuilds(repo: string): Promise<{ a: string; b: string; aRef: string }> {
    const a = await pushRunnableImage(svc.registryUrl, repo, 'staging', { labels: { 'org.example.build': 'a' } });
    const b = await pushRunnableImage(svc.registryUrl, repo, 'dev', { labels: { 'org.example.build': 'b' }, env: ['PATH=/bin', 'BUILD=b'] });
    return { a: a.digest, b: b.digest, aRef: a.reference };
  }

  it('a tag moved without a redeploy: the row says what runs, a state of its own in the glance and status', async () => {
    const repo = `${svc.registry}/${uniqueRepo('shop')}`;
    const app = `shop-${Date.now()}`;
    apps.push(app);
    const { a, b, aRef } = await twoBuilds(repo.slice(svc.registry.length + 1));
    for (const n of [1, 2, 3]) await runContainer(svc.dockerHost, { name: `${app}-${n}`, image: aRef, labels: { 'imgpromo.test': app } });
    const cfg = config(yaml(repo, app, ['runs:', '  docker: { labels: { imgpromo.test: APP } }']));
    const services = snapshotServicesWithRuntime(svc);

    const before = (await takeSnapshot(cfg, services)).environments[1]!;
    assert.notEqual(environmentState(before), 'not-redeployed');
    assert.match(environmentDescriptionParts(before).join(' · '), new RegExp(`^staging · ${a.slice(0, 19)} · runs ${a.slice(0, 19)} \\(3/3\\)`));

    // CI moves :staging to build b; nothing recreates the containers.
    await tagExisting(svc.registryUrl, repo.slice(svc.registry.length + 1), b, 'staging');
    const snapshot = await takeSnapshot(cfg, services);
    const row = snapshot.environments[1]!;
    assert.equal(environmentState(row), 'not-redeployed');
    assert.equal(
      environmentDescriptionParts(row).join(' · '),
      `staging · tag ${b.slice(0, 19)} · runs ${a.slice(0, 19)} on 3 of 3 — not redeployed · in step with development`,
    );
    const glance = glanceOf(snapshot)!;
    assert.equal(glance.last.state, 'not-redeployed');
    assert.deepEqual(
      glance.attention.map((g) => g.environment),
      ['staging'],
    );
    // No container left: nothing runs, which is a disagreement with the tag too.
    await removeContainersWith(svc.dockerHost, { 'imgpromo.test': app });
    const none = (await takeSnapshot(cfg, services)).environments[1]!;
    assert.equal(environmentState(none), 'not-running');
    assert.match(environmentDescriptionParts(none).join(' · '), /nothing runs/);
  });

  it('promoting recreates the containers with the new digest and their own configuration, each new one running before the old one goes', async () => {
    const path = uniqueRepo('shop');
    const repo = `${svc.registry}/${path}`;
    const app = `shop-${Date.now()}`;
    apps.push(app);
    const { a, b, aRef } = await twoBuilds(path);
    const data = mkdtempSync(join(tmpdir(), 'imgpromo-test-mount-'));
    writeFileSync(join(data, 'settings'), 'x=1\n');
    for (const n of [1, 2])
      await runContainer(svc.dockerHost, {
        name: `${app}-${n}`,
        image: aRef,
        labels: { 'imgpromo.test': app, 'com.example.role': 'web' },
        env: [`INSTANCE=${n}`, 'GREETING=hello world'],
        restart: 'unless-stopped',
        binds: [`${data}:/data:ro`],
      });
    const events: string[] = [];
    const cfg = config(yaml(repo, app, ['runs:', '  docker: { labels: { imgpromo.test: APP } }', 'deploy:', '  docker: {}', '  within: 1m']));
    const core = makeCore(svc);
    const runtime = withRuntime(core, svc, async () => observed(await connectDockerode(parseHost(svc.dockerHost, 'test')), events));
    const progress: string[] = [];
    const outcome = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
      { ...core.services, runtime },
      environmentFor(new ScriptedPrompts(), { progress: (m) => progress.push(m) }),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.verification?.status, 'passed');
    const deploy = outcome.verification!.gates[0]!;
    assert.equal(deploy.type, 'deploy');
    assert.match(deploy.reason, new RegExp(`recreated ${app}-1, ${app}-2 with ${b.slice(0, 19)}.*; ${b.slice(0, 19)} runs on 2 of 2`));
    assert.ok(
      progress.some((p) => /Redeploying: recreating/.test(p)),
      progress.join('\n'),
    );

    const after = await containersWith(svc.dockerHost, { 'imgpromo.test': app });
    assert.deepEqual(
      after.map((c) => [c.name, c.state]),
      [
        [`${app}-1`, 'running'],
        [`${app}-2`, 'running'],
      ],
    );
    for (const [i, c] of after.entries()) {
      assert.deepEqual(await digestsRunBy(svc.dockerHost, c), [b]);
      const info = (await inspectContainer(svc.dockerHost, c.id))!;
      // The person's configuration stays; what came from the old image's defaults gives way to the new image's.
      assert.ok(info.Config.Env.includes(`INSTANCE=${i + 1}`) && info.Config.Env.includes('GREETING=hello world'), info.Config.Env.join(' '));
      assert.ok(info.Config.Env.includes('BUILD=b') && !info.Config.Env.includes('BUILD=test'), info.Config.Env.join(' '));
      assert.equal(info.Config.Labels['com.example.role'], 'web');
      assert.equal(info.Config.Labels['org.example.build'], 'b', 'the new image label, not the old one');
      assert.equal(info.HostConfig.RestartPolicy.Name, 'unless-stopped');
      assert.deepEqual(info.HostConfig.Binds, [`${data}:/data:ro`]);
      assert.equal(info.HostConfig.NetworkMode, 'none');
    }
    // One at a time; each new container started (and seen running) before its old one stopped and was removed.
    const order = events.filter((e) => /^(createContainer|startContainer|stopContainer|removeContainer|renameContainer)/.test(e));
    assert.equal(order.length, 10, order.join('\n'));
    for (const at of [0, 5]) {
      assert.match(order[at]!, /^createContainer .* -> (\w+)/);
      const created = /-> (\w+)/.exec(order[at]!)![1]!;
      assert.deepEqual(
        order.slice(at + 1, at + 5).map((e) => e.split(' ')[0]),
        ['startContainer', 'stopContainer', 'removeContainer', 'renameContainer'],
      );
      assert.equal(order[at + 1], `startContainer ${created}`);
      assert.notEqual(order[at + 2], `stopContainer ${created}`);
    }
    assert.ok(a !== b);
  });

  it('a container on the host network is stopped before its replacement starts, and the person is told', async () => {
    const path = uniqueRepo('shop');
    const repo = `${svc.registry}/${path}`;
    const app = `shop-${Date.now()}`;
    apps.push(app);
    const { b, aRef } = await twoBuilds(path);
    await runContainer(svc.dockerHost, { name: `${app}-1`, image: aRef, labels: { 'imgpromo.test': app }, network: 'host' });
    const cfg = config(yaml(repo, app, ['runs:', '  docker: { labels: { imgpromo.test: APP } }', 'deploy:', '  docker: {}', '  within: 1m']));
    const outcome = await promoteIntoStaging(svc, cfg);
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.match(outcome.verification!.gates[0]!.reason, new RegExp(`${app}-1 was stopped before its replacement started, since it uses the host network`));
    const after = await containersWith(svc.dockerHost, { 'imgpromo.test': app });
    assert.deepEqual(
      after.map((c) => [c.name, c.state]),
      [[`${app}-1`, 'running']],
    );
    assert.deepEqual(await digestsRunBy(svc.dockerHost, after[0]!), [b]);
    assert.equal((await inspectContainer(svc.dockerHost, after[0]!.id))!.HostConfig.NetworkMode, 'host');
  });

  it('a redeploy that never lands fails the promotion as a failed verification, and onVerifyFailure: rollback puts the old digest back', async () => {
    const path = uniqueRepo('shop');
    const repo = `${svc.registry}/${path}`;
    const app = `shop-${Date.now()}`;
    apps.push(app);
    const { a, b, aRef } = await twoBuilds(path);
    await runContainer(svc.dockerHost, { name: `${app}-1`, image: aRef, labels: { 'imgpromo.test': app } });
    // The redeploy command succeeds but changes nothing: the containers keep running build a.
    const cfg = config(
      yaml(repo, app, ['runs:', '  docker: { labels: { imgpromo.test: APP } }', 'deploy:', '  command: ["true"]', '  within: 3s', 'onVerifyFailure: rollback']),
    );
    const core = makeCore(svc);
    const runtime = withRuntime(core, svc, () => connectDockerode(parseHost(svc.dockerHost, 'test')));
    const services = { ...core.services, runtime };
    const request = { config: cfg, source: { kind: 'environment' as const, environment: env(cfg, 'development') }, target: env(cfg, 'staging') };
    const outcome = await promote(request, services, environmentFor(new ScriptedPrompts()));
    assert.equal(outcome.status, 'failed', outcome.message);
    assert.equal(outcome.finalDigest, b, 'the move itself happened');
    assert.equal(outcome.verification?.status, 'failed');
    assert.equal(outcome.verification?.onFailure, 'rollback');
    assert.match(
      outcome.message,
      new RegExp(`redeploy \\(run true\\): true exited 0.*not everywhere within 3s: ${b.slice(0, 19)} runs on 0 of 1; ${a.slice(0, 19)} on 1`),
    );

    // What runPromotion does next (app/verifyRollback.ts): the rollback, itself redeployed and waited for.
    const run = async (r: PromotionRequest, e: Partial<Parameters<typeof promote>[2]>) => ({
      // The history saw staging hold build a before (what runPromotion reads from the history file).
      outcome: await promote(r, services, {
        ...environmentFor(new ScriptedPrompts()),
        history: { arrivedAt: () => undefined, heldAt: (_, d) => (d === a ? 1 : undefined) },
        ...e,
      }),
      notifications: Promise.resolve([]),
      registryRecords: Promise.resolve([]),
    });
    const after = await rollbackAfterFailedVerification(run, request, outcome, { ...environmentFor(new ScriptedPrompts()), workspaceDir: process.cwd() });
    assert.equal(after.outcome.verification?.rollback?.status, 'succeeded', after.outcome.message);
    assert.equal(await digestOf(svc.registryUrl, path, 'staging'), a);
    const rolledBack = after.rollback!.outcome;
    assert.equal(rolledBack.verification?.gates[0]?.type, 'deploy');
    assert.match(rolledBack.verification!.gates[0]!.reason, new RegExp(`${a.slice(0, 19)} runs on 1 of 1`));
  });

  it('deploy: webhook, then runs: http until the version endpoint reports the new digest', async () => {
    const path = uniqueRepo('shop');
    const repo = `${svc.registry}/${path}`;
    const { a, b } = await twoBuilds(path);
    const version = await startVersionServer(JSON.stringify({ name: 'shop', image: { digest: a } }));
    const receiver = await startWebhookReceiver();
    try {
      // The service rolls out a moment after the deploy hook was called.
      void receiver
        .waitFor(1, 60_000)
        .then(() => setTimeout(() => version.answer(() => JSON.stringify({ name: 'shop', image: { digest: `${repo}@${b}` } })), 1_500));
      const cfg = config(
        yaml(repo, 'unused', [
          'runs:',
          `  http: { url: "${version.url}/version", jsonPath: $.image.digest }`,
          'deploy:',
          '  webhook:',
          `    url: "${receiver.url}/ok/\${environment}?digest=\${digest}"`,
          '  within: 30s',
        ]),
      );
      const outcome = await promoteIntoStaging(svc, cfg);
      assert.equal(outcome.status, 'succeeded', outcome.message);
      assert.equal(receiver.received.length, 1, 'one request, never retried');
      assert.equal(receiver.received[0]!.path, `/ok/staging?digest=${b}`);
      assert.match(
        outcome.verification!.gates[0]!.reason,
        new RegExp(`the deploy webhook: POST .*answered 200.*; ${b.slice(0, 19)} runs on 1 of 1 \\(${version.url}/version\\)`),
      );
      assert.ok(version.requests() >= 1);
    } finally {
      await version.stop();
      await receiver.stop();
    }
  });

  it("the engine's container calls: all labels must match, stopping a stopped container is no error, a removed one inspects as undefined", async () => {
    const path = uniqueRepo('shop');
    const app = `shop-${Date.now()}`;
    apps.push(app);
    const { aRef } = await twoBuilds(path);
    const one = await runContainer(svc.dockerHost, { name: `${app}-1`, image: aRef, labels: { 'imgpromo.test': app, tier: 'web' } });
    await runContainer(svc.dockerHost, { name: `${app}-2`, image: aRef, labels: { 'imgpromo.test': app, tier: 'worker' } });
    const engine = await connectDockerode(parseHost(svc.dockerHost, 'test'));
    assert.deepEqual(
      (await engine.listContainers({ 'imgpromo.test': app, tier: 'web' })).map((c) => [c.name, c.state]),
      [[`${app}-1`, 'running']],
    );
    await engine.stopContainer(one);
    await engine.stopContainer(one);
    const stopped = (await engine.inspectContainer(one))!;
    assert.equal(stopped.running, false);
    assert.equal(stopped.exitCode, 137, "SIGKILL, the image's StopSignal");
    await engine.removeContainer(one);
    assert.equal(await engine.inspectContainer(one), undefined);
  });
});
