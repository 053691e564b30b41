import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Repository } from '../../src/core/reference';
import { recordFromOutcome, type HistoryRecord } from '../../src/history/record';
import type { EnvironmentConfig } from '../../src/config/types';
import { RefreshRecords } from '../../src/records/refreshRecords';
import { RegistryRecords } from '../../src/records/registryRecords';
import type { Manifest, ReferrerDescriptor, RegistryClient } from '../../src/registry/registryClient';
import { MemoryLog } from '../integration/support';

const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const repo: Repository = { registry: 'registry.example', path: 'team/app' };
const who = { user: 'dev' };

/** A registry with the referrers API, in memory; counts the artifact manifests read. */
function memoryRegistry(): { registry: RegistryClient; artifactReads: () => number } {
  const manifests = new Map<string, Manifest & { subject?: string; artifactType?: string; annotations?: Record<string, string> }>();
  const blobs = new Map<string, Buffer>();
  let artifactReads = 0;
  const registry: Partial<RegistryClient> = {
    resolve: async (_repo, reference) => ({ digest: reference, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100 }),
    blobExists: async (_repo, d) => blobs.has(d),
    uploadBlob: async (_repo, d, _size, stream) => {
      const chunks: Uint8Array[] = [];
      for await (const c of stream) chunks.push(c);
      blobs.set(d, Buffer.concat(chunks));
    },
    writeManifest: async (_repo, reference, manifest) => {
      const json = JSON.parse(manifest.bytes.toString('utf8')) as { subject?: { digest: string }; artifactType?: string; annotations?: Record<string, string> };
      manifests.set(reference, {
        ...manifest,
        digest: reference,
        size: manifest.bytes.length,
        ...(json.subject ? { subject: json.subject.digest } : {}),
        ...(json.artifactType ? { artifactType: json.artifactType } : {}),
        ...(json.annotations ? { annotations: json.annotations } : {}),
      });
      return { reportedDigest: sha256(manifest.bytes), subjectDigest: json.subject?.digest };
    },
    listReferrers: async (_repo, subject) =>
      [...manifests.values()]
        .filter((m) => m.subject === subject)
        .map((m): ReferrerDescriptor => ({
          mediaType: m.mediaType,
          digest: m.digest,
          size: m.size,
          artifactType: m.artifactType!,
          annotations: m.annotations!,
        })),
    getManifest: async (_repo, reference) => {
      artifactReads++;
      return manifests.get(reference);
    },
    openBlob: async (_repo, d) => {
      const bytes = blobs.get(d)!;
      return {
        digest: d,
        size: bytes.length,
        stream: (async function* () {
          yield bytes;
        })(),
        cancel: async () => undefined,
      };
    },
  };
  return { registry: registry as RegistryClient, artifactReads: () => artifactReads };
}

function recordOn(subject: string): HistoryRecord {
  return recordFromOutcome(
    { status: 'succeeded', message: 'promoted', digest: subject, previousDigest: null, finalDigest: subject, gates: [], durationMs: 5, transport: 'registry' },
    {
      source: { label: 'build', repository: 'registry.example/team/app' },
      target: { environment: 'staging', tag: 'staging', repository: 'registry.example/team/app' },
    },
    who,
  );
}

describe('registry records cache', () => {
  /** Writes one record on each of `subjects`; then `reads(i)` reads subject i's records and says how many artifacts it fetched. */
  async function written(records: RegistryRecords, memory: ReturnType<typeof memoryRegistry>, subjects: number) {
    for (let i = 0; i < subjects; i++) await records.write(repo, digest(i), recordOn(digest(i)));
    return async (i: number): Promise<number> => {
      const before = memory.artifactReads();
      const read = await records.read(repo, digest(i));
      assert.equal(read.records.length, 1);
      assert.equal(read.records[0]!.digest, digest(i));
      return memory.artifactReads() - before;
    };
  }

  it('keeps the records of cacheDigests digests, the least recently used forgotten first: promoting new builds all day does not keep every record', async () => {
    const memory = memoryRegistry();
    const records = new RegistryRecords({ registry: memory.registry, log: new MemoryLog(), cacheDigests: 3 });
    const reads = await written(records, memory, 3);
    assert.equal(await reads(0), 0, 'written: remembered');
    await records.write(repo, digest(3), recordOn(digest(3))); // forgets digest 1, used least recently
    assert.equal(await reads(0), 0);
    assert.equal(await reads(3), 0);
    assert.equal(await reads(1), 1, 'forgotten: read again');
  });

  it('by default a few digests, twice as many as keepDigests says a refresh reads', async () => {
    const memory = memoryRegistry();
    const records = new RegistryRecords({ registry: memory.registry, log: new MemoryLog() });
    const reads = await written(records, memory, 100);
    assert.equal(await reads(99), 0);
    assert.equal(await reads(50), 1, 'not 100 digests: the default keeps a few');
    records.keepDigests(30);
    for (let i = 0; i < 60; i++) await reads(i); // a refresh of 30 digests, and another 30 read since
    const again = await Promise.all(Array.from({ length: 60 }, (_, i) => reads(i)));
    assert.deepEqual(again, Array(60).fill(0), 'all 60 remembered');
    assert.equal(await reads(60), 1);
  });

  it('a refresh sizes it: what it read is still there at the next one, after as many promotions of new builds in between', async () => {
    const memory = memoryRegistry();
    const records = new RegistryRecords({ registry: memory.registry, log: new MemoryLog() });
    const refresh = new RefreshRecords({ records, log: new MemoryLog() });
    const environments = Array.from({ length: 40 }, (_, i) => ({ name: `env${i}`, tag: `env${i}`, repository: repo }) as unknown as EnvironmentConfig);
    const held = environments.map((env, i) => ({ env, digest: digest(i) }));
    for (let i = 0; i < 80; i++) await records.write(repo, digest(i), recordOn(digest(i)));
    const refreshed = async (): Promise<number> => {
      const before = memory.artifactReads();
      await refresh.begin(environments).merge(undefined, held);
      return memory.artifactReads() - before;
    };
    await refreshed();
    for (let i = 100; i < 140; i++) await records.write(repo, digest(i), recordOn(digest(i))); // 40 promotions of new builds
    assert.equal(await refreshed(), 0, 'every record the last refresh read is remembered');
  });
});
