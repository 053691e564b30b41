// The recorded run as the front ends compose it (composeServices, records: both) against the harness's
// Distribution 2.8: what the registry record needs whatever the move's result (the subject's
// descriptor, the empty config blob) is asked while the move happens; the person is told "done" once
// the move is verified and in the history file, and the record follows (registryRecords).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPromotion } from '../../src/app/runPromotion';
import { EMPTY_CONFIG, RECORD_ARTIFACT_TYPE } from '../../src/records/recordArtifact';
import { referrersFallbackTag } from '../../src/registry/manifestRefs';
import { promotionYaml } from '../fixtures/promotionYaml';
import { HistoryStore } from '../../src/history/historyStore';
import { recordFromOutcome } from '../../src/history/record';
import { digestOf, getManifest, makeTempDir, pushImage, sharedServices, tagExisting, testAppServices, uniqueRepo, type TestServices } from '../harness';
import { countingRegistry, type RegistryCalls } from './countingRegistry';
import { config, env, environmentFor, MemoryLog, ScriptedPrompts } from './support';

describe('the registry record follows "done"', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  /** The services as the CLI composes them, the registry client counted; `held` gates the record's index write. */
  function app(held?: Promise<void>) {
    process.env.DOCKER_CONFIG = svc.dockerConfig;
    let counting: RegistryCalls | undefined;
    const log = new MemoryLog();
    const services = testAppServices(svc, {
      log,
      records: () => 'both',
      warn: (m) => log.warn(`told: ${m}`),
      wrapRegistry: (client) =>
        (counting = countingRegistry(client, {
          afterWrite: async (_repo, reference) => {
            if (reference.startsWith('sha256-')) await held;
          },
        })).registry,
    });
    return { services, counting: counting!, log };
  }

  async function promotion() {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'f00d001');
    const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }]));
    const workspaceDir = makeTempDir('record-after-done');
    return { repo, build, request: { config: cfg, source: { kind: 'build' as const, tag: 'f00d001' }, target: env(cfg, 'staging') }, workspaceDir };
  }

  it('"done" comes before the record is in the registry; the record lands after, in the index once', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { services, counting, log } = app(held);
    const { repo, build, request, workspaceDir } = await promotion();

    const recorded = await runPromotion(services, request, { ...environmentFor(new ScriptedPrompts()), workspaceDir });
    // Returned while the index write's answer is held back: the person is told now.
    assert.equal(recorded.outcome.status, 'succeeded', recorded.outcome.message);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), build.digest);
    const lines = readFileSync(join(workspaceDir, '.promotion', 'history.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal((JSON.parse(lines.at(-1)!) as { outcome: string }).outcome, 'succeeded', 'the history file has the attempt before "done"');
    let settled = false;
    void recorded.registryRecords.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(settled, false, 'the record is still on its way');

    release();
    const writes = await recorded.registryRecords;
    assert.deepEqual(
      writes.map((w) => [w.state, w.state === 'written' ? w.path : '']),
      [['written', 'fallback-tag']],
    );
    const index = JSON.parse((await getManifest(svc.registryUrl, repo, referrersFallbackTag(build.digest)))!.bytes.toString('utf8')) as {
      manifests: { artifactType?: string }[];
    };
    assert.deepEqual(
      index.manifests.map((m) => m.artifactType),
      [RECORD_ARTIFACT_TYPE],
    );
    assert.doesNotMatch(log.text(), /told:/);
    // The index is written once.
    assert.equal(counting.calls.filter((c) => c.startsWith('writeManifest') && c.endsWith(referrersFallbackTag(build.digest))).length, 1);
  });

  it('the history (with the registry records) is read beside the lookups, and the gates get it: a soak gate measures from the file', async () => {
    const { services, counting } = app();
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'f00d002');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const repository = `${svc.registry}/${repo}`;
    const cfg = config(
      promotionYaml(repository, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: ['{ type: soak, duration: 1h }'] },
      ]),
    );
    const workspaceDir = makeTempDir('record-after-done');
    // development got the build two hours ago, says the history file.
    await new HistoryStore(join(workspaceDir, '.promotion', 'history.jsonl'), new MemoryLog()).append(
      recordFromOutcome(
        {
          status: 'succeeded',
          message: 'promoted',
          digest: build.digest,
          previousDigest: null,
          finalDigest: build.digest,
          gates: [],
          durationMs: 100,
          transport: 'registry',
        },
        { source: { label: 'build f00d002', repository }, target: { environment: 'development', tag: 'dev', repository } },
        { user: 'ci' },
        Date.now() - 2 * 3600_000,
      ),
    );
    counting.reset();
    // As the front ends do (useRecords): the merge with the registry's records. This one waits for
    // the promotion's own source lookup, which only comes while the history is still being read.
    let sawLookup = false;
    services.history.useRecords(async (file) => {
      for (let waited = 0; waited < 3000 && !sawLookup; waited += 20) {
        sawLookup = counting.calls.some((c) => /^(resolve|getManifest) \S+ dev$/.test(c));
        if (!sawLookup) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return file;
    });
    const request = { config: cfg, source: { kind: 'environment' as const, environment: env(cfg, 'development') }, target: env(cfg, 'staging') };
    const recorded = await runPromotion(services, request, { ...environmentFor(new ScriptedPrompts()), workspaceDir });
    await recorded.registryRecords;
    assert.equal(recorded.outcome.status, 'succeeded', recorded.outcome.message);
    assert.ok(sawLookup, `the source was looked up while the history was read:\n${counting.calls.join('\n')}`);
    assert.match(recorded.outcome.gates.find((g) => g.type === 'soak')?.reason ?? '', /in development for 2h|1\d\d ?m/);
  });

  it('the subject and the empty config are asked before the tag moves; after it, the statement, the manifest beside the index read, the index, the looks', async () => {
    const { services, counting } = app();
    const { build, request, workspaceDir } = await promotion();
    counting.reset();
    const recorded = await runPromotion(services, request, { ...environmentFor(new ScriptedPrompts()), workspaceDir });
    assert.equal(recorded.outcome.status, 'succeeded', recorded.outcome.message);
    await recorded.registryRecords;
    const calls = counting.calls.map((c) => c.replace(/^(\w+) \S+ /, '$1 '));
    const moved = calls.indexOf('writeManifest staging');
    assert.ok(moved > 0, calls.join('\n'));
    const before = calls.slice(0, moved);
    assert.ok(before.includes(`resolve ${build.digest}`), `the subject is resolved before the move:\n${calls.join('\n')}`);
    assert.ok(before.includes(`blobExists ${EMPTY_CONFIG.digest}`), `the empty config is checked before the move:\n${calls.join('\n')}`);
    const verified = calls.indexOf('resolve staging', moved);
    const afterDone = calls.slice(verified + 1);
    const tag = referrersFallbackTag(build.digest);
    assert.deepEqual(
      afterDone.map((c) => c.replace(/sha256:[0-9a-f]{64}/, 'DIGEST')).sort(),
      ['uploadBlob DIGEST', 'writeManifest DIGEST', `getManifest ${tag}`, `writeManifest ${tag}`, `getManifest ${tag}`, `getManifest ${tag}`].sort(),
      `after the move, nothing but the record's own writes and the index's read and looks:\n${afterDone.join('\n')}`,
    );
  });
});
