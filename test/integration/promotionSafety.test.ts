// What a promotion must never do, against the real registry and engine: destroy what another writer
// landed, report "already there" without looking, or spend round trips reading a fact twice.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { connectDockerode } from '../../src/engine/dockerodeEngine';
import { parseHost } from '../../src/engine/engineAddress';
import { PromotionError } from '../../src/core/errors';
import type { ImageEngine } from '../../src/engine/engine';
import { promote, type StartedWrite } from '../../src/promotion/promote';
import { readHold } from '../../src/records/holds';
import { SharedDocuments } from '../../src/records/sharedDocuments';
import {
  digestOf,
  digestTag,
  enginePull,
  engineTag,
  pushCosignSignature,
  pushImage,
  sharedServices,
  startRegistry,
  tagExisting,
  uniqueRepo,
  type TestServices,
} from '../harness';
import { tally, tallyOutcome } from '../faults/tally';
import { promotionYaml } from '../fixtures/promotionYaml';
import { countingRegistry } from './countingRegistry';
import { config, env, environmentFor, makeCore, ScriptedPrompts, threeEnvironments } from './support';

describe('promotion safety (real registry and engine)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  /** A core whose registry lets another writer land `digest` on `tag` right after our own write of it. */
  function racedCore(repo: string, tag: string, digest: () => string) {
    const core = makeCore(svc, { transport: 'registry' });
    let raced = false;
    const counting = countingRegistry(core.services.registry, {
      afterWrite: async (path, reference) => {
        if (raced || path !== repo || reference !== tag) return;
        raced = true;
        await tagExisting(svc.registryUrl, repo, digest(), tag); // CI pushing the tag, just after us
        tally('fault', 'another writer lands on the target right after the promotion wrote it');
      },
    });
    return { core, services: { ...core.services, registry: counting.registry }, counting };
  }

  it('a third digest landing after our write into an empty target is left alone: the manifest (and its build tag) is not deleted', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, 'aaa1111');
    const other = await pushImage(svc.registryUrl, repo, 'bbb2222');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const { services } = racedCore(repo, 'dev', () => other.digest);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: 'aaa1111' }, target: env(cfg, 'development') },
      services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'failed', outcome.message);
    assert.equal(await digestOf(svc.registryUrl, repo, 'bbb2222'), other.digest, "the other build's own tag is still there");
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), other.digest, 'what the other writer landed is left as it is');
    assert.match(outcome.message, /which this promotion did not write/);
    assert.match(outcome.message, /Who holds what: development holds sha256:[0-9a-f]{12}/);
    assert.match(outcome.message, new RegExp(`the tags? [^;]*bbb2222[^;]* holds? ${other.digest.slice(0, 19)}`), 'which tags hold the third digest');
    assert.equal(outcome.finalDigest, other.digest);
    tally('promotion', 'third digest into an empty target');
  });

  it('a third digest landing after our write over an old one is not overwritten with the old manifest', async () => {
    const repo = uniqueRepo();
    const old = await pushImage(svc.registryUrl, repo, 'old0001');
    const build = await pushImage(svc.registryUrl, repo, 'new0002');
    const other = await pushImage(svc.registryUrl, repo, 'ci00003');
    await tagExisting(svc.registryUrl, repo, old.digest, 'dev');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const { services } = racedCore(repo, 'dev', () => other.digest);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: 'new0002' }, target: env(cfg, 'development') },
      services,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'failed');
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), other.digest, 'not put back over the other writer');
    assert.match(outcome.message, /another writer moved dev after it/);
    assert.notEqual(build.digest, other.digest);
    tally('promotion', 'third digest over an old one');
  });

  it('"already holds it" is read again after the confirmation: a tag moved meanwhile is not reported as success', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'ccc3333');
    const other = await pushImage(svc.registryUrl, repo, 'ddd4444');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const core = makeCore(svc, { transport: 'registry' });
    const prompts = new ScriptedPrompts({ onConfirm: async () => void (await tagExisting(svc.registryUrl, repo, other.digest, 'dev')), moved: false });
    tally('fault', 'the target moves while the confirmation of a no-op is open');
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: 'ccc3333' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(prompts),
    );
    assert.equal(outcome.status, 'cancelled', outcome.message);
    assert.equal(prompts.moved.length, 1, 'the person is asked about the move');
    assert.equal(prompts.moved[0]!.now, other.digest);
    const after = (await digestOf(svc.registryUrl, repo, 'dev')) ?? null;
    assert.equal(after, other.digest);
    tallyOutcome('no-op whose target moved', other.digest, build.digest, after);

    // Told to overwrite, it writes and verifies instead of claiming it was already there.
    const overwrite = await promote(
      { config: cfg, source: { kind: 'build', tag: 'ccc3333' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(new ScriptedPrompts({ onConfirm: async () => void (await tagExisting(svc.registryUrl, repo, other.digest, 'dev')), moved: true })),
    );
    assert.equal(overwrite.status, 'succeeded', overwrite.message);
    assert.match(overwrite.message, /verified in the registry/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), build.digest);
    tallyOutcome('no-op moved, overwrite confirmed', other.digest, build.digest, build.digest);
  });

  it('a same-repository promotion takes at most 5 sequential round trips, and the engine path 3 with its push (the hold and the last look beside others)', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'eee5555');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const core = makeCore(svc, { transport: 'registry' });
    const counting = countingRegistry(core.services.registry);
    const outcome = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
      { ...core.services, registry: counting.registry },
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    console.log(`      registry-side, same repository: ${counting.roundTrips()} round trips, ${counting.calls.length} requests: ${counting.calls.join(', ')}`);
    assert.ok(counting.roundTrips() <= 5, `${counting.roundTrips()} round trips: ${counting.calls.join(', ')}`);
    assert.equal(counting.calls.filter((c) => c.startsWith('getManifest')).length, 1, 'the manifest is read once');
    tallyOutcome('same-repository promotion (counted)', null, build.digest, (await digestOf(svc.registryUrl, repo, 'staging')) ?? null);

    await enginePull(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`);
    const engineCore = makeCore(svc, { transport: 'engine' });
    // 100 ms before each registry answer, as over a network; the push counts as a wait of its own, and
    // the environment's hold is read, as the front ends do.
    const engineCounting = countingRegistry(engineCore.services.registry, { latencyMs: 100 });
    const engine = async (): Promise<ImageEngine> => {
      const inner = await engineCore.engine();
      return Object.assign(Object.create(inner) as ImageEngine, {
        push: (...args: Parameters<ImageEngine['push']>) => engineCounting.beside('engine push', () => inner.push(...args)),
      });
    };
    const documents = new SharedDocuments({ registry: engineCounting.registry, log: engineCore.log });
    const viaEngine = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
      { ...engineCore.services, registry: engineCounting.registry, engine, readHold: (e, signal) => readHold(documents, e, signal) },
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(viaEngine.status, 'succeeded', viaEngine.message);
    console.log(
      `      through the engine: ${engineCounting.roundTrips()} round trips with the push, ${engineCounting.calls.length} calls: ${engineCounting.calls.join(', ')}`,
    );
    // Source ‖ target ‖ hold; the push ‖ the last look (target and hold again); the verification.
    // Labels and platform from the engine. It was 5: the hold, and the last look before the push, on their own.
    assert.ok(engineCounting.roundTrips() <= 3, `${engineCounting.roundTrips()} round trips: ${engineCounting.calls.join(', ')}`);
    assert.equal(engineCounting.calls.filter((c) => c.includes('production.hold')).length, 2, 'the hold is read at the gates and again beside the push');
    assert.deepEqual(
      engineCounting.calls.filter((c) => c.startsWith('getBlob')),
      [],
      'the engine holds the image: no config read from the registry',
    );
    assert.match(engineCore.log.text(), /its labels and platform from the engine, no config read/);
    tallyOutcome('engine promotion (counted)', null, build.digest, (await digestOf(svc.registryUrl, repo, 'production')) ?? null);
  });

  it('into another registry, signatures and referrers are looked for once (gates and copy share it)', async () => {
    const prod = await startRegistry();
    try {
      const repo = uniqueRepo();
      const build = await pushImage(svc.registryUrl, repo, 'fff6666');
      await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
      await pushCosignSignature(svc.registryUrl, repo, build.digest);
      const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }, { name: 'production', image: `${prod.host}/${repo}` }]));
      const core = makeCore(svc, { transport: 'registry' });
      const counting = countingRegistry(core.services.registry);
      const outcome = await promote(
        { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
        { ...core.services, registry: counting.registry },
        environmentFor(new ScriptedPrompts()),
      );
      assert.equal(outcome.status, 'succeeded', outcome.message);
      const sigReads = counting.calls.filter((c) => c === `getManifest ${repo} ${digestTag(build.digest)}.sig`);
      const referrerReads = counting.calls.filter((c) => c === `listReferrers ${repo} ${build.digest}`);
      console.log(`      cross-registry: ${counting.roundTrips()} round trips, ${counting.calls.length} requests`);
      assert.equal(sigReads.length, 1, `the signature tag is read once: ${counting.calls.join(', ')}`);
      assert.equal(referrerReads.length, 1, 'the referrers are listed once');
      tallyOutcome('cross-registry promotion (counted)', null, build.digest, (await digestOf(prod.url, repo, 'production')) ?? null);
    } finally {
      await prod.stop();
    }
  });

  it('a copy cancelled after it wrote a signature into the target says what it wrote', async () => {
    const prod = await startRegistry();
    try {
      const repo = uniqueRepo();
      const build = await pushImage(svc.registryUrl, repo, '7777777');
      await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
      const signature = await pushCosignSignature(svc.registryUrl, repo, build.digest);
      const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }, { name: 'production', image: `${prod.host}/${repo}` }]));
      const core = makeCore(svc, { transport: 'registry' });
      const abort = new AbortController();
      // Cancelled as the tag is about to move: the signature is already in the target.
      const progress = (message: string): void => {
        if (message.startsWith('Tagging')) abort.abort();
      };
      tally('fault', 'cancelled after the signatures were copied, before the tag');
      const outcome = await promote(
        { config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') },
        core.services,
        environmentFor(new ScriptedPrompts(), { progress, signal: abort.signal }),
      );
      assert.equal(outcome.status, 'cancelled', outcome.message);
      assert.equal(await digestOf(prod.url, repo, `${digestTag(build.digest)}.sig`), signature.digest, 'the signature is in the target');
      assert.match(
        outcome.message,
        new RegExp(
          `A cosign signature \\(${digestTag(build.digest)}\\.sig\\) was already written into ${prod.host.replace(/\./g, '\\.')}/${repo} and left there`,
        ),
      );
      const after = (await digestOf(prod.url, repo, 'production')) ?? null;
      assert.equal(after, null);
      tallyOutcome('cancelled after signatures', null, build.digest, after);
    } finally {
      await prod.stop();
    }
  });

  it('writes its start into the journal right before the tag moves, never before the confirmation', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, '8888888');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const core = makeCore(svc, { transport: 'registry' });
    const starts: { write: StartedWrite; heldThen: string | undefined }[] = [];
    const journal = { started: async (write: StartedWrite) => void starts.push({ write, heldThen: await digestOf(svc.registryUrl, repo, 'dev') }) };
    const declined = await promote(
      { config: cfg, source: { kind: 'build', tag: '8888888' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(new ScriptedPrompts({ confirm: false }), { journal }),
    );
    assert.equal(declined.status, 'cancelled');
    assert.equal(starts.length, 0, 'nothing is journalled when nothing will be written');
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '8888888' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(new ScriptedPrompts(), { journal }),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(starts.length, 1);
    assert.equal(starts[0]!.write.digest, build.digest);
    assert.equal(starts[0]!.write.previousDigest, null);
    assert.equal(starts[0]!.heldThen, undefined, 'the start is written before the tag moves');
    tallyOutcome('journalled promotion', null, build.digest, (await digestOf(svc.registryUrl, repo, 'dev')) ?? null);
  });

  it('an engine push to a registry that stalls fails after the idle time, not never', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const repo = uniqueRepo();
      const build = await pushImage(svc.registryUrl, repo, '9999999');
      await enginePull(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`);
      await engineTag(svc.dockerHost, `${svc.registry}/${repo}@${build.digest}`, `127.0.0.1:${port}/${repo}:stalled`);
      const engine = await connectDockerode(parseHost(svc.dockerHost, 'the test harness'), { idleMs: 1500 });
      tally('fault', 'engine push to a registry that accepts and never answers');
      const started = Date.now();
      await assert.rejects(
        engine.push(`127.0.0.1:${port}/${repo}`, 'stalled', undefined, () => undefined),
        (error: unknown) => {
          assert.ok(error instanceof PromotionError && error.kind === 'timeout', String(error));
          assert.match((error as Error).message, /sent nothing for 1\.5 s/);
          return true;
        },
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 8000, `gave up after ${elapsed} ms`);
    } finally {
      silent.close();
    }
  });
});
