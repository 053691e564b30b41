// The git module against real temporary repositories: linear history, a merge, a shallow clone,
// rewritten history, unknown and malformed revisions, a folder that is no repository.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commitsBetween, type CommitRange } from '../../src/git/commitRange';

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_DATE: '', GIT_COMMITTER_DATE: '' };

function git(dir: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.com', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args],
    { cwd: dir, encoding: 'utf8', env: ENV },
  ).trim();
}

let n = 0;
function commit(dir: string, subject: string): string {
  writeFileSync(path.join(dir, `f${n++}.txt`), `${subject}\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', subject);
  return git(dir, 'rev-parse', 'HEAD');
}

function subjects(range: CommitRange): string[] {
  assert.ok(range.kind === 'ships' || range.kind === 'takes-back', `expected a list, got ${JSON.stringify(range)}`);
  return range.commits.map((c) => c.subject);
}

describe('commits between two revisions (real git repositories)', () => {
  const dirs: string[] = [];
  const tmp = (name: string): string => {
    const d = mkdtempSync(path.join(os.tmpdir(), `imgpromo-git-${name}-`));
    dirs.push(d);
    return d;
  };
  let repo: string;
  let c1: string, c2: string, c3: string, c4: string;

  before(() => {
    repo = tmp('linear');
    git(repo, 'init', '-q');
    c1 = commit(repo, 'Initial import');
    c2 = commit(repo, 'Add the login page');
    c3 = commit(repo, 'Fix the session cookie');
    c4 = commit(repo, 'Cache the catalogue; 50% faster | "quoted" `ticks`');
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('linear history: the commits after the target revision up to the source, newest first, with author and date', async () => {
    const range = await commitsBetween(repo, c1, c4);
    assert.equal(range.kind, 'ships');
    assert.deepEqual(subjects(range), ['Cache the catalogue; 50% faster | "quoted" `ticks`', 'Fix the session cookie', 'Add the login page']);
    if (range.kind !== 'ships') return;
    assert.equal(range.total, 3);
    assert.equal(range.commits[0]!.sha, c4);
    assert.equal(range.commits[0]!.author, 'Ada Lovelace');
    assert.ok(Number.isFinite(Date.parse(range.commits[0]!.date)), range.commits[0]!.date);
    assert.equal(range.commits[0]!.merge, false);
  });

  it('abbreviated revisions resolve; the same revision ships nothing', async () => {
    assert.deepEqual(subjects(await commitsBetween(repo, c2.slice(0, 7), c3.slice(0, 10))), ['Fix the session cookie']);
    assert.deepEqual(await commitsBetween(repo, c3, c3.slice(0, 8)), { kind: 'same', revision: c3 });
  });

  it('an older revision arriving takes commits back (a rollback), listed as such', async () => {
    const range = await commitsBetween(repo, c4, c2);
    assert.equal(range.kind, 'takes-back');
    assert.deepEqual(subjects(range), ['Cache the catalogue; 50% faster | "quoted" `ticks`', 'Fix the session cookie']);
  });

  it('lists at most the limit and still counts every commit', async () => {
    const range = await commitsBetween(repo, c1, c4, { limit: 2 });
    assert.equal(range.kind, 'ships');
    if (range.kind !== 'ships') return;
    assert.equal(range.commits.length, 2);
    assert.equal(range.total, 3);
  });

  it('a merge: the merge commit and the side branch commits, the merge marked', async () => {
    const dir = tmp('merge');
    git(dir, 'init', '-q');
    const base = commit(dir, 'base');
    commit(dir, 'main work');
    git(dir, 'checkout', '-q', '-b', 'feature', base);
    commit(dir, 'feature one');
    commit(dir, 'feature two');
    git(dir, 'checkout', '-q', 'main');
    const mainTip = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'merge', '-q', '--no-ff', '-m', 'Merge feature', 'feature');
    const merged = git(dir, 'rev-parse', 'HEAD');
    const range = await commitsBetween(dir, mainTip, merged);
    assert.equal(range.kind, 'ships');
    assert.deepEqual(new Set(subjects(range)), new Set(['Merge feature', 'feature one', 'feature two']));
    if (range.kind === 'ships')
      assert.deepEqual(
        range.commits.filter((c) => c.merge).map((c) => c.subject),
        ['Merge feature'],
      );
  });

  it('a shallow clone: a revision it lacks, and a range the clone cuts, are notes — never a short list', async () => {
    const dir = tmp('shallow-src');
    git(dir, 'init', '-q');
    const base = commit(dir, 'base');
    const m1 = commit(dir, 'main one');
    git(dir, 'checkout', '-q', '-b', 'side', base);
    commit(dir, 'side one');
    commit(dir, 'side two');
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'merge', '-q', '--no-ff', '-m', 'Merge side', 'side');
    const merged = git(dir, 'rev-parse', 'HEAD');
    const clone = path.join(tmp('shallow'), 'clone');
    git(os.tmpdir(), 'clone', '-q', '--depth', '2', `file://${dir}`, clone);
    assert.equal(git(clone, 'rev-parse', '--is-shallow-repository'), 'true');

    const missing = await commitsBetween(clone, base, merged);
    assert.equal(missing.kind, 'note');
    if (missing.kind === 'note') {
      assert.equal(missing.note, 'shallow');
      assert.match(missing.message, /shallow clone.*git fetch --unshallow/);
    }
    // m1 is there, but "side one" lies beyond the boundary: the list would miss it.
    const cut = await commitsBetween(clone, m1, merged);
    assert.equal(cut.kind, 'note', JSON.stringify(cut));
    if (cut.kind === 'note') assert.equal(cut.note, 'shallow');
    // The full repository lists the same range whole.
    assert.deepEqual(new Set(subjects(await commitsBetween(dir, m1, merged))), new Set(['Merge side', 'side one', 'side two']));
  });

  it('a shallow clone whose range is complete still lists it', async () => {
    const clone = path.join(tmp('shallow-ok'), 'clone');
    git(os.tmpdir(), 'clone', '-q', '--depth', '3', `file://${repo}`, clone);
    assert.deepEqual(subjects(await commitsBetween(clone, c2, c4)), ['Cache the catalogue; 50% faster | "quoted" `ticks`', 'Fix the session cookie']);
  });

  it('rewritten history (the target revision is not an ancestor): a note, no list', async () => {
    const dir = tmp('rewritten');
    git(dir, 'init', '-q');
    commit(dir, 'base');
    const before = commit(dir, 'release candidate');
    git(dir, 'commit', '-q', '--amend', '-m', 'release candidate (amended)');
    const after = git(dir, 'rev-parse', 'HEAD');
    const range = await commitsBetween(dir, before, after, {}, { from: 'production', to: 'staging' });
    assert.equal(range.kind, 'note');
    if (range.kind === 'note') {
      assert.equal(range.note, 'rewritten');
      assert.match(range.message, /production.*not an ancestor.*staging.*rewritten/);
    }
  });

  it('an unknown commit, a revision that is no commit id, and a folder that is no repository: each a clear note', async () => {
    const unknown = await commitsBetween(repo, c1, 'f'.repeat(40), {}, { to: 'staging' });
    assert.equal(unknown.kind, 'note');
    if (unknown.kind === 'note') {
      assert.equal(unknown.note, 'unknown-revision');
      assert.match(unknown.message, /revision fffffff of staging is not in this repository/);
    }
    const label = await commitsBetween(repo, c1, 'v1.2.3; rm -rf /');
    assert.equal(label.kind, 'note');
    if (label.kind === 'note') assert.equal(label.note, 'not-a-commit');
    const plain = tmp('plain');
    const none = await commitsBetween(plain, c1, c2);
    assert.equal(none.kind, 'note');
    if (none.kind === 'note') assert.equal(none.note, 'not-a-repository');
  });

  it('an aborted signal stops before git runs', async () => {
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(commitsBetween(repo, c1, c2, { signal: abort.signal }), /cancel/i);
  });
});
