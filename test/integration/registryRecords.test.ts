// Promotion records in the registry, against the real Distribution 2.8 of the harness (no referrers
// API: the sha256-<hex> fallback index) and an in-process registry that has the referrers API.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '../../src/core/log';
import { shortDigest, type Repository } from '../../src/core/reference';
import { anonymous } from '../../src/credentials/credentials';
import { HistoryStore } from '../../src/history/historyStore';
import { arrivals, recordsFor } from '../../src/history/queries';
import { recordFromOutcome, type HistoryRecord } from '../../src/history/record';
import { takeSnapshot, type SnapshotServices } from '../../src/model/snapshot';
import { historyRecordFor } from '../../src/promotion/historyEntry';
import { promote } from '../../src/promotion/promote';
import { IN_TOTO_STATEMENT_TYPE, RECORD_ARTIFACT_TYPE, RECORD_PREDICATE_TYPE } from '../../src/records/recordArtifact';
import { PromotionRecords } from '../../src/records/promotionRecords';
import { RefreshRecords } from '../../src/records/refreshRecords';
import { RegistryRecords } from '../../src/records/registryRecords';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { mergeReferrersIndex, referrersFallbackTag } from '../../src/registry/manifestRefs';
import type { RegistryClient } from '../../src/registry/registryClient';
import type { PromotionConfig } from '../../src/config/types';
import {
  digestOf,
  getManifest,
  listTags,
  pushImage,
  putManifest,
  sharedServices,
  startRegistry,
  tagExisting,
  uniqueRepo,
  uploadBlob,
  type TestServices,
} from '../harness';
import { DIGEST_INVALID_BODY, startAnsweringProxy, type AnsweringProxy } from '../harness/answeringProxy';
import { startFakeReferrersRegistry } from '../records/fakeReferrersRegistry';
import { promotionYaml } from '../fixtures/promotionYaml';
import { countingRegistry } from './countingRegistry';
import { config, env, environmentFor, makeCore, MemoryLog, ScriptedPrompts } from './support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const who = { name: 'Ada Tester', email: 'ada@example.com', user: 'ada' };

function client(): HttpRegistryClient {
  return new HttpRegistryClient({ credentials: anonymous, log: silentLogger, timeoutMs: () => 10_000 });
}

function recordOf(
  repository: string,
  environment: string,
  digest: string,
  options: { previousDigest?: string | null; finishedAt?: number; id?: string } = {},
): HistoryRecord {
  return recordFromOutcome(
    {
      status: 'succeeded',
      message: `promoted to ${environment}`,
      digest,
      previousDigest: options.previousDigest ?? null,
      finalDigest: digest,
      gates: [],
      durationMs: 800,
      transport: 'registry',
    },
    {
      source: { label: 'build', repository },
      target: { environment, tag: environment === 'development' ? 'dev' : environment, repository },
      ...(options.id ? { id: options.id } : {}),
    },
    who,
    options.finishedAt ?? Date.now(),
  );
}

/** An SBOM-like referrer of `subject` pushed by someone else (by digest), as its index entry. */
async function pushOtherReferrer(registryUrl: string, repo: string, subject: { digest: string; size: number; mediaType: string }) {
  const configBlob = await uploadBlob(registryUrl, repo, Buffer.from('{}'));
  const layerBytes = Buffer.from(`{"spdxVersion":"SPDX-2.3","n":"${Math.random()}"}`);
  const layer = await uploadBlob(registryUrl, repo, layerBytes);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/spdx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: configBlob, size: 2 },
      layers: [{ mediaType: 'application/spdx+json', digest: layer, size: layerBytes.length }],
      subject,
    }),
  );
  const digest = await putManifest(registryUrl, repo, `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes, OCI_MANIFEST);
  return { mediaType: OCI_MANIFEST, digest, size: bytes.length, artifactType: 'application/spdx+json' };
}

/** The snapshot as the extension takes it: the history file, then the registry's records of what the tags hold. */
function snapshotServices(base: SnapshotServices, store: HistoryStore, records: RegistryRecords): SnapshotServices {
  return {
    ...base,
    readHistory: () => store.read(),
    readRecords: (environments, context, signal) => new RefreshRecords({ records, log: base.log }).begin(environments, context, signal),
  };
}

describe('promotion records in the registry', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let dir: string;
  let store: HistoryStore;

  before(async () => {
    svc = await sharedServices();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-records-'));
    store = new HistoryStore(join(dir, '.promotion', 'history.jsonl'), new MemoryLog());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('Distribution 2.8: the record is attached to the promoted digest through the sha256-<hex> index, beside cosign tags and other referrers, which stay as they were', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'b0a1c00');
    const subject = { digest: build.digest, size: build.manifest.length, mediaType: build.mediaType };
    const signature = await pushImage(svc.registryUrl, repo, `${referrersFallbackTag(build.digest)}.sig`);
    const other = await pushOtherReferrer(svc.registryUrl, repo, subject);
    await putManifest(svc.registryUrl, repo, referrersFallbackTag(build.digest), mergeReferrersIndex(undefined, [other]).bytes, OCI_INDEX);

    const records = new RegistryRecords({ registry: client(), log: new MemoryLog() });
    const repository = `${svc.registry}/${repo}`;
    const record = recordOf(repository, 'staging', build.digest);
    assert.equal(await records.write({ registry: svc.registry, path: repo }, build.digest, record), 'fallback-tag');

    assert.equal(await client().listReferrers({ registry: svc.registry, path: repo }, build.digest), undefined, 'Distribution 2.8 has no referrers API');
    const index = JSON.parse((await getManifest(svc.registryUrl, repo, referrersFallbackTag(build.digest)))!.bytes.toString('utf8')) as {
      manifests: { digest: string; artifactType?: string; annotations?: Record<string, string> }[];
    };
    assert.equal(index.manifests.length, 2);
    assert.deepEqual(index.manifests[0], other, 'the other referrer is kept as it was, first');
    assert.equal(index.manifests[1]!.artifactType, RECORD_ARTIFACT_TYPE);
    assert.equal(index.manifests[1]!.annotations?.['dev.image-promotion.record.id'], record.id);
    assert.equal(await digestOf(svc.registryUrl, repo, `${referrersFallbackTag(build.digest)}.sig`), signature.digest, 'the cosign signature tag is untouched');
    assert.deepEqual(
      (await listTags(svc.registryUrl, repo)).sort(),
      ['b0a1c00', referrersFallbackTag(build.digest), `${referrersFallbackTag(build.digest)}.sig`].sort(),
      'the record itself has no tag',
    );

    // The artifact as another tool sees it: subject, artifactType, empty config, an in-toto Statement.
    const artifact = JSON.parse((await getManifest(svc.registryUrl, repo, index.manifests[1]!.digest))!.bytes.toString('utf8'));
    assert.equal(artifact.artifactType, RECORD_ARTIFACT_TYPE);
    assert.deepEqual(artifact.subject, { mediaType: build.mediaType, digest: build.digest, size: build.manifest.length });
    assert.equal(artifact.config.mediaType, 'application/vnd.oci.empty.v1+json');
    const statement = JSON.parse((await client().getBlob({ registry: svc.registry, path: repo }, artifact.layers[0].digest)).toString('utf8'));
    assert.equal(statement._type, IN_TOTO_STATEMENT_TYPE);
    assert.equal(statement.predicateType, RECORD_PREDICATE_TYPE);
    assert.deepEqual(statement.subject, [{ name: repository, digest: { sha256: build.digest.slice('sha256:'.length) } }]);

    const fresh = new RegistryRecords({ registry: client(), log: new MemoryLog() });
    const read = await fresh.read({ registry: svc.registry, path: repo }, build.digest);
    assert.deepEqual(read.records, [record]);
    assert.deepEqual(read.skipped, [], 'the SBOM is not a record, and is not read');
  });

  it('two writers on the fallback index: an entry erased by the other writer’s PUT is added again', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'c0ffee1');
    const subject = { digest: build.digest, size: build.manifest.length, mediaType: build.mediaType };
    const intruder = await pushOtherReferrer(svc.registryUrl, repo, subject);
    const tag = referrersFallbackTag(build.digest);
    const real = client();
    // The other writer read the index before our write and PUTs its version right after it.
    let stale: Buffer | undefined;
    let raced = false;
    const racing: RegistryClient = Object.assign(Object.create(real) as RegistryClient, {
      getManifest: async (...args: Parameters<RegistryClient['getManifest']>) => {
        const found = await real.getManifest(...args);
        if (args[1] === tag && !raced) stale = found?.bytes;
        return found;
      },
      writeManifest: async (...args: Parameters<RegistryClient['writeManifest']>) => {
        const written = await real.writeManifest(...args);
        if (args[1] === tag && !raced) {
          raced = true;
          await real.writeManifest(args[0], tag, { mediaType: OCI_INDEX, bytes: mergeReferrersIndex(stale, [intruder]).bytes });
        }
        return written;
      },
    });
    const log = new MemoryLog();
    const records = new RegistryRecords({ registry: racing, log, pauseMs: () => 5 });
    const record = recordOf(`${svc.registry}/${repo}`, 'staging', build.digest);
    assert.equal(await records.write({ registry: svc.registry, path: repo }, build.digest, record), 'fallback-tag');
    assert.ok(raced, 'the other writer did replace the index');
    assert.match(log.text(), /went missing .* adding it again \(1\/5\)/);
    const index = JSON.parse((await getManifest(svc.registryUrl, repo, tag))!.bytes.toString('utf8')) as {
      manifests: { digest: string; artifactType?: string }[];
    };
    assert.deepEqual(
      index.manifests.map((m) => m.artifactType).sort(),
      ['application/spdx+json', RECORD_ARTIFACT_TYPE].sort(),
      'both writers’ entries are in the index',
    );
    assert.deepEqual(
      (await new RegistryRecords({ registry: real, log }).read({ registry: svc.registry, path: repo }, build.digest)).records.map((r) => r.id),
      [record.id],
    );
  });

  it("the registry's DIGEST_INVALID race on a record's manifest (a blob link half-written by another writer) is written again by the client, twice at most; other refusals are not", async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'd16e571');
    const recordPut = new RegExp(`^PUT /v2/${repo}/manifests/sha256:[0-9a-f]{64}$`);
    // As CI saw it once, with six writers at once: Distribution's answer to the manifest PUT, given by a proxy in front of it.
    const refusing = async (body: string, times: number): Promise<{ proxy: AnsweringProxy; log: MemoryLog; records: RegistryRecords; at: Repository }> => {
      const proxy = await startAnsweringProxy(Number(svc.registry.split(':')[1]), { request: recordPut, status: 400, body, times });
      const log = new MemoryLog();
      const registry = new HttpRegistryClient({ credentials: anonymous, log, timeoutMs: () => 10_000 });
      return { proxy, log, records: new RegistryRecords({ registry, log }), at: { registry: proxy.host, path: repo } };
    };
    const raced = await refusing(DIGEST_INVALID_BODY, 2);
    try {
      const record = recordOf(`${svc.registry}/${repo}`, 'staging', build.digest);
      assert.equal(await raced.records.write(raced.at, build.digest, record), 'fallback-tag');
      assert.deepEqual(
        raced.proxy.matched.map((m) => m.answered),
        [true, true, false],
        'refused twice, written the third time',
      );
      assert.match(raced.log.text(), /answered DIGEST_INVALID to the manifest sha256:[a-f0-9]{64} in .*writing it again/);
      const read = await new RegistryRecords({ registry: client(), log: new MemoryLog() }).read({ registry: svc.registry, path: repo }, build.digest);
      assert.deepEqual(
        read.records.map((r) => r.id),
        [record.id],
      );
    } finally {
      await raced.proxy.stop();
    }
    const persistent = await refusing(DIGEST_INVALID_BODY, 10);
    try {
      await assert.rejects(
        persistent.records.write(persistent.at, build.digest, recordOf(`${svc.registry}/${repo}`, 'production', build.digest)),
        /DIGEST_INVALID/,
      );
      assert.equal(persistent.proxy.matched.length, 3, 'bounded: the first PUT and two more');
    } finally {
      await persistent.proxy.stop();
    }
    const other = await refusing(JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] }), 1);
    try {
      await assert.rejects(other.records.write(other.at, build.digest, recordOf(`${svc.registry}/${repo}`, 'production', build.digest)), /MANIFEST_INVALID/);
      assert.equal(other.proxy.matched.length, 1, 'another refusal is not asked again');
    } finally {
      await other.proxy.stop();
    }
  });

  it('six writers at once on one digest: every record is kept', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'abcdef1');
    const repository = `${svc.registry}/${repo}`;
    const written = Array.from({ length: 6 }, (_, i) =>
      recordOf(repository, i % 2 ? 'staging' : 'development', build.digest, { finishedAt: Date.now() - i * 1000 }),
    );
    await Promise.all(
      written.map((r) => new RegistryRecords({ registry: client(), log: new MemoryLog() }).write({ registry: svc.registry, path: repo }, build.digest, r)),
    );
    const read = await new RegistryRecords({ registry: client(), log: new MemoryLog() }).read({ registry: svc.registry, path: repo }, build.digest);
    assert.deepEqual(read.records.map((r) => r.id).sort(), written.map((r) => r.id).sort());
  });

  it('a promotion recorded by another process (CI) shows in this one’s history, and a soak gate measures from its arrival', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, '5eed001');
    const cfg = config(
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: ['{ type: soak, duration: 1h }'] },
      ]),
    );
    // CI moved :dev two hours ago and recorded it in the registry; this editor's history file is empty.
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const arrivedAt = Date.now() - 2 * 3600_000;
    const script = join(__dirname, '..', 'records', 'writeRecordProcess.js');
    const { stdout } = await promisify(execFile)(process.execPath, [
      script,
      JSON.stringify({
        registry: svc.registry,
        path: repo,
        digest: build.digest,
        environment: 'development',
        tag: 'dev',
        previousDigest: null,
        finishedAt: arrivedAt,
      }),
    ]);
    const ci = JSON.parse(stdout) as { id: string; path: string };
    assert.equal(ci.path, 'fallback-tag');

    const core = makeCore(svc, { transport: 'registry' });
    const records = new RegistryRecords({ registry: core.services.registry, log: core.log });
    const services = snapshotServices(core.snapshotServices, store, records);
    const snapshot = await takeSnapshot(cfg, services);
    const development = recordsFor(snapshot.history?.records ?? [], 'development');
    assert.deepEqual(
      development.map((r) => [r.id, r.who.name]),
      [[ci.id, 'CI']],
    );
    assert.equal(snapshot.environments[0]!.drift, undefined);

    // Without the registry's record there is no recorded arrival: the soak gate would block.
    const request = { config: cfg, source: { kind: 'environment' as const, environment: env(cfg, 'development') }, target: env(cfg, 'staging') };
    const blind = await promote(request, core.services, environmentFor(new ScriptedPrompts({ confirm: false }), { history: arrivals([]), workspaceDir: dir }));
    assert.equal(blind.status, 'blocked');
    const outcome = await promote(
      request,
      core.services,
      environmentFor(new ScriptedPrompts(), { history: arrivals(snapshot.history!.records), workspaceDir: dir }),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.match(outcome.gates.find((g) => g.type === 'soak')!.reason, /2h|1\d\d ?m|in development for/);

    // This process records its own promotion in both places: it is counted once.
    const record = historyRecordFor(request, outcome, who);
    await store.append(record);
    const warnings: string[] = [];
    const written = await new PromotionRecords({ registry: records, setting: () => 'both', log: core.log, warn: (m) => warnings.push(m) }).write(
      outcome,
      record,
    );
    assert.deepEqual(written, { state: 'written', path: 'fallback-tag', where: `${svc.registry}/${repo}@${shortDigest(build.digest)}` });
    assert.deepEqual(warnings, []);
    const after = await takeSnapshot(cfg, services);
    assert.equal(after.history!.records.filter((r) => r.id === record.id).length, 1, 'the same attempt in the file and the registry is one attempt');
    assert.deepEqual(after.history!.records.map((r) => r.target.environment).sort(), ['development', 'staging']);
  });

  it('a record that disagrees with the tag is drift: the tag moved back outside promotion', async () => {
    const repo = uniqueRepo();
    const a = await pushImage(svc.registryUrl, repo, 'aaaaaa1');
    const b = await pushImage(svc.registryUrl, repo, 'bbbbbb1');
    const repository = `${svc.registry}/${repo}`;
    const cfg: PromotionConfig = config(promotionYaml(repository, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    const core = makeCore(svc);
    const records = new RegistryRecords({ registry: core.services.registry, log: core.log });
    const at = { registry: svc.registry, path: repo };
    const t = Date.now() - 3600_000;
    // By records: staging got b, then a; development holds a. Then someone puts b back on :staging by hand.
    await records.write(at, b.digest, recordOf(repository, 'staging', b.digest, { finishedAt: t }));
    await records.write(at, a.digest, recordOf(repository, 'development', a.digest, { finishedAt: t + 1000 }));
    await records.write(at, a.digest, recordOf(repository, 'staging', a.digest, { previousDigest: b.digest, finishedAt: t + 2000 }));
    await tagExisting(svc.registryUrl, repo, a.digest, 'dev');
    await tagExisting(svc.registryUrl, repo, a.digest, 'staging');
    const services = snapshotServices(core.snapshotServices, store, records);
    assert.equal((await takeSnapshot(cfg, services)).environments[1]!.drift, undefined, 'tag and records agree');
    await tagExisting(svc.registryUrl, repo, b.digest, 'staging');
    const snapshot = await takeSnapshot(cfg, services);
    assert.equal(snapshot.environments[1]!.drift, true, 'b did arrive by promotion once, but the last record says a: the tag is what counts');
    assert.equal(snapshot.environments[1]!.lookup.state === 'present' && snapshot.environments[1]!.lookup.digest, b.digest);
  });

  it('a read-only registry refuses the record: the promotion stays succeeded and the person is told the record is missing', async () => {
    const registry = await startRegistry();
    try {
      const repo = uniqueRepo();
      const build = await pushImage(registry.url, repo, 'dd00001');
      const cfg = config(promotionYaml(`${registry.host}/${repo}`, [{ name: 'development', tag: 'dev' }]));
      const core = makeCore(svc, { transport: 'registry' });
      const request = { config: cfg, source: { kind: 'build' as const, tag: 'dd00001' }, target: env(cfg, 'development') };
      const outcome = await promote(request, core.services, environmentFor(new ScriptedPrompts(), { workspaceDir: dir }));
      assert.equal(outcome.status, 'succeeded', outcome.message);
      await registry.restart({ readOnly: true });

      const record = historyRecordFor(request, outcome, who);
      await store.append(record);
      const warnings: string[] = [];
      const records = new PromotionRecords({
        registry: new RegistryRecords({ registry: core.services.registry, log: core.log }),
        setting: () => 'both',
        log: core.log,
        warn: (m) => warnings.push(m),
      });
      const written = await records.write(outcome, record);
      assert.equal(written.state, 'missing');
      assert.equal(outcome.status, 'succeeded');
      assert.equal(await digestOf(registry.url, repo, 'dev'), build.digest, 'the tag that moved stays moved');
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0]!,
        /^The promotion to development succeeded, but its record is missing from the registry \(127\.0\.0\.1:\d+\/t\/\w+\/app\): .*405.*\. It is in the history file only; other editors and pipelines will not see it\.$/,
      );
      assert.match(core.log.text(), new RegExp(`error the promotion record ${record.id} could not be written`));
      assert.deepEqual(
        (await store.read()).records.map((r) => r.id),
        [record.id],
        'the file has it',
      );
    } finally {
      await registry.stop();
    }
  });

  it('a registry with the referrers API indexes the record itself: no fallback tag, read back through the API', async () => {
    const fake = await startFakeReferrersRegistry();
    try {
      const repo = 'team/app';
      const configBytes = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
      const configBlob = fake.putBlob(repo, configBytes);
      const image = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configBlob, size: configBytes.length },
          layers: [],
        }),
      );
      const digest = fake.putManifest(repo, 'staging', OCI_MANIFEST, image);
      const records = new RegistryRecords({ registry: client(), log: new MemoryLog() });
      const record = recordOf(`${fake.host}/${repo}`, 'staging', digest);
      assert.equal(await records.write({ registry: fake.host, path: repo }, digest, record), 'referrers-api');
      assert.deepEqual([...fake.tags(repo).keys()], ['staging'], 'no sha256-<hex> tag');
      const reader = new RegistryRecords({ registry: client(), log: new MemoryLog() });
      const read = await reader.read({ registry: fake.host, path: repo }, digest);
      assert.deepEqual(read.records, [record]);
      assert.ok(fake.requests.includes(`GET /v2/${repo}/referrers/${digest}`));
      // The first read asks the API and reads the fallback side by side (finding out costs no round trip); once known, the API alone.
      const before = fake.requests.length;
      assert.deepEqual((await reader.read({ registry: fake.host, path: repo }, digest)).records, [record]);
      assert.deepEqual(fake.requests.slice(before), [`GET /v2/${repo}/referrers/${digest}`], 'the fallback tag is not read while the API is known to answer');
    } finally {
      await fake.close();
    }
  });
  it('the records it wrote are remembered for cacheDigests digests like those it read: a long-running process does not keep every record it ever wrote', async () => {
    const repo = uniqueRepo();
    const builds = [
      await pushImage(svc.registryUrl, repo, 'a11ce01'),
      await pushImage(svc.registryUrl, repo, 'a11ce02'),
      await pushImage(svc.registryUrl, repo, 'a11ce03'),
    ];
    const counting = countingRegistry(client());
    const records = new RegistryRecords({ registry: counting.registry, log: new MemoryLog(), cacheDigests: 2 });
    const repository = { registry: svc.registry, path: repo };
    const written: HistoryRecord[] = [];
    for (const build of builds) {
      const record = recordOf(`${svc.registry}/${repo}`, 'staging', build.digest);
      await records.write(repository, build.digest, record);
      written.push(record);
    }
    const artifactReads = async (i: number): Promise<number> => {
      counting.reset();
      const read = await records.read(repository, builds[i]!.digest);
      assert.deepEqual(
        read.records.map((r) => r.id),
        [written[i]!.id],
      );
      return counting.calls.filter((c) => c.startsWith('getManifest') && !c.includes('sha256-')).length;
    };
    assert.equal(await artifactReads(2), 0, "the newest digest's record is remembered");
    assert.equal(await artifactReads(0), 1, "the oldest digest's record was forgotten and read again");
  });
});
