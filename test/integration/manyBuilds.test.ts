// The Builds view against a real Distribution registry holding thousands of build tags: the newest
// really first, and how many requests a first and a second refresh cost (counted at the fetch, under
// the client, independently of the code's own counting).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGitHistory, type GitHistory } from '../../src/builds/gitHistory';
import { DockerConfigCredentials } from '../../src/credentials/dockerConfig';
import { DetailsStore } from '../../src/images/detailsStore';
import { ImageDetailsCache } from '../../src/images/imageDetails';
import { mapLimit } from '../../src/model/mapLimit';
import { takeSnapshot, type Snapshot, type SnapshotServices } from '../../src/model/snapshot';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { putManifest, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { promotionYaml } from '../fixtures/promotionYaml';
import { config, MemoryLog } from './support';

interface Counted {
  readonly requests: string[];
  /** Holds manifest GETs by digest until released (to watch rows appear before details). */
  hold?: Promise<void>;
}

function countingFetch(counted: Counted): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    const kind = url.pathname.includes('/tags/list') ? 'tags' : url.pathname.includes('/blobs/') ? 'blob' : 'manifest';
    counted.requests.push(`${method} ${kind}`);
    if (counted.hold && method === 'GET' && kind === 'manifest') await counted.hold;
    return fetch(input, init);
  };
}

const tally = (c: Counted) => ({
  total: c.requests.length,
  head: c.requests.filter((r) => r === 'HEAD manifest').length,
  manifestGets: c.requests.filter((r) => r === 'GET manifest').length,
  blobGets: c.requests.filter((r) => r === 'GET blob').length,
  tagPages: c.requests.filter((r) => r === 'GET tags').length,
});

function session(
  svc: TestServices,
  store: DetailsStore,
  extra: Partial<SnapshotServices> = {},
): { services: SnapshotServices; counted: Counted; log: MemoryLog } {
  const counted: Counted = { requests: [] };
  const log = new MemoryLog();
  const credentials = new DockerConfigCredentials({ configDir: () => svc.dockerConfig, log, cacheMs: 0 });
  const registry = new HttpRegistryClient({ credentials, log, timeoutMs: () => 20_000, fetch: countingFetch(counted) });
  const details = new ImageDetailsCache(registry, undefined, store);
  return { counted, log, services: { registry, describe: (r, d, s) => details.get(r, d, s), details, log, ...extra } };
}

/** Puts one image's manifest under every tag (the registry API, 16 at once): a repository with thousands of builds in seconds. */
async function tagMany(svc: TestServices, repo: string, tags: readonly string[]): Promise<string> {
  const image = await pushImage(svc.registryUrl, repo, undefined, { created: '2026-01-01T00:00:00Z' });
  await mapLimit(tags, 16, (tag) => putManifest(svc.registryUrl, repo, tag, image.manifest, image.mediaType));
  for (const tag of ['dev', 'staging', 'production']) await tagExisting(svc.registryUrl, repo, image.digest, tag);
  return image.digest;
}

/** A git repository with `count` commits, one minute apart (fast-import: no work tree, no hooks). */
function gitRepoWithCommits(dir: string, count: number): string[] {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir };
  execFileSync('git', ['init', '-q', dir], { env });
  const stream: string[] = [];
  for (let i = 1; i <= count; i++) {
    stream.push('commit refs/heads/main', `mark :${i}`, `committer t <t@t> ${1_750_000_000 + i * 60} +0000`, 'data 1', `${i % 10}`);
    if (i > 1) stream.push(`from :${i - 1}`);
    stream.push('');
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, env, input: stream.join('\n') });
  return execFileSync('git', ['log', '--format=%H', 'main'], { cwd: dir, env, maxBuffer: 16 << 20 })
    .toString()
    .trim()
    .split('\n');
}

function rowsOf(snapshot: Snapshot): string[] {
  assert.equal(snapshot.builds.state, 'ok', snapshot.builds.state === 'error' ? snapshot.builds.error.message : '');
  return snapshot.builds.state === 'ok' ? snapshot.builds.rows.map((r) => r.tag) : [];
}

describe('builds: thousands of tags (real registry)', function () {
  this.timeout(300_000);
  let svc: TestServices;
  let dir: string;
  before(async () => {
    svc = await sharedServices();
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-builds-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** One repository of 5,000 numbered builds, shared by the tests that only read it. */
  let numbered: Promise<{ repo: string; digest: string }> | undefined;
  const numberedRepo = (): Promise<{ repo: string; digest: string }> => {
    numbered ??= (async () => {
      const repo = uniqueRepo();
      return {
        repo,
        digest: await tagMany(
          svc,
          repo,
          Array.from({ length: 5000 }, (_, i) => String(i + 1)),
        ),
      };
    })();
    return numbered;
  };
  const numberedConfig = (repo: string) =>
    config(
      `${promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }])}builds:\n  tagPattern: '^[0-9]+$'\n`,
    );

  it('5,000 numbered tags, no cache at all: the highest numbers first, within 20 build lookups', async () => {
    const { repo } = await numberedRepo();
    const counted: Counted = { requests: [] };
    const log = new MemoryLog();
    const registry = new HttpRegistryClient({
      credentials: new DockerConfigCredentials({ configDir: () => svc.dockerConfig, log, cacheMs: 0 }),
      log,
      timeoutMs: () => 20_000,
      fetch: countingFetch(counted),
    });
    const details = new ImageDetailsCache(registry);
    const snapshot = await takeSnapshot(numberedConfig(repo), { registry, describe: (r, d, s) => details.get(r, d, s), log });
    assert.deepEqual(
      rowsOf(snapshot),
      Array.from({ length: 20 }, (_, i) => String(5000 - i)),
    );
    const t = tally(counted);
    assert.ok(t.head <= 23 && t.manifestGets <= 20, `requests: ${JSON.stringify(t)}`);
  });

  it('5,000 numbered tags: the highest numbers first, and a second refresh is the environments and the tag list only', async () => {
    const { repo, digest } = await numberedRepo();
    const cfg = numberedConfig(repo);
    const store = new DetailsStore({ file: join(dir, 'numbers.json') });
    const one = session(svc, store);

    const first = await takeSnapshot(cfg, one.services);
    assert.deepEqual(
      rowsOf(first),
      Array.from({ length: 20 }, (_, i) => String(5000 - i)),
      'newest first: 5000, 4999, … (the registry lists them lexically: 999 last)',
    );
    assert.ok(first.builds.state === 'ok' && first.builds.rows.every((r) => r.digest === digest));
    const cold = tally(one.counted);
    // Distribution 2.8 answers the whole list in one page; registries that page do so by 1,000 or more.
    const pages = cold.tagPages;
    assert.ok(pages >= 1 && pages <= 5, `tag pages: ${pages}`);
    // 3 environment HEADs + the tag pages + 20 build HEADs + one description (manifest and config).
    assert.deepEqual(cold, { total: 25 + pages, head: 23, manifestGets: 1, blobGets: 1, tagPages: pages }, JSON.stringify(cold));
    assert.match(
      one.log.text(),
      /refresh: 3 environments, 20 of 5000 builds \(newest by numerical, 5000 placed\).*23 manifest HEAD, 1 manifest GET, 1 blob GET, 1 tag listing/,
    );

    one.counted.requests.length = 0;
    const second = await takeSnapshot(cfg, one.services);
    assert.deepEqual(rowsOf(second), rowsOf(first));
    assert.deepEqual(
      tally(one.counted),
      { total: 3 + pages, head: 3, manifestGets: 0, blobGets: 0, tagPages: pages },
      'build digests and details come from the cache',
    );

    // A new session (the editor restarted) reads both from the disk.
    await store.flush();
    const two = session(svc, new DetailsStore({ file: join(dir, 'numbers.json') }));
    assert.deepEqual(rowsOf(await takeSnapshot(cfg, two.services)), rowsOf(first));
    assert.deepEqual(tally(two.counted), { total: 3 + pages, head: 3, manifestGets: 0, blobGets: 0, tagPages: pages });
  });

  it("5,000 commit-SHA tags: ordered by the workspace's git history, with no request for the order", async () => {
    const repoDir = join(dir, 'workspace');
    const shas = gitRepoWithCommits(repoDir, 5000); // newest first
    const history = await readGitHistory(repoDir);
    assert.equal(history?.commits, 5000);
    const repo = uniqueRepo();
    const tags = shas.map((sha) => sha.slice(0, 12));
    await tagMany(svc, repo, tags);
    const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }]));
    const one = session(svc, new DetailsStore(), { gitHistory: async (): Promise<GitHistory | undefined> => history });

    const first = await takeSnapshot(cfg, one.services);
    assert.deepEqual(rowsOf(first), tags.slice(0, 20), 'the 20 newest commits, newest first');
    assert.equal(first.builds.state === 'ok' && first.builds.order, 'git');
    const pages = tally(one.counted).tagPages;
    assert.deepEqual(tally(one.counted), { total: 25 + pages, head: 23, manifestGets: 1, blobGets: 1, tagPages: pages });
    one.counted.requests.length = 0;
    await takeSnapshot(cfg, one.services);
    assert.deepEqual(tally(one.counted), { total: 3 + pages, head: 3, manifestGets: 0, blobGets: 0, tagPages: pages });
  });

  it('tags with nothing to order them by: creation times read a bounded number per refresh until all are placed', async () => {
    const repo = uniqueRepo();
    // 30 builds whose names say nothing about their age.
    const created = Array.from({ length: 30 }, (_, i) => ({
      tag: `${((i * 7919) % 30).toString(16).padStart(2, '0')}abcdef`,
      at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
    }));
    for (const c of created) await pushImage(svc.registryUrl, repo, c.tag, { created: c.at });
    const newest = [...created].sort((a, b) => b.at.localeCompare(a.at)).map((c) => c.tag);
    const cfg = config(
      promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }]).replace('environments:', 'builds:\n  limit: 5\nenvironments:'),
    );
    const one = session(svc, new DetailsStore(), { headBudget: 12, describeBudget: 12 });

    const placedAfter: number[] = [];
    let last: Snapshot | undefined;
    for (let refresh = 0; refresh < 4; refresh++) {
      one.counted.requests.length = 0;
      last = await takeSnapshot(cfg, one.services);
      placedAfter.push(last.builds.state === 'ok' ? last.builds.scanned : -1);
      const t = tally(one.counted);
      assert.ok(t.manifestGets <= 12 + 5 && t.head <= 1 + 12 + 5, `refresh ${refresh + 1} stays within its budget: ${JSON.stringify(t)}`);
    }
    assert.deepEqual(placedAfter, [12, 24, 30, 30], 'each refresh places at most the budget, until all are known');
    assert.deepEqual(rowsOf(last!), newest.slice(0, 5), 'then the newest really first');
    one.counted.requests.length = 0;
    await takeSnapshot(cfg, one.services);
    assert.deepEqual(tally(one.counted), { total: 2, head: 1, manifestGets: 0, blobGets: 0, tagPages: 1 }, 'all known: one round trip');
  });

  it('shows the environments and the first builds while their details are still being read', async () => {
    const repo = uniqueRepo();
    const tags = Array.from({ length: 50 }, (_, i) => String(i + 1));
    const digest = await tagMany(svc, repo, tags);
    const cfg = config(
      `${promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }])}builds:\n  tagPattern: '^[0-9]+$'\n`,
    );
    const one = session(svc, new DetailsStore());
    let release!: () => void;
    one.counted.hold = new Promise((resolve) => (release = resolve));
    const partials: Snapshot[] = [];
    const done = takeSnapshot(cfg, one.services, undefined, (p) => {
      partials.push(p);
      if (p.builds.state === 'ok' && p.builds.rows.length) release();
    });
    const final = await done;
    const early = partials.find((p) => p.builds.state === 'ok' && p.builds.rows.length);
    assert.ok(early, `a partial snapshot with rows came before the details (${partials.length} partials)`);
    assert.deepEqual(
      early.environments.map((e) => e.lookup.state === 'present' && e.lookup.digest),
      [digest, digest],
    );
    assert.equal(early.builds.state === 'ok' && early.builds.complete, false);
    assert.deepEqual(rowsOf(early), rowsOf(final));
    assert.equal(final.builds.state === 'ok' && final.builds.complete, true);
    assert.ok(final.builds.state === 'ok' && final.builds.rows[0]?.created, 'the final rows carry their creation time');
    assert.ok(partials[0]!.environments.length === 2, 'environments were shown first');
  });
});
