import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { orderBuilds } from '../../src/builds/buildOrder';
import { parseGitLog, readGitHistory } from '../../src/builds/gitHistory';
import { namePolicyFor, sortByName } from '../../src/builds/namePolicies';
import { compareSemver, parseSemver } from '../../src/builds/semver';

const none = { createdOf: () => undefined };

describe('build order', () => {
  describe('semver (as Flux reads tags)', () => {
    it('orders by precedence, pre-releases below their release, "v" allowed, build metadata ignored', () => {
      const tags = [
        '1.0.0-alpha',
        'v1.0.0',
        '1.0.0-alpha.1',
        '1.0.0-beta.11',
        '1.0.0-beta.2',
        '1.0.0-rc.1',
        '0.9.12',
        '1.0.0-alpha.beta',
        '1.0.0-beta',
        '10.0.0',
        '2.0.0+build.7',
      ];
      assert.equal(namePolicyFor(tags), 'semver');
      assert.deepEqual(sortByName(tags, 'semver'), [
        '10.0.0',
        '2.0.0+build.7',
        'v1.0.0',
        '1.0.0-rc.1',
        '1.0.0-beta.11',
        '1.0.0-beta.2',
        '1.0.0-beta',
        '1.0.0-alpha.beta',
        '1.0.0-alpha.1',
        '1.0.0-alpha',
        '0.9.12',
      ]);
    });
    it('is strict: no "1.2", no leading zeros, no bare numbers', () => {
      for (const tag of ['1.2', '01.2.3', '1.2.3-01', '1', 'latest', '1.2.3.4', 'v']) assert.equal(parseSemver(tag), undefined, tag);
      assert.equal(namePolicyFor(['1.2.3', '1.2']), undefined);
    });
    it('is a total order consistent with itself (property)', () => {
      const version = fc
        .tuple(
          fc.nat(30),
          fc.nat(30),
          fc.nat(30),
          fc.option(fc.array(fc.oneof(fc.nat(20).map(String), fc.constantFrom('alpha', 'beta', 'rc')), { minLength: 1, maxLength: 3 })),
        )
        .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre ? `-${pre.join('.')}` : ''}`);
      fc.assert(
        fc.property(version, version, version, (x, y, z) => {
          const [a, b, c] = [x, y, z].map((t) => parseSemver(t)!);
          assert.equal(Math.sign(compareSemver(a!, b!)), -Math.sign(compareSemver(b!, a!)));
          if (compareSemver(a!, b!) <= 0 && compareSemver(b!, c!) <= 0) assert.ok(compareSemver(a!, c!) <= 0);
        }),
      );
    });
  });

  describe('numerical and date-like tags', () => {
    it('orders numbers as numbers, not as the registry lists them (lexically)', () => {
      const tags = Array.from({ length: 5000 }, (_, i) => String(i + 1)).sort();
      assert.equal(tags[tags.length - 1], '999', 'the registry would list 999 last');
      const order = orderBuilds(tags, none);
      assert.equal(order.policy, 'numerical');
      assert.deepEqual(order.ordered.slice(0, 3), ['5000', '4999', '4998']);
      assert.deepEqual(order.unplaced, []);
    });
    it('reads decimals the way Go ParseFloat does for plain numbers', () => {
      assert.deepEqual(sortByName(['1.5', '10', '2', '-1', '1e3'], 'numerical'), ['1e3', '10', '2', '1.5', '-1']);
    });
    it('orders date-like tags by name, newest first', () => {
      const tags = ['2026-01-02T10-00-00Z', '2025-12-31T23-59-59Z', '2026-01-02T09-00-00Z'];
      assert.equal(namePolicyFor(tags), 'date');
      assert.deepEqual(sortByName(tags, 'date'), ['2026-01-02T10-00-00Z', '2026-01-02T09-00-00Z', '2025-12-31T23-59-59Z']);
      assert.equal(namePolicyFor(['20260102-1200-abc', '20251231-0900-def']), 'date');
    });
    it('falls back to creation time when not every tag fits a name policy', () => {
      const order = orderBuilds(['3', '2', 'main-abc'], { createdOf: (t) => ({ '3': 1, '2': 2 })[t] });
      assert.equal(order.policy, 'created');
      assert.deepEqual(order.ordered, ['2', '3']);
      assert.deepEqual(order.unplaced, ['main-abc']);
    });
  });

  describe('commit SHAs by the git history', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const c = 'c'.repeat(39) + '1';
    const history = parseGitLog(`${c} 300\n${b} 200\n${a} 100\n`);

    it('orders full and abbreviated SHAs by commit time with no request', () => {
      const order = orderBuilds([a.slice(0, 7), b, c.slice(0, 12)], { git: history, createdOf: () => undefined });
      assert.equal(order.policy, 'git');
      assert.deepEqual(order.ordered, [c.slice(0, 12), b, a.slice(0, 7)]);
    });
    it('places a build of a commit not in the history by its creation time among the others', () => {
      const foreign = 'd'.repeat(40);
      const order = orderBuilds([a, b, c, foreign], { git: history, createdOf: (t) => (t === foreign ? 250_000 : undefined) });
      assert.deepEqual(order.ordered, [c, foreign, b, a]);
    });
    it('leaves a commit it cannot tell apart (ambiguous abbreviation) to the creation time', () => {
      const twins = parseGitLog(`${'e'.repeat(8)}${'0'.repeat(32)} 1\n${'e'.repeat(8)}${'1'.repeat(32)} 2\n`);
      assert.equal(twins.commitTime('eeeeeee'), undefined);
      assert.equal(twins.commitTime('eeeeeeee1'), 2000);
    });
    it('reads the real history of a repository through git (no shell), newest first', async function () {
      this.timeout(10_000);
      const dir = mkdtempSync(join(tmpdir(), 'imgpromo-git-'));
      try {
        const git = (args: string[], date: string) =>
          execFileSync('git', args, {
            cwd: dir,
            env: {
              ...process.env,
              GIT_AUTHOR_DATE: date,
              GIT_COMMITTER_DATE: date,
              GIT_AUTHOR_NAME: 't',
              GIT_AUTHOR_EMAIL: 't@t',
              GIT_COMMITTER_NAME: 't',
              GIT_COMMITTER_EMAIL: 't@t',
            },
          })
            .toString()
            .trim();
        git(['init', '-q'], '2026-01-01T00:00:00Z');
        git(['commit', '-q', '--allow-empty', '-m', 'one'], '2026-01-01T00:00:00Z');
        const first = git(['rev-parse', 'HEAD'], '2026-01-01T00:00:00Z');
        git(['commit', '-q', '--allow-empty', '-m', 'two'], '2026-01-02T00:00:00Z');
        const second = git(['rev-parse', 'HEAD'], '2026-01-02T00:00:00Z');
        const h = await readGitHistory(dir);
        assert.ok(h);
        assert.deepEqual(orderBuilds([first.slice(0, 7), second.slice(0, 7)], { git: h, createdOf: () => undefined }).ordered, [
          second.slice(0, 7),
          first.slice(0, 7),
        ]);
        assert.equal(h.commits, 2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    it('is undefined outside a repository', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'imgpromo-nogit-'));
      try {
        assert.equal(await readGitHistory(dir), undefined);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('unplaced tags come in name order, descending, so every refresh places the next ones', () => {
    const order = orderBuilds(['b1', 'a1', 'c1'], none);
    assert.deepEqual(order.unplaced, ['c1', 'b1', 'a1']);
  });
});
