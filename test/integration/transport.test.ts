// Which way promotions travel (imagePromotion.transport) and that every way keeps the digest: checked
// with skopeo and plain HTTP, independently of the extension's registry client.
import * as assert from 'node:assert/strict';
import { promote } from '../../src/promotion/promote';
import { config, env, environmentFor, makeCore, ScriptedPrompts, threeEnvironments } from './support';
import { promotionYaml } from '../fixtures/promotionYaml';
import {
  digestOf,
  enginePull,
  pushCosignSignature,
  pushImage,
  pushIndex,
  sharedServices,
  skopeoRaw,
  startRegistry,
  tagExisting,
  uniqueRepo,
  digestTag,
  type TestServices,
} from '../harness';
import { createHash } from 'node:crypto';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('transports: engine or registry-side, always the same digest', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  it('auto copies a multi-platform index registry-side: same digest, every platform, and says why', async () => {
    const repo = uniqueRepo();
    const index = await pushIndex(
      svc.registryUrl,
      repo,
      '1a2b3c4',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      { kind: 'oci' },
    );
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const prompts = new ScriptedPrompts();
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '1a2b3c4' }, target: env(cfg, 'development') },
      makeCore(svc).services,
      environmentFor(prompts),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.transport, 'registry');
    assert.match(prompts.confirmations[0]!.transportReason, /multi-platform index keeps its digest only when copied registry-side/);
    assert.deepEqual(prompts.confirmations[0]!.platforms, ['linux/amd64', 'linux/arm64/v8']);
    const raw = await skopeoRaw(`${svc.registry}/${repo}:dev`);
    assert.equal(sha256(raw), index.digest, 'skopeo reads the very index bytes under :dev');
    assert.deepEqual(
      (JSON.parse(raw.toString()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
      index.manifests.map((m) => m.digest),
    );
  });

  it('auto goes registry-side when the engine would have to pull, and through the engine when it has the image', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, '5d6e7f8');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const core = makeCore(svc);
    const first = await promote(
      { config: cfg, source: { kind: 'build', tag: '5d6e7f8' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(first.status, 'succeeded', first.message);
    assert.equal(first.transport, 'registry');
    assert.doesNotMatch(core.log.text(), /engine: pull/, 'nothing was pulled');
    await enginePull(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`);
    const second = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
      core.services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(second.status, 'succeeded', second.message);
    assert.equal(second.transport, 'engine');
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), build.digest);
  });

  it('with transport "engine" a multi-platform index is still refused', async () => {
    const repo = uniqueRepo();
    await pushIndex(
      svc.registryUrl,
      repo,
      '9a8b7c6',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      { kind: 'docker' },
    );
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '9a8b7c6' }, target: env(cfg, 'development') },
      makeCore(svc, { transport: 'engine' }).services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'blocked');
    assert.match(outcome.message, /Docker manifest list \(multi-platform\), 2 platforms.*transport is "engine"/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), undefined);
  });

  it('into another registry: the digest is kept and a cosign signature comes along, as the confirmation said', async () => {
    const prod = await startRegistry();
    try {
      const repo = uniqueRepo();
      const build = await pushImage(svc.registryUrl, repo, 'c0ffee1');
      await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
      const signature = await pushCosignSignature(svc.registryUrl, repo, build.digest);
      const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }, { name: 'production', image: `${prod.host}/${repo}` }]));
      const prompts = new ScriptedPrompts();
      const outcome = await promote(
        { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
        makeCore(svc, { transport: 'registry' }).services,
        environmentFor(prompts),
      );
      assert.equal(outcome.status, 'succeeded', outcome.message);
      assert.match(prompts.confirmations[0]!.extras ?? '', /a cosign signature/);
      assert.match(outcome.message, /a cosign signature came along/);
      assert.equal(await digestOf(prod.url, repo, 'production'), build.digest);
      assert.equal(await digestOf(prod.url, repo, `${digestTag(build.digest)}.sig`), signature.digest, 'the signature tag is in the production registry');
    } finally {
      await prod.stop();
    }
  });

  it('into another repository of the same registry (auto, engine lacks it): blobs mounted, digest kept', async () => {
    const repo = uniqueRepo();
    const prodRepo = uniqueRepo('prod');
    const build = await pushImage(svc.registryUrl, repo, 'b0b0b0b');
    await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
    const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }, { name: 'production', image: `${svc.registry}/${prodRepo}` }]));
    const core = makeCore(svc);
    const outcome = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
      core.services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.match(core.log.text(), /cross-repository: \d+ blobs \(\d+ mounted/);
    assert.equal(await digestOf(svc.registryUrl, prodRepo, 'production'), build.digest);
  });

  it('wrong credentials for the target registry: a clear error, and the target keeps its digest', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'deadbee');
    const old = await pushImage(svc.authRegistryUrl, repo, 'old0000', { auth: svc.auth });
    await tagExisting(svc.authRegistryUrl, repo, old.digest, 'production', svc.auth);
    await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
    const { makeDockerConfig } = await import('../harness');
    const wrong = makeDockerConfig([{ server: svc.authRegistry, username: svc.auth.username, secret: 'not-the-password', via: 'helper' }]);
    const savedPath = process.env['PATH'];
    process.env['PATH'] = `${wrong.binDir}:${savedPath}`;
    try {
      const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }, { name: 'production', image: `${svc.authRegistry}/${repo}` }]));
      const core = makeCore(svc, { dockerConfig: wrong.dir, transport: 'registry' });
      const outcome = await promote(
        { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
        core.services,
        environmentFor(new ScriptedPrompts()),
      );
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message, new RegExp(`${svc.authRegistry.replace(/\./g, '\\.')} rejected the credentials found for it.*docker login`));
      assert.equal(await digestOf(svc.authRegistryUrl, repo, 'production', svc.auth), old.digest);
      assert.ok(!core.log.text().includes('not-the-password'));
    } finally {
      process.env['PATH'] = savedPath;
      await wrong.dispose();
    }
  });
});

describe('the engine path into another registry', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
    process.env['PATH'] = `${svc.credBin}:${process.env['PATH']}`;
  });

  async function setUp() {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'e1e2e3e', { files: { 'app.txt': `hello ${repo}` } });
    const older = await pushImage(svc.authRegistryUrl, repo, 'o1d0000', { auth: svc.auth });
    await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
    await tagExisting(svc.authRegistryUrl, repo, older.digest, 'production', svc.auth);
    await enginePull(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`);
    const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }, { name: 'production', image: `${svc.authRegistry}/${repo}` }]));
    return { repo, build, older, cfg };
  }

  it('with transport "engine" it pushes with that registry\'s credentials and verifies; a changed digest is put back', async () => {
    const { repo, build, older, cfg } = await setUp();
    const prompts = new ScriptedPrompts();
    const outcome = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
      makeCore(svc, { transport: 'engine' }).services,
      environmentFor(prompts),
    );
    assert.match(
      prompts.confirmations[0]!.gates.find((g) => g.name === 'digest survives the transport')!.reason,
      /into another registry the engine may compress the layers again/,
    );
    const production = await digestOf(svc.authRegistryUrl, repo, 'production', svc.auth);
    // Engine 20.10 compresses the layers again for the other registry, so the digest changes (seen
    // here); whatever an engine does, production never keeps a digest nobody chose.
    if (outcome.status === 'succeeded') {
      assert.equal(production, build.digest);
    } else {
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.message, /Verification failed: production should hold sha256:\w{64} but the push reported sha256:\w{64}/);
      assert.match(outcome.message, /put back to its previous digest/);
      assert.equal(production, older.digest);
      assert.equal(outcome.finalDigest, older.digest);
    }
  });

  it('with "auto" it copies registry-side instead, and the digest is kept', async () => {
    const { repo, build, cfg } = await setUp();
    const prompts = new ScriptedPrompts();
    const outcome = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
      makeCore(svc).services,
      environmentFor(prompts),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.transport, 'registry');
    assert.match(prompts.confirmations[0]!.transportReason, /compress the layers again for another registry/);
    assert.equal(await digestOf(svc.authRegistryUrl, repo, 'production', svc.auth), build.digest);
  });
});
