import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DetailsStore } from '../../src/images/detailsStore';
import type { ImageDetails } from '../../src/images/imageDetails';
import { MemoryLog } from '../integration/support';

const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const details = (n: number, extra: Partial<ImageDetails> = {}): ImageDetails => ({
  digest: digest(n),
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  isIndex: false,
  platforms: ['linux/amd64'],
  labels: { n: String(n) },
  created: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
  ...extra,
});

describe('image details store (disk cache)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-store-'));
    file = join(dir, 'sub', 'image-details.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps details and build tag digests across sessions', async () => {
    const one = new DetailsStore({ file });
    await one.load();
    one.putDetails(details(1));
    one.putTag('r.example/app', 'abc1234', { digest: digest(1), mediaType: 'm' });
    await one.flush();
    const two = new DetailsStore({ file });
    await two.load();
    assert.deepEqual(two.getDetails(digest(1)), details(1));
    assert.deepEqual(two.getTag('r.example/app', 'abc1234'), { digest: digest(1), mediaType: 'm' });
    assert.equal(two.getTag('r.example/other', 'abc1234'), undefined, 'tags are per repository');
  });

  for (const [name, content] of [
    ['not JSON', '{"version":1,"details":[{"dig'],
    ['another format', '{"version":99,"details":[]}'],
    ['null', 'null'],
    ['binary', '\u0000\u00ff\u0001'],
  ] as const) {
    it(`tolerates a corrupt file (${name}): empty, logged, rewritten at the next flush`, async () => {
      const log = new MemoryLog();
      const store = new DetailsStore({ file: join(dir, 'c.json'), log });
      writeFileSync(join(dir, 'c.json'), content);
      await store.load();
      assert.deepEqual(store.size, { digests: 0, tags: 0 });
      assert.match(log.text(), /image details cache .* (corrupt|unknown format)/);
      await store.flush();
      assert.equal(JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')).version, 1);
    });
  }

  it('drops malformed entries and keeps the good ones', async () => {
    const path = join(dir, 'm.json');
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        details: [details(1), { digest: 'sha256:zz' }, { ...details(2), labels: { a: 1 } }, { ...details(3), platforms: 'linux' }],
        tags: [['r/a:t', digest(1), 'm'], ['r/a:u', 'sha512:x', 'm'], 'nonsense'],
      }),
    );
    const log = new MemoryLog();
    const store = new DetailsStore({ file: path, log });
    await store.load();
    assert.deepEqual(store.size, { digests: 1, tags: 1 });
    assert.match(log.text(), /5 malformed entries ignored/);
  });

  it('is bounded: the least recently used digests and the oldest tags go first; a huge entry stays in memory only', async () => {
    const store = new DetailsStore({ file, maxDigests: 3, maxTags: 2, maxEntryBytes: 1000 });
    await store.load();
    for (const n of [1, 2, 3]) store.putDetails(details(n));
    store.getDetails(digest(1)); // used: kept
    store.putDetails(details(4));
    assert.equal(store.getDetails(digest(2)), undefined);
    assert.ok(store.getDetails(digest(1)));
    store.putDetails(details(5, { labels: { big: 'x'.repeat(5000) } }));
    for (const t of ['a', 'b', 'c']) store.putTag('r/a', t, { digest: digest(1), mediaType: 'm' });
    assert.equal(store.getTag('r/a', 'a'), undefined);
    await store.flush();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { details: ImageDetails[]; tags: unknown[] };
    assert.ok(saved.details.length <= 3);
    assert.ok(!saved.details.some((d) => d.digest === digest(5)), 'the oversized entry is not written');
    assert.ok(store.getDetails(digest(5)), 'but it is kept for the session');
    assert.equal(saved.tags.length, 2);
  });

  it('refuses a file over its size limit without reading it', async () => {
    writeFileSync(file.replace('sub/', ''), JSON.stringify({ version: 1, details: [details(1)], tags: [] }));
    const log = new MemoryLog();
    const store = new DetailsStore({ file: file.replace('sub/', ''), log, maxFileBytes: 10 });
    await store.load();
    assert.deepEqual(store.size, { digests: 0, tags: 0 });
    assert.match(log.text(), /over 10: starting empty/);
  });

  it('forgets tags the repository no longer lists', async () => {
    const store = new DetailsStore();
    store.putTag('r/a', 'kept', { digest: digest(1), mediaType: 'm' });
    store.putTag('r/a', 'deleted', { digest: digest(1), mediaType: 'm' });
    store.putTag('r/b', 'deleted', { digest: digest(1), mediaType: 'm' });
    store.keepTags('r/a', new Set(['kept']));
    assert.ok(store.getTag('r/a', 'kept'));
    assert.equal(store.getTag('r/a', 'deleted'), undefined);
    assert.ok(store.getTag('r/b', 'deleted'), 'other repositories untouched');
  });

  it('an unwritable location is logged, not thrown', async () => {
    writeFileSync(join(dir, 'blocker'), 'a file where a folder should be');
    const log = new MemoryLog();
    const store = new DetailsStore({ file: join(dir, 'blocker', 'x.json'), log });
    store.putDetails(details(1));
    await store.flush();
    assert.match(log.text(), /could not be written/);
  });
});
