// Promotion end to end through a real Docker engine and real registries. Every digest is checked
// independently of the code under test: the registry's Docker-Content-Digest over plain HTTP and skopeo.
import * as assert from 'node:assert/strict';
import { promote } from '../../src/promotion/promote';
import { TargetLocks } from '../../src/promotion/targetLocks';
import { takeSnapshot } from '../../src/model/snapshot';
import { digestOf, pushImage, pushIndex, sharedServices, skopeoDigest, startRegistry, uniqueRepo, unreachableEngine, type TestServices } from '../harness';
import { commandGate } from '../fixtures/promotionYaml';
import { env, environmentFor, makeCore as makeAnyCore, ScriptedPrompts, threeEnvironments } from './support';

/** This file is about the engine path: the transport is forced to it. */
const makeCore: typeof makeAnyCore = (svc, options = {}) => makeAnyCore(svc, { transport: 'engine', ...options });

describe('promotion through the Docker engine (real engine and registry)', function () {
  this.timeout(120_000);
  let svc: TestServices;

  before(async () => {
    svc = await sharedServices();
    // The credential helper of the auth registry must be on PATH, as it would be for a user.
    process.env['PATH'] = `${svc.credBin}:${process.env['PATH']}`;
  });

  it('promotes one build dev → staging → production, keeping the digest, and the snapshot shows it', async () => {
    const repo = uniqueRepo();
    const image = `${svc.registry}/${repo}`;
    const older = await pushImage(svc.registryUrl, repo, 'a1b2c3d', {
      created: '2026-01-01T00:00:00Z',
      labels: { 'org.opencontainers.image.revision': 'a1b2c3d' },
    });
    const build = await pushImage(svc.registryUrl, repo, 'f00ba47', { created: '2026-02-01T00:00:00Z' });
    const cfg = threeEnvironments(image);
    const core = makeCore(svc);

    const before = await takeSnapshot(cfg, core.snapshotServices);
    assert.deepEqual(
      before.environments.map((r) => r.lookup.state),
      ['absent', 'absent', 'absent'],
      'a tag that does not exist is empty, not an error',
    );
    assert.equal(before.builds.state, 'ok');
    assert.deepEqual(
      before.builds.state === 'ok' && before.builds.rows.map((b) => [b.tag, b.digest]),
      [
        ['f00ba47', build.digest],
        ['a1b2c3d', older.digest],
      ],
      'builds newest first with their registry digests',
    );

    const prompts = new ScriptedPrompts();
    const intoDev = await promote(
      { config: cfg, source: { kind: 'build', tag: 'f00ba47' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(prompts),
    );
    assert.equal(intoDev.status, 'succeeded', intoDev.message);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), build.digest);
    assert.match(core.log.text(), /engine: pull /, 'the engine did not have the build, so it was pulled');

    const intoStaging = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
      core.services,
      environmentFor(prompts),
    );
    assert.equal(intoStaging.status, 'succeeded', intoStaging.message);
    assert.match(core.log.text(), /is already present, no pull/);

    const intoProduction = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
      core.services,
      environmentFor(prompts),
    );
    assert.equal(intoProduction.status, 'succeeded', intoProduction.message);
    assert.equal(prompts.confirmations.at(-1)?.requireTypedName, true, 'production is protected: the person types its name');
    assert.equal(prompts.confirmations.at(-1)?.digest, build.digest);

    for (const tag of ['dev', 'staging', 'production']) {
      assert.equal(await digestOf(svc.registryUrl, repo, tag), build.digest, `${tag} over HTTP`);
      assert.equal(await skopeoDigest(`${image}:${tag}`), build.digest, `${tag} by skopeo`);
    }
    const after = await takeSnapshot(cfg, core.snapshotServices);
    assert.deepEqual(
      after.environments.map((r) => [r.lookup.state === 'present' && r.lookup.digest, r.relation]),
      [
        [build.digest, 'first'],
        [build.digest, 'in-step'],
        [build.digest, 'in-step'],
      ],
    );
    assert.deepEqual(after.builds.state === 'ok' && after.builds.rows[0]?.heldBy, ['development', 'staging', 'production']);
  });

  it('a failing command gate stops the promotion and leaves the target untouched', async () => {
    const repo = uniqueRepo();
    const first = await pushImage(svc.registryUrl, repo, '1111111');
    const second = await pushImage(svc.registryUrl, repo, '2222222');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`, { staging: [commandGate('smoke test', ['sh', '-c', 'echo smoke failed: 503 >&2; exit 4'])] });
    const core = makeCore(svc);
    const prompts = new ScriptedPrompts();
    // staging holds the first build (written registry-side, as another pipeline would), dev the second.
    const { tagExisting } = await import('../harness');
    await tagExisting(svc.registryUrl, repo, first.digest, 'staging');
    await tagExisting(svc.registryUrl, repo, second.digest, 'dev');

    const outcome = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
      core.services,
      environmentFor(prompts),
    );
    assert.equal(outcome.status, 'blocked');
    assert.match(outcome.message, /smoke test: exited with code 4 after [\d.]+ s: smoke failed: 503/);
    assert.equal(prompts.confirmations.length, 0, 'nobody is asked to confirm a blocked promotion');
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), first.digest);
  });

  it('refuses a digest that skipped a stage', async () => {
    const repo = uniqueRepo();
    const { tagExisting } = await import('../harness');
    const old = await pushImage(svc.registryUrl, repo, '3333333');
    const fresh = await pushImage(svc.registryUrl, repo, '4444444');
    await tagExisting(svc.registryUrl, repo, old.digest, 'staging');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const core = makeCore(svc);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '4444444' }, target: env(cfg, 'production') },
      core.services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'blocked');
    assert.match(outcome.message, /promotion order: production takes only what staging holds now/);
    assert.equal(outcome.gates.find((g) => g.name === 'promotion order')?.status, 'failed');
    assert.equal(await digestOf(svc.registryUrl, repo, 'production'), undefined);
    assert.notEqual(fresh.digest, old.digest);
  });

  it('an engine that is down blocks the promotion with its address, before anyone confirms', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, '5555555');
    const down = await unreachableEngine('unix-missing');
    try {
      const cfg = threeEnvironments(`${svc.registry}/${repo}`);
      const core = makeCore(svc, { dockerHost: down.host });
      const prompts = new ScriptedPrompts();
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: '5555555' }, target: env(cfg, 'development') },
        core.services,
        environmentFor(prompts),
      );
      assert.equal(outcome.status, 'blocked');
      assert.ok(outcome.message.includes(`cannot reach the Docker engine at ${down.host}`), outcome.message);
      assert.equal(prompts.confirmations.length, 0);
      assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), undefined);
    } finally {
      await down.dispose();
    }
  });

  it('a push that fails inside the 200 stream (read-only registry) is a failure and leaves the target as it was', async () => {
    const registry = await startRegistry();
    try {
      const repo = uniqueRepo();
      const image = `${registry.host}/${repo}`;
      const { tagExisting } = await import('../harness');
      const old = await pushImage(registry.url, repo, '6666666');
      const build = await pushImage(registry.url, repo, '7777777');
      await tagExisting(registry.url, repo, old.digest, 'dev');
      const cfg = threeEnvironments(image);
      const core = makeCore(svc);
      await registry.restart({ readOnly: true });
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: '7777777' }, target: env(cfg, 'development') },
        core.services,
        environmentFor(new ScriptedPrompts()),
      );
      assert.equal(outcome.status, 'failed', outcome.message);
      assert.match(outcome.message, /push of .*:dev failed/);
      assert.match(outcome.message, /development still holds sha256:/);
      assert.equal(await digestOf(registry.url, repo, 'dev'), old.digest);
      assert.equal(outcome.finalDigest, old.digest);
      assert.notEqual(build.digest, old.digest);
    } finally {
      await registry.stop();
    }
  });

  it('refuses a multi-platform index, naming its platforms, and pushes nothing', async () => {
    const repo = uniqueRepo();
    const index = await pushIndex(
      svc.registryUrl,
      repo,
      '8888888',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      { kind: 'oci' },
    );
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const core = makeCore(svc);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '8888888' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'blocked');
    assert.match(outcome.message, /multi-platform image \(OCI image index \(multi-platform\), 2 platforms: linux\/amd64, linux\/arm64\/v8\)/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), undefined);
    assert.equal(await skopeoDigest(`${svc.registry}/${repo}:8888888`), index.digest, 'the source is untouched');
  });

  it('refuses a single-platform OCI manifest, which the engine would push under another digest', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, '9999999', { mediaType: 'oci' });
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '9999999' }, target: env(cfg, 'development') },
      makeCore(svc).services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'blocked');
    assert.match(outcome.message, /OCI image manifest; the Docker engine would push it as a Docker manifest.*set it to "auto" or "registry"/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), undefined);
  });

  it('pulls and pushes with credentials from a credential helper (htpasswd registry)', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.authRegistryUrl, repo, 'abcdef1', { auth: svc.auth });
    const cfg = threeEnvironments(`${svc.authRegistry}/${repo}`);
    const core = makeCore(svc);
    const snapshot = await takeSnapshot(cfg, core.snapshotServices);
    assert.equal(snapshot.builds.state === 'ok' && snapshot.builds.rows[0]?.digest, build.digest);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: 'abcdef1' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(await digestOf(svc.authRegistryUrl, repo, 'dev', svc.auth), build.digest);
    assert.ok(!core.log.text().includes(svc.auth.password), 'the password never reaches the log');
  });

  it('without credentials the tree says the registry needs them, and nothing is promoted', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.authRegistryUrl, repo, 'abcdef2', { auth: svc.auth });
    const cfg = threeEnvironments(`${svc.authRegistry}/${repo}`);
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const emptyConfig = mkdtempSync(`${tmpdir()}/imgpromo-empty-config-`);
    try {
      const core = makeCore(svc, { dockerConfig: emptyConfig });
      const snapshot = await takeSnapshot(cfg, core.snapshotServices);
      const dev = snapshot.environments[0]!.lookup;
      assert.equal(dev.state, 'error');
      assert.equal(dev.state === 'error' && dev.error.kind, 'unauthorized');
      assert.match(dev.state === 'error' ? dev.error.message : '', /requires credentials and none were found/);
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: 'abcdef2' }, target: env(cfg, 'development') },
        core.services,
        environmentFor(new ScriptedPrompts()),
      );
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message, /requires credentials and none were found. Run "docker login/);
      assert.equal(await digestOf(svc.authRegistryUrl, repo, 'dev', svc.auth), undefined);
    } finally {
      rmSync(emptyConfig, { recursive: true, force: true });
    }
  });

  it('asks again when the target moved since it was shown, and leaves it alone when told no', async () => {
    const repo = uniqueRepo();
    const { tagExisting } = await import('../harness');
    const shown = await pushImage(svc.registryUrl, repo, 'aaaaaaa');
    const movedTo = await pushImage(svc.registryUrl, repo, 'bbbbbbb');
    await pushImage(svc.registryUrl, repo, 'ccccccc');
    await tagExisting(svc.registryUrl, repo, movedTo.digest, 'dev');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const prompts = new ScriptedPrompts({ moved: false });
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: 'ccccccc' }, target: env(cfg, 'development'), seenTargetDigest: shown.digest },
      makeCore(svc).services,
      environmentFor(prompts),
    );
    assert.equal(outcome.status, 'cancelled');
    assert.deepEqual(
      prompts.moved.map((m) => [m.seen, m.now]),
      [[shown.digest, movedTo.digest]],
    );
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), movedTo.digest);
  });

  it('re-reads the target after the confirmation and asks before overwriting a change made meanwhile', async () => {
    const repo = uniqueRepo();
    const { tagExisting } = await import('../harness');
    const build = await pushImage(svc.registryUrl, repo, 'ddddddd');
    const other = await pushImage(svc.registryUrl, repo, 'eeeeeee');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    // While the person reads the dialog, someone else moves dev.
    const prompts = new ScriptedPrompts({ moved: false, onConfirm: async () => void (await tagExisting(svc.registryUrl, repo, other.digest, 'dev')) });
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: 'ddddddd' }, target: env(cfg, 'development'), seenTargetDigest: null },
      makeCore(svc).services,
      environmentFor(prompts),
    );
    assert.equal(outcome.status, 'cancelled');
    assert.deepEqual(
      prompts.moved.map((m) => [m.seen, m.now]),
      [[null, other.digest]],
    );
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), other.digest);
    assert.notEqual(build.digest, other.digest);
  });

  it('never runs two promotions into the same environment at once', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, '1a1a1a1');
    await pushImage(svc.registryUrl, repo, '2b2b2b2');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const locks = new TargetLocks();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = new ScriptedPrompts({ onConfirm: () => held });
    const first = promote(
      { config: cfg, source: { kind: 'build', tag: '1a1a1a1' }, target: env(cfg, 'development') },
      makeCore(svc, { locks }).services,
      environmentFor(slow),
    );
    while (!slow.confirmations.length) await new Promise((r) => setTimeout(r, 20));
    const second = await promote(
      { config: cfg, source: { kind: 'build', tag: '2b2b2b2' }, target: env(cfg, 'development') },
      makeCore(svc, { locks }).services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(second.status, 'blocked');
    assert.match(second.message, /A promotion into development is already running \(build 1a1a1a1 → development\)/);
    release();
    assert.equal((await first).status, 'succeeded');
  });

  it('cancelling during the gates pushes nothing', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, '3c3c3c3');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const withGate = { ...env(cfg, 'development'), gates: [{ type: 'command' as const, name: 'slow', run: ['sleep', '20'], timeoutSeconds: 60 }] };
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 500);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '3c3c3c3' }, target: withGate },
      makeCore(svc).services,
      environmentFor(new ScriptedPrompts(), { signal: abort.signal }),
    );
    assert.equal(outcome.status, 'cancelled');
    assert.match(outcome.message, /Nothing was written; development still holds nothing/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), undefined);
  });

  it('shows an unreachable registry as an error row, not an empty environment', async () => {
    const { freePort } = await import('../harness');
    const port = await freePort();
    const cfg = threeEnvironments(`127.0.0.1:${port}/team/app`);
    const snapshot = await takeSnapshot(cfg, makeCore(svc).snapshotServices);
    const lookup = snapshot.environments[0]!.lookup;
    assert.equal(lookup.state, 'error');
    assert.equal(lookup.state === 'error' && lookup.error.kind, 'registry-unreachable');
    assert.ok(lookup.state === 'error' && lookup.error.message.includes(`http://127.0.0.1:${port}`));
    assert.equal(snapshot.builds.state, 'error');
  });
});
