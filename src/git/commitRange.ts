// The commits between two revisions of the workspace's repository: what moving an environment from
// the revision it holds to another one ships (or takes back). Any doubt — not a repository, a revision
// it does not have, a shallow clone that cuts the range, history rewritten — is a note, never a list
// that might be wrong.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { runGit, type GitOptions } from './runGit';

export interface Commit {
  readonly sha: string;
  readonly subject: string;
  readonly author: string;
  /** Author date, ISO 8601. */
  readonly date: string;
  /** More than one parent. */
  readonly merge: boolean;
}

export type RangeNote = 'not-a-repository' | 'not-a-commit' | 'unknown-revision' | 'shallow' | 'rewritten' | 'failed';

export type CommitRange =
  /** `to` descends from `from`: these commits ship, newest first (at most `limit` of `total`). */
  | { readonly kind: 'ships'; readonly from: string; readonly to: string; readonly commits: readonly Commit[]; readonly total: number }
  /** `from` descends from `to`: moving to `to` takes these commits back. */
  | { readonly kind: 'takes-back'; readonly from: string; readonly to: string; readonly commits: readonly Commit[]; readonly total: number }
  | { readonly kind: 'same'; readonly revision: string }
  | { readonly kind: 'note'; readonly note: RangeNote; readonly message: string };

export interface RangeOptions extends GitOptions {
  /** Commits listed at most (the total is still counted). Default 200. */
  readonly limit?: number;
}

/** A full or abbreviated SHA-1 or SHA-256 commit name; anything else never reaches git. */
const COMMIT_SHA = /^[0-9a-f]{7,64}$/i;
const DEFAULT_LIMIT = 200;
const FIELD = '\x1f';
const RECORD = '\x1e';

/**
 * Commits between `from` (the revision an environment holds) and `to` (the one that would arrive),
 * read in `dir`. `fromLabel`/`toLabel` name the sides in notes ("production", "staging").
 */
export async function commitsBetween(
  dir: string,
  from: string,
  to: string,
  options: RangeOptions = {},
  labels: { from?: string; to?: string } = {},
): Promise<CommitRange> {
  const fromLabel = labels.from ?? 'the target';
  const toLabel = labels.to ?? 'the source';
  for (const [rev, label] of [
    [from, fromLabel],
    [to, toLabel],
  ] as const) {
    if (!COMMIT_SHA.test(rev))
      return note('not-a-commit', `the revision of ${label} ("${clip(rev)}") is not a commit id, so no commit list can be read from git`);
  }
  const probe = await runGit(dir, ['rev-parse', '--is-shallow-repository'], options);
  if (!probe.ok) {
    if (/not a git repository/i.test(probe.stderr))
      return note('not-a-repository', 'the workspace is not a git repository, so the commits between the builds cannot be listed');
    return failed('git rev-parse', probe);
  }
  const shallow = probe.stdout.trim() === 'true';

  const resolved: string[] = [];
  for (const [rev, label] of [
    [from, fromLabel],
    [to, toLabel],
  ] as const) {
    const found = await runGit(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev.toLowerCase()}^{commit}`], options);
    if (found.failure) return failed('git rev-parse', found);
    const sha = found.stdout.trim();
    if (!found.ok || !sha) {
      if (/ambiguous/i.test(found.stderr))
        return note('failed', `the abbreviated revision ${rev} of ${label} is ambiguous in this repository; label images with the full commit id`);
      return shallow
        ? note('shallow', `the revision ${short(rev)} of ${label} is not in this shallow clone; run git fetch --unshallow to list the commits`)
        : note(
            'unknown-revision',
            `the revision ${short(rev)} of ${label} is not in this repository: the workspace may not be the repository the image was built from, or the commit was not fetched yet (git fetch)`,
          );
    }
    resolved.push(sha);
  }
  const [a, b] = resolved as [string, string];
  if (a === b) return { kind: 'same', revision: a };

  const forward = await isAncestor(dir, a, b, options);
  if (typeof forward === 'string') return note('failed', forward);
  const backward = forward ? false : await isAncestor(dir, b, a, options);
  if (typeof backward === 'string') return note('failed', backward);
  if (!forward && !backward) {
    return shallow
      ? note(
          'shallow',
          `this shallow clone does not reach back far enough to relate ${short(a)} (${fromLabel}) and ${short(b)} (${toLabel}); run git fetch --unshallow to list the commits`,
        )
      : note(
          'rewritten',
          `${short(a)} (${fromLabel}) is not an ancestor of ${short(b)} (${toLabel}), nor the other way round: the history was rewritten (rebase, force-push) or the builds come from diverged branches, so no commit list is shown`,
        );
  }
  const [older, newer] = forward ? [a, b] : [b, a];

  const all = await runGit(dir, ['rev-list', '--end-of-options', `${older}..${newer}`, '--'], options);
  if (!all.ok) return failed('git rev-list', all);
  const shas = all.stdout.split('\n').filter(Boolean);
  if (shallow) {
    // A boundary commit inside the range: its parents were not fetched, so the list would be short.
    const boundary = await shallowBoundary(dir, options);
    if (shas.some((s) => boundary.has(s)))
      return note('shallow', `the shallow clone cuts the history between ${short(older)} and ${short(newer)}; run git fetch --unshallow to list the commits`);
  }
  const limit = Math.max(1, options.limit ?? DEFAULT_LIMIT);
  const log = await runGit(
    dir,
    [
      'log',
      '--no-color',
      '--no-decorate',
      `--max-count=${limit}`,
      `--format=%H${FIELD}%P${FIELD}%an${FIELD}%aI${FIELD}%s${RECORD}`,
      '--end-of-options',
      `${older}..${newer}`,
      '--',
    ],
    options,
  );
  if (!log.ok) return failed('git log', log);
  const commits = parseLog(log.stdout);
  return { kind: forward ? 'ships' : 'takes-back', from: a, to: b, commits, total: shas.length };
}

export function parseLog(text: string): Commit[] {
  return text
    .split(RECORD)
    .map((r) => r.replace(/^\n/, ''))
    .filter(Boolean)
    .map((r) => {
      const [sha = '', parents = '', author = '', date = '', subject = ''] = r.split(FIELD);
      return { sha, subject, author, date, merge: parents.trim().split(' ').filter(Boolean).length > 1 };
    });
}

async function isAncestor(dir: string, ancestor: string, descendant: string, options: GitOptions): Promise<boolean | string> {
  const r = await runGit(dir, ['merge-base', '--is-ancestor', ancestor, descendant], options);
  if (r.ok) return true;
  if (!r.failure && r.stderr.trim() === '') return false; // exit 1: not an ancestor
  return `git merge-base failed: ${r.failure ?? lastLine(r.stderr)}`;
}

async function shallowBoundary(dir: string, options: GitOptions): Promise<Set<string>> {
  const where = await runGit(dir, ['rev-parse', '--git-path', 'shallow'], options);
  if (!where.ok) return new Set();
  const file = path.resolve(dir, where.stdout.trim());
  const text = await readFile(file, 'utf8').catch(() => '');
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

function note(kind: RangeNote, message: string): CommitRange {
  return { kind: 'note', note: kind, message };
}

function failed(what: string, r: { failure?: string; stderr: string }): CommitRange {
  return note('failed', `${what} failed: ${r.failure ?? lastLine(r.stderr)}`);
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() || 'no output';
}

export function short(sha: string): string {
  return sha.slice(0, 7);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
