import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repository } from '../../src/core/reference';
import { BlobLocations, recordingBlobLocations } from '../../src/registry/blobLocations';
import type { RegistryClient } from '../../src/registry/registryClient';
import { MemoryLog } from '../integration/support';

const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const repo = (registry: string, path: string): Repository => ({ registry, path });
const B = 'registry-b.example:5000';

/** A clock the test moves: each record is newer than the one before. */
function clock(): () => number {
  let t = 1_700_000_000_000;
  return () => (t += 1000);
}

describe('blob location cache', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-blobs-'));
    file = join(dir, 'sub', 'blob-locations.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('offers the repositories of the asked registry that held a blob, newest first, without the excluded ones', () => {
    const cache = new BlobLocations({ now: clock() });
    cache.record(digest(1), repo(B, 'team/x'));
    cache.record(digest(1), repo('registry-a.example', 'team/x'));
    cache.record(digest(1), repo(B, 'team/y'));
    cache.record(digest(1), repo(B, 'team/x')); // seen again: newest now
    assert.deepEqual(cache.candidates(digest(1), B), [repo(B, 'team/x'), repo(B, 'team/y')]);
    assert.deepEqual(cache.candidates(digest(1), B, [repo(B, 'team/x')]), [repo(B, 'team/y')]);
    assert.deepEqual(cache.candidates(digest(1), 'registry-a.example'), [repo('registry-a.example', 'team/x')]);
    assert.deepEqual(cache.candidates(digest(2), B), [], 'an unknown digest has none');
    assert.deepEqual(cache.size, { digests: 1, locations: 3 }, 'one entry per repository');
  });

  it('forgets a location that turned out wrong, and the digest with its last location', () => {
    const cache = new BlobLocations({ now: clock() });
    cache.record(digest(1), repo(B, 'team/x'));
    cache.record(digest(1), repo(B, 'team/y'));
    cache.forget(digest(1), repo(B, 'team/y'));
    assert.deepEqual(cache.candidates(digest(1), B), [repo(B, 'team/x')]);
    cache.forget(digest(1), repo(B, 'team/x'));
    assert.deepEqual(cache.size, { digests: 0, locations: 0 });
  });

  it('is bounded: locations per digest (the oldest go) and digests (the least recently used go)', () => {
    const cache = new BlobLocations({ now: clock(), maxDigests: 3, maxPerDigest: 2 });
    for (const path of ['a/one', 'a/two', 'a/three']) cache.record(digest(1), repo(B, path));
    assert.deepEqual(cache.candidates(digest(1), B), [repo(B, 'a/three'), repo(B, 'a/two')]);
    cache.record(digest(2), repo(B, 'a/one'));
    cache.record(digest(3), repo(B, 'a/one'));
    cache.candidates(digest(1), B); // used: kept over 2, which nobody asked for
    cache.record(digest(4), repo(B, 'a/one'));
    assert.deepEqual(cache.size.digests, 3);
    assert.deepEqual(cache.candidates(digest(2), B), [], 'the least recently used digest was dropped');
    assert.equal(cache.candidates(digest(1), B).length, 2);
    assert.equal(cache.candidates(digest(4), B).length, 1);
  });

  it('keeps nothing but sha256 digests, registry hosts and repository paths', () => {
    const cache = new BlobLocations({ now: clock() });
    cache.record('sha512:abc', repo(B, 'team/x'));
    cache.record(digest(1), repo('user:secret@registry.example', 'team/x'));
    cache.record(digest(1), repo('https://registry.example', 'team/x'));
    cache.record(digest(1), repo(B, 'team/x?token=abc'));
    cache.record(digest(1), repo(B, 'Team/X'));
    assert.deepEqual(cache.size, { digests: 0, locations: 0 });
    cache.record(digest(1), repo('[::1]:5000', 'team/x'));
    cache.record(digest(1), repo('localhost', 'library/alpine'));
    assert.equal(cache.size.locations, 2);
  });

  it('records the config and layers a manifest names (not foreign layers; an index names none)', () => {
    const cache = new BlobLocations({ now: clock() });
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(10), size: 2 },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(11), size: 3 },
        { mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', digest: digest(12), size: 3, urls: ['https://x.example/l'] },
      ],
    };
    cache.recordManifest({ bytes: Buffer.from(JSON.stringify(manifest)), mediaType: manifest.mediaType }, repo(B, 'team/x'));
    cache.recordManifest({ bytes: Buffer.from('{"schemaVersion":2,"manifests":[]}'), mediaType: 'application/vnd.oci.image.index.v1+json' }, repo(B, 'team/x'));
    cache.recordManifest({ bytes: Buffer.from('not json'), mediaType: '' }, repo(B, 'team/x'));
    assert.deepEqual(
      [10, 11, 12].map((n) => cache.candidates(digest(n), B).length),
      [1, 1, 0],
    );
  });

  it('a client wrapped to record learns from every manifest it reads, and changes nothing else', async () => {
    const cache = new BlobLocations({ now: clock() });
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: digest(20), size: 1 }, layers: [{ digest: digest(21), size: 1 }] }));
    const manifest = { digest: digest(99), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: bytes.length, bytes };
    const calls: string[] = [];
    const inner = new Proxy({} as RegistryClient, {
      get:
        (_, name) =>
        async (...args: unknown[]) => {
          calls.push(String(name));
          return name === 'getManifest' ? (args[1] === 'missing' ? undefined : manifest) : true;
        },
    });
    const client = recordingBlobLocations(inner, cache);
    assert.equal(await client.getManifest(repo(B, 'team/x'), 'v1'), manifest);
    assert.equal(await client.getManifest(repo(B, 'team/y'), 'missing'), undefined);
    assert.equal(await client.blobExists(repo(B, 'team/z'), digest(20)), true);
    assert.deepEqual(cache.candidates(digest(21), B), [repo(B, 'team/x')]);
    assert.deepEqual(calls, ['getManifest', 'getManifest', 'blobExists']);
  });

  it('keeps what it knows across sessions, in one file written whole (no temporary file left)', async () => {
    const one = new BlobLocations({ file, now: clock(), writeDelayMs: 0 });
    await one.load();
    one.record(digest(1), repo(B, 'team/x'));
    one.record(digest(1), repo(B, 'team/y'));
    await one.flush();
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['blob-locations.json']);
    const text = readFileSync(file, 'utf8');
    assert.equal(JSON.parse(text).version, 1);
    const two = new BlobLocations({ file, now: clock() });
    await two.load();
    assert.deepEqual(two.candidates(digest(1), B), [repo(B, 'team/y'), repo(B, 'team/x')]);
  });

  it('what is recorded while the file loads is kept, as newer than the file', async () => {
    const now = clock();
    const one = new BlobLocations({ file, now, writeDelayMs: 0 });
    one.record(digest(1), repo(B, 'team/old'));
    await one.flush();
    const two = new BlobLocations({ file, now, writeDelayMs: 0 });
    const loading = two.load();
    two.record(digest(1), repo(B, 'team/new'));
    await loading;
    assert.deepEqual(two.candidates(digest(1), B), [repo(B, 'team/new'), repo(B, 'team/old')]);
  });

  it('writes on its own a little after a change', async () => {
    const cache = new BlobLocations({ file, now: clock(), writeDelayMs: 20 });
    await cache.load();
    cache.record(digest(1), repo(B, 'team/x'));
    for (let i = 0; i < 100 && !readdirSafe(join(dir, 'sub')).includes('blob-locations.json'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).blobs.length, 1);
  });

  for (const [name, content] of [
    ['not JSON', '{"version":1,"blobs":[["sha'],
    ['another format', '{"version":99,"blobs":[]}'],
    ['null', 'null'],
    ['binary', '\u0000\u00ff\u0001'],
  ] as const) {
    it(`a corrupt file (${name}) is an empty cache, logged, rewritten at the next write`, async () => {
      const log = new MemoryLog();
      mkdirSync(join(dir, 'sub'));
      writeFileSync(file, content);
      const cache = new BlobLocations({ file, log, now: clock(), writeDelayMs: 0 });
      await cache.load();
      assert.deepEqual(cache.size, { digests: 0, locations: 0 });
      assert.match(log.text(), /blob location cache .* corrupt or of an unknown format: starting empty/);
      await cache.flush();
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { version: 1, blobs: [] });
    });
  }

  it('drops malformed entries (bad digests, hosts with credentials, paths) and keeps the good ones', async () => {
    const log = new MemoryLog();
    mkdirSync(join(dir, 'sub'));
    const good: [string, string, number] = [B, 'team/x', 5];
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        blobs: [
          [digest(1), [good, ['user:pw@host', 'team/x', 6]]],
          ['md5:abc', [good]],
          [digest(2), 'nope'],
          [digest(3), [good]],
        ],
      }),
    );
    const cache = new BlobLocations({ file, log, now: clock() });
    await cache.load();
    assert.deepEqual(cache.candidates(digest(1), B), [repo(B, 'team/x')]);
    assert.deepEqual(cache.candidates(digest(3), B), [repo(B, 'team/x')]);
    assert.deepEqual(cache.size, { digests: 2, locations: 2 });
    assert.match(log.text(), /3 malformed entries ignored/);
  });

  it('an unreadable file (a folder in its place) is an empty cache, logged; a failed write is logged, never thrown', async () => {
    const log = new MemoryLog();
    mkdirSync(file, { recursive: true });
    const cache = new BlobLocations({ file, log, now: clock(), writeDelayMs: 0 });
    await cache.load();
    assert.deepEqual(cache.size, { digests: 0, locations: 0 });
    assert.match(log.text(), /blob location cache .* could not be read/);
    cache.record(digest(1), repo(B, 'team/x'));
    await cache.flush();
    assert.match(log.text(), /blob location cache .* could not be written/);
    assert.equal(cache.candidates(digest(1), B).length, 1, 'still known in memory');
  });

  it('a file over its size limit is not read', async () => {
    const log = new MemoryLog();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(file, JSON.stringify({ version: 1, blobs: [[digest(1), [[B, 'team/x', 1]]]], pad: 'x'.repeat(2000) }));
    const cache = new BlobLocations({ file, log, maxFileBytes: 1000 });
    await cache.load();
    assert.equal(cache.size.digests, 0);
    assert.match(log.text(), /over 1000: starting empty/);
  });
});

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
