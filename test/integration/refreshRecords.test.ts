// What a refresh asks to read the promotion records, against the real Distribution 2.8 (no
// referrers API: the sha256-<hex> index) with the services as the extension and the CLI compose
// them, counted by a TCP proxy in front of the registry (independently of the client) and by the
// refresh itself (sequential round trips at the client interface). And that nothing a second
// writer adds is missed for it, and a registry that gains or loses the referrers API is followed.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { silentLogger } from '../../src/core/log';
import { anonymous } from '../../src/credentials/credentials';
import { recordFromOutcome, type HistoryRecord } from '../../src/history/record';
import { takeSnapshot, type SnapshotServices } from '../../src/model/snapshot';
import { RegistryRecords } from '../../src/records/registryRecords';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { referrersFallbackTag } from '../../src/registry/manifestRefs';
import { makeTempDir, pushImage, sharedServices, tagExisting, testAppServices, uniqueRepo, type TestServices } from '../harness';
import { startCountingProxy, type CountingProxy } from '../harness/countingProxy';
import { startFakeReferrersRegistry } from '../records/fakeReferrersRegistry';
import { threeEnvironments } from './support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function composedSnapshotServices(svc: TestServices, detailsFile = join(makeTempDir('refresh-records'), 'image-details.json')): SnapshotServices {
  return testAppServices(svc, { transport: () => 'auto', records: () => 'both', detailsFile }).snapshotServices(undefined);
}

/** Another process (CI, a colleague's editor) recording a promotion: the real RegistryRecords in a child process. */
async function recordElsewhere(registry: string, path: string, digest: string, environment: string, tag: string): Promise<string> {
  const script = join(__dirname, '..', 'records', 'writeRecordProcess.js');
  const { stdout } = await promisify(execFile)(process.execPath, [
    script,
    JSON.stringify({ registry, path, digest, environment, tag, previousDigest: null, finishedAt: Date.now() }),
  ]);
  return (JSON.parse(stdout) as { id: string }).id;
}

const ids = (records: readonly HistoryRecord[] | undefined): string[] => (records ?? []).map((r) => r.id).sort();

describe('records read at refresh (real registry, counted)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let proxy: CountingProxy;

  before(async () => {
    svc = await sharedServices();
    const [host, port] = svc.registry.split(':');
    proxy = await startCountingProxy(host!, Number(port));
  });
  after(async () => proxy?.stop());

  /** Three builds, each environment on its own; `recorded`: the environments promoted with a record. */
  async function repository(recorded: readonly string[]): Promise<{ path: string; digests: Record<string, string>; recordIds: string[] }> {
    const path = uniqueRepo('refresh');
    const digests: Record<string, string> = {};
    const recordIds: string[] = [];
    for (const [i, tag] of ['dev', 'staging', 'production'].entries()) {
      const build = await pushImage(svc.registryUrl, path, (0x1000000 + i).toString(16));
      await tagExisting(svc.registryUrl, path, build.digest, tag);
      digests[tag] = build.digest;
    }
    for (const tag of recorded) recordIds.push(await recordElsewhere(proxy.host, path, digests[tag]!, tag === 'dev' ? 'development' : tag, tag));
    return { path, digests, recordIds };
  }

  it('once a refresh has run, the next reads the records in its one round trip: lookups, tag list and the indexes side by side, no referrers request', async () => {
    const { path, digests, recordIds } = await repository(['dev', 'staging', 'production']);
    const cfg = threeEnvironments(`${proxy.host}/${path}`);
    const services = composedSnapshotServices(svc);
    const first = await takeSnapshot(cfg, services);
    assert.deepEqual(ids(first.history?.records), [...recordIds].sort(), 'the first refresh reads the three records');

    proxy.reset();
    const second = await takeSnapshot(cfg, services);
    assert.deepEqual(ids(second.history?.records), [...recordIds].sort());
    assert.equal(second.requests?.roundTrips, 1, `sequential round trips (requests: ${proxy.requests.join(', ')})`);
    const expected = [
      ...['dev', 'staging', 'production'].map((t) => `HEAD /v2/${path}/manifests/${t}`),
      `GET /v2/${path}/tags/list?n=1000`,
      ...Object.values(digests).map((d) => `GET /v2/${path}/manifests/${referrersFallbackTag(d)}`),
    ];
    assert.deepEqual(
      [...proxy.requests].sort(),
      expected.sort(),
      'what crossed the wire: no referrers request (the registry has no API, remembered), no artifact read again',
    );
  });

  it('a session’s first refresh with the cache file of an earlier one reads the records in one round trip too; a record added since still shows', async () => {
    const { path, digests, recordIds } = await repository(['dev', 'staging', 'production']);
    const cfg = threeEnvironments(`${proxy.host}/${path}`);
    const cacheDir = makeTempDir('refresh-records-session');
    const detailsFile = join(cacheDir, 'image-details.json');
    const earlier = await takeSnapshot(cfg, composedSnapshotServices(svc, detailsFile));
    assert.deepEqual(ids(earlier.history?.records), [...recordIds].sort());
    // The earlier session writes both caches after the refresh, not in its way: wait until both are on
    // disk, whole (the records' artifacts too), and say so if they never are. (A silent 2 s limit here
    // let a loaded CI machine start the next session on half of them: it then read everything again.)
    const file = join(cacheDir, 'refresh-records.json');
    const written = (): boolean => {
      if (!existsSync(file) || !existsSync(detailsFile)) return false;
      const remembered = JSON.parse(readFileSync(file, 'utf8')) as { artifacts?: unknown[] };
      const text = JSON.stringify(remembered);
      return (remembered.artifacts?.length ?? 0) >= recordIds.length && Object.values(digests).every((d) => text.includes(d));
    };
    const deadline = Date.now() + 15_000;
    while (!written() && Date.now() < deadline) await sleep(20);
    assert.ok(
      written(),
      `the earlier session's caches were not written within 15 s: ${existsSync(file) ? readFileSync(file, 'utf8').slice(0, 300) : 'no file'}`,
    );

    proxy.reset();
    const session = composedSnapshotServices(svc, detailsFile); // a new session: nothing in memory
    const first = await takeSnapshot(cfg, session);
    assert.deepEqual(ids(first.history?.records), [...recordIds].sort());
    assert.equal(first.requests?.roundTrips, 1, `sequential round trips (requests: ${proxy.requests.join(', ')})`);
    const artifactReads = proxy.requests.filter((r) => /^GET \/v2\/.+\/(manifests|blobs)\/sha256:/.test(r));
    assert.deepEqual(artifactReads, [], 'no record artifact read again: they are named by their digest, and remembered');

    // Nothing is believed from the file but which digests to ask about: a record added since shows.
    const added = await recordElsewhere(proxy.host, path, digests.staging!, 'staging', 'staging');
    const next = await takeSnapshot(cfg, composedSnapshotServices(svc, detailsFile));
    assert.deepEqual(ids(next.history?.records), [...recordIds, added].sort());
  });

  it('a record another process adds after a refresh shows at the next one, on a digest with records and on one that had none; a digest without an index costs no request', async () => {
    const { path, digests, recordIds } = await repository(['dev']);
    const cfg = threeEnvironments(`${proxy.host}/${path}`);
    const services = composedSnapshotServices(svc);
    proxy.reset();
    const first = await takeSnapshot(cfg, services);
    assert.deepEqual(ids(first.history?.records), recordIds);
    for (const tag of ['staging', 'production'])
      assert.ok(
        !proxy.requests.some((r) => r.includes(referrersFallbackTag(digests[tag]!))),
        `no request for ${tag}'s records: the tag list has no index for it`,
      );
    await takeSnapshot(cfg, services); // the steady state: dev's index read early

    const added = [
      await recordElsewhere(proxy.host, path, digests.dev!, 'development', 'dev'),
      await recordElsewhere(proxy.host, path, digests.staging!, 'staging', 'staging'),
    ];
    const next = await takeSnapshot(cfg, services);
    assert.deepEqual(ids(next.history?.records), [...recordIds, ...added].sort(), 'both new records show at the next refresh');
    proxy.reset();
    const after = await takeSnapshot(cfg, services);
    assert.deepEqual(ids(after.history?.records), [...recordIds, ...added].sort());
    assert.equal(after.requests?.roundTrips, 1, 'and the refresh after reads both indexes early');
  });
});

describe('records read at refresh: a registry that gains or loses the referrers API', function () {
  this.timeout(60_000);
  const repo = 'team/app';

  function imageOn(fake: Awaited<ReturnType<typeof startFakeReferrersRegistry>>): string {
    const configBytes = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const config = fake.putBlob(repo, configBytes);
    const image = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: configBytes.length },
        layers: [],
      }),
    );
    return fake.putManifest(repo, 'staging', OCI_MANIFEST, image);
  }

  function recordOn(host: string, digest: string, n: number): HistoryRecord {
    return recordFromOutcome(
      { status: 'succeeded', message: `promotion ${n}`, digest, previousDigest: null, finalDigest: digest, gates: [], durationMs: 1, transport: 'registry' },
      { source: { label: 'build', repository: `${host}/${repo}` }, target: { environment: 'staging', tag: 'staging', repository: `${host}/${repo}` } },
      { user: 'ci' },
      Date.now() + n,
    );
  }

  const client = (): HttpRegistryClient => new HttpRegistryClient({ credentials: anonymous, log: silentLogger, timeoutMs: () => 10_000 });
  const referrersAsked = (requests: readonly string[]): number => requests.filter((r) => r.includes('/referrers/')).length;

  it('lost: the remembered API answers 404, and the same read falls back to the index (and remembers that)', async () => {
    const fake = await startFakeReferrersRegistry();
    try {
      const digest = imageOn(fake);
      const at = { registry: fake.host, path: repo };
      const reader = new RegistryRecords({ registry: client(), log: silentLogger });
      const writer = new RegistryRecords({ registry: client(), log: silentLogger });
      const first = recordOn(fake.host, digest, 1);
      assert.equal(await writer.write(at, digest, first), 'referrers-api');
      assert.deepEqual(ids((await reader.read(at, digest)).records), [first.id]);

      fake.referrersApi = false;
      const second = recordOn(fake.host, digest, 2);
      assert.equal(await writer.write(at, digest, second), 'fallback-tag');
      assert.deepEqual(ids((await reader.read(at, digest)).records), [second.id], 'the record in the index is read at once');
      const asked = referrersAsked(fake.requests);
      assert.deepEqual(ids((await reader.read(at, digest)).records), [second.id]);
      assert.equal(referrersAsked(fake.requests), asked, 'the API is not asked again while it is remembered missing');
    } finally {
      await fake.close();
    }
  });

  it('gained: asked again once what was remembered is old, and a record indexed only by the API then shows', async () => {
    const fake = await startFakeReferrersRegistry();
    try {
      fake.referrersApi = false;
      const digest = imageOn(fake);
      const at = { registry: fake.host, path: repo };
      let now = Date.now();
      const reader = new RegistryRecords({ registry: client(), log: silentLogger, now: () => now, referrersSupportMs: 60_000 });
      const writer = new RegistryRecords({ registry: client(), log: silentLogger });
      const first = recordOn(fake.host, digest, 1);
      assert.equal(await writer.write(at, digest, first), 'fallback-tag');
      assert.deepEqual(ids((await reader.read(at, digest)).records), [first.id]);

      fake.referrersApi = true;
      const second = recordOn(fake.host, digest, 2);
      assert.equal(await writer.write(at, digest, second), 'referrers-api');
      const asked = referrersAsked(fake.requests);
      assert.deepEqual(ids((await reader.read(at, digest)).records), [first.id], 'within the remembered minute: the index alone');
      assert.equal(referrersAsked(fake.requests), asked, 'without asking the API');
      now += 61_000;
      assert.deepEqual(ids((await reader.read(at, digest)).records), [first.id, second.id].sort(), 'after it: the API, which lists both');
      assert.equal(referrersAsked(fake.requests), asked + 1);
    } finally {
      await fake.close();
    }
  });
});
