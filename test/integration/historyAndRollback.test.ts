// Gates that read the world and the history, and rollback, through the real core, engine and
// registry: soak blocks then passes, an http gate checks the digest a service reports, a rollback
// restores the earlier digest and is recorded, an override is recorded.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import { arrivals } from '../../src/history/queries';
import { historyRecordFor } from '../../src/promotion/historyEntry';
import { promote, type PromotionRequest } from '../../src/promotion/promote';
import { digestOf, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { config, env, environmentFor, makeCore, MemoryLog, ScriptedPrompts } from './support';
import { commandGate, promotionYaml } from '../fixtures/promotionYaml';

const who = { name: 'Ada Tester', email: 'ada@example.com', user: 'ada' };

describe('gates that read the world and the history; rollback', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let dir: string;
  let store: HistoryStore;

  before(async () => {
    svc = await sharedServices();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-history-'));
    store = new HistoryStore(join(dir, '.promotion', 'history.jsonl'), new MemoryLog());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Promotes as the extension does: history in, the attempt recorded afterwards. */
  async function promoteRecorded(request: PromotionRequest, prompts = new ScriptedPrompts()) {
    const history = arrivals((await store.read()).records);
    const outcome = await promote(request, makeCore(svc).services, environmentFor(prompts, { history, workspaceDir: dir }));
    await store.append(historyRecordFor(request, outcome, who));
    return outcome;
  }

  it('a soak gate blocks until the digest has been in the environment before long enough', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, '50a1c00');
    const cfg = config(
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: ['{ type: soak, duration: 2s }'] },
      ]),
    );
    assert.equal((await promoteRecorded({ config: cfg, source: { kind: 'build', tag: '50a1c00' }, target: env(cfg, 'development') })).status, 'succeeded');
    const early = await promoteRecorded({ config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') });
    assert.equal(early.status, 'blocked');
    assert.match(early.message, /soak 2s: sha256:\w{12} has been in development for \d+s .*it needs 2s/);
    await new Promise((r) => setTimeout(r, 2100));
    const later = await promoteRecorded({ config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') });
    assert.equal(later.status, 'succeeded', later.message);
    const { records } = await store.read();
    assert.deepEqual(
      records.map((r) => [r.target.environment, r.outcome]),
      [
        ['development', 'succeeded'],
        ['staging', 'blocked'],
        ['staging', 'succeeded'],
      ],
    );
    assert.equal(records[1]!.gates.find((g) => g.type === 'soak')?.status, 'failed', 'the gate result is kept in the history');
  });

  it('an http gate checks that the running service reports the digest about to be promoted', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'ab12cd3');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    let reported = 'sha256:old';
    const server: Server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ service: 'shop', image: { digest: reported } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const cfg = config(`
image: ${svc.registry}/${repo}
environments:
  - name: development
    tag: dev
  - name: staging
    tag: staging
    gates:
      - type: http
        name: dev reports the digest
        url: http://127.0.0.1:${port}/version
        body:
          jsonPath: $.image.digest
          equals: \${digest}
`);
      const request: PromotionRequest = { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') };
      const blocked = await promoteRecorded(request);
      assert.equal(blocked.status, 'blocked');
      assert.match(blocked.message, /dev reports the digest: .*sha256:old/);
      reported = build.digest;
      const passed = await promoteRecorded(request);
      assert.equal(passed.status, 'succeeded', passed.message);
      assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), build.digest);
    } finally {
      server.close();
    }
  });

  it('rollback puts back the digest the environment held before, and the history records it', async () => {
    const repo = uniqueRepo();
    const first = await pushImage(svc.registryUrl, repo, '1111aaa', { created: '2026-05-01T00:00:00Z' });
    const second = await pushImage(svc.registryUrl, repo, '2222bbb', { created: '2026-05-02T00:00:00Z' });
    const cfg = config(
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: [commandGate('smoke', ['sh', '-c', 'exit 3'])] },
      ]),
    );
    const dev = env(cfg, 'development');
    assert.equal((await promoteRecorded({ config: cfg, source: { kind: 'build', tag: '1111aaa' }, target: dev })).status, 'succeeded');
    assert.equal((await promoteRecorded({ config: cfg, source: { kind: 'build', tag: '2222bbb' }, target: dev })).status, 'succeeded');
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), second.digest);

    const rollback = await promoteRecorded({
      config: cfg,
      mode: 'rollback',
      source: { kind: 'digest', digest: first.digest, repository: dev.repository, label: 'earlier' },
      target: dev,
    });
    assert.equal(rollback.status, 'succeeded', rollback.message);
    assert.match(rollback.message, /development rolled back to sha256:/);
    assert.equal(rollback.gates.find((g) => g.name === 'held before')?.status, 'passed');
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), first.digest);
    const last = (await store.read()).records.at(-1)!;
    assert.equal(last.kind, 'rollback');
    assert.equal(last.digest, first.digest);
    assert.equal(last.previousDigest, second.digest);
    assert.deepEqual(last.who, who);
  });

  it('a rollback refuses a digest the environment never held, and an override of failing gates is recorded', async () => {
    const repo = uniqueRepo();
    const good = await pushImage(svc.registryUrl, repo, '3333ccc');
    const bad = await pushImage(svc.registryUrl, repo, '4444ddd');
    const stranger = await pushImage(svc.registryUrl, repo, '5555eee');
    const cfg = config(
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: [commandGate('smoke', ['sh', '-c', 'echo staging smoke is red >&2; exit 3'])] },
      ]),
    );
    const staging = env(cfg, 'staging');
    // staging held `good` by a recorded promotion, then `bad` arrived (the smoke test is red now).
    await tagExisting(svc.registryUrl, repo, good.digest, 'dev');
    // The smoke test was green then: these two promotions ran without it.
    const passing = { ...staging, gates: [] };
    assert.equal(
      (await promoteRecorded({ config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: passing })).status,
      'succeeded',
    );
    await tagExisting(svc.registryUrl, repo, bad.digest, 'dev');
    assert.equal(
      (await promoteRecorded({ config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: passing })).status,
      'succeeded',
    );

    const never = await promoteRecorded({
      config: cfg,
      mode: 'rollback',
      source: { kind: 'digest', digest: stranger.digest, repository: staging.repository, label: 'x' },
      target: staging,
    });
    assert.equal(never.status, 'blocked');
    assert.match(never.message, /no record of staging holding/);

    const gated = await promoteRecorded({
      config: cfg,
      mode: 'rollback',
      source: { kind: 'digest', digest: good.digest, repository: staging.repository, label: 'earlier' },
      target: staging,
    });
    assert.equal(gated.status, 'blocked', 'without an override the gates of staging still run');
    assert.match(gated.message, /smoke: exited with code 3/);

    const prompts = new ScriptedPrompts();
    const overridden = await promoteRecorded(
      {
        config: cfg,
        mode: 'rollback',
        overrideGates: true,
        source: { kind: 'digest', digest: good.digest, repository: staging.repository, label: 'earlier' },
        target: staging,
      },
      prompts,
    );
    assert.equal(overridden.status, 'succeeded', overridden.message);
    assert.equal(prompts.confirmations[0]!.requireTypedName, true, 'an override needs the name typed');
    assert.deepEqual(prompts.confirmations[0]!.overriddenGates, ['smoke']);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), good.digest);
    const last = (await store.read()).records.at(-1)!;
    assert.deepEqual(last.override, { by: 'Ada Tester <ada@example.com>', gates: ['smoke'] });
    assert.equal(last.gates.find((g) => g.name === 'smoke')?.reason, 'not run: overridden for this rollback (the environment name must be typed)');
  });
});
