// What a release's move ships, against a real temporary git repository: images built from one commit
// share one part, an image of another commit gets a part of its own, and the words say which is which.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';
import { compareRows, whatShipsRelease, type ComparedSide, type Comparison } from '../../src/model/compare';
import { compareHtml } from '../../src/app/text/compareHtml';
import { shippedCommits, shippedFrom, shippedSummary, takesBack } from '../../src/app/text/shippedText';

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1' };
const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: ENV,
  }).trim();

describe("what a release's move ships (real git repository)", () => {
  let dir: string;
  const revs: string[] = [];
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-release-ships-'));
    git(dir, 'init', '-q');
    for (const subject of ['Initial', 'Add the api route', 'Restyle the front page', 'Retry the worker jobs']) {
      writeFileSync(path.join(dir, 'f.txt'), `${subject}\n`);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', subject);
      revs.push(git(dir, 'rev-parse', 'HEAD'));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const ends = (name: string, from: string, to: string) => ({ name, from: { label: 'production', revision: from }, to: { label: 'staging', revision: to } });

  it('images built from one commit ship the same commits: one part naming every image', async () => {
    const shipped = await whatShipsRelease(dir, [ends('api', revs[0]!, revs[3]!), ends('web', revs[0]!, revs[3]!), ends('worker', revs[0]!, revs[3]!)]);
    assert.equal(shipped.kind, 'release');
    if (shipped.kind !== 'release') return;
    assert.deepEqual(
      shipped.parts.map((p) => p.images),
      [['api', 'web', 'worker']],
    );
    assert.equal(
      shippedSummary(shipped, 'production'),
      'All 3 images: Ships 3 commits to production: Retry the worker jobs; Restyle the front page; Add the api route',
    );
    assert.equal(shippedFrom(shipped), revs[0]);
  });

  it('an image of another commit is a part of its own; the commit list holds each commit once', async () => {
    const shipped = await whatShipsRelease(dir, [ends('api', revs[0]!, revs[3]!), ends('web', revs[0]!, revs[3]!), ends('worker', revs[2]!, revs[3]!)]);
    assert.equal(
      shippedSummary(shipped, 'production'),
      'api, web: Ships 3 commits to production: Retry the worker jobs; Restyle the front page; Add the api route · worker: Ships 1 commit to production: Retry the worker jobs',
    );
    assert.deepEqual(
      shippedCommits(shipped).commits.map((c) => c.subject),
      ['Retry the worker jobs', 'Restyle the front page', 'Add the api route'],
    );
    assert.equal(takesBack(shipped), false);
  });

  it('a release rolled back takes commits back in every image; an image without a revision label says so in its part', async () => {
    const back = await whatShipsRelease(dir, [ends('api', revs[3]!, revs[1]!), ends('web', revs[3]!, revs[1]!)]);
    assert.equal(takesBack(back), true);
    const unlabelled = await whatShipsRelease(dir, [
      ends('api', revs[0]!, revs[1]!),
      { name: 'web', from: { label: 'production', revision: revs[0]! }, to: { label: 'staging' } },
    ]);
    assert.match(
      shippedSummary(unlabelled, 'production'),
      /^api: Ships 1 commit to production: Add the api route · web: Commits not listed: the image of staging carries no/,
    );
  });

  it('a single image is what it always was: no parts, no image names', async () => {
    const shipped = await whatShipsRelease(dir, [ends('app', revs[2]!, revs[3]!)]);
    assert.equal(shipped.kind, 'ships');
    assert.equal(shippedSummary(shipped, 'production'), 'Ships 1 commit to production: Retry the worker jobs');
  });

  it("Compare's page has a table per image and the commits per part", async () => {
    const env = (name: string, image: string): EnvironmentConfig => ({
      name,
      tag: name,
      image,
      repository: parseRepository(image),
      protected: false,
      gates: [],
    });
    const side = (envName: string, image: string, digit: string, revision: string): ComparedSide => ({
      env: env(envName, image),
      state: 'present',
      digest: `sha256:${digit.repeat(64)}`,
      details: {
        digest: `sha256:${digit.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        isIndex: false,
        platforms: [],
        labels: {},
        revision,
      },
    });
    const components = [
      { name: 'api', left: side('production', 'registry.example.com/api', '1', revs[0]!), right: side('staging', 'registry.example.com/api', '2', revs[3]!) },
      {
        name: 'worker',
        left: side('production', 'registry.example.com/worker', '3', revs[2]!),
        right: side('staging', 'registry.example.com/worker', '4', revs[3]!),
      },
    ].map((c) => ({ ...c, rows: compareRows(c.left, c.right) }));
    const shipped = await whatShipsRelease(
      dir,
      components.map((c) => ({
        name: c.name,
        from: { label: 'production', revision: c.left.details!.revision! },
        to: { label: 'staging', revision: c.right.details!.revision! },
      })),
    );
    const comparison: Comparison = { left: components[0]!.left, right: components[0]!.right, rows: components[0]!.rows, shipped, components };
    const html = compareHtml(comparison);
    assert.match(html, /<h2>api<\/h2>\n<table>/);
    assert.match(html, /<h2>worker<\/h2>\n<table>/);
    assert.match(html, /<code>sha256:4{64}<\/code>/, "the worker's own digest");
    assert.match(html, /<h3>api<\/h3>\n<p>Ships 3 commits to production/);
    assert.match(html, /<h3>worker<\/h3>\n<p>Ships 1 commit to production: Retry the worker jobs<\/p>/);
    assert.match(html, /in each of the 2 images/);
  });
});
