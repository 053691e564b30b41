// The words for what a promotion ships: one line for a summary, one line per commit for a list.
import type { Commit } from '../../git/commitRange';
import type { Shipped } from '../../model/compare';

const SUBJECTS_IN_SUMMARY = 3;

/** "Ships 3 commits to production: Fix login; Add cache; …" — or why no list is shown. */
export function shippedSummary(shipped: Shipped, target: string): string {
  switch (shipped.kind) {
    case 'ships':
      return `Ships ${count(shipped.total)} to ${target}: ${subjects(shipped.commits, shipped.total)}`;
    case 'takes-back':
      return `Takes ${count(shipped.total)} back out of ${target}: ${subjects(shipped.commits, shipped.total)}`;
    case 'same':
      return `No new commits: ${target} already runs revision ${shipped.revision.slice(0, 7)}`;
    case 'note':
      return `Commits not listed: ${shipped.message}`;
  }
}

/** `3f9c2ab Fix the session cookie — Ada Lovelace, 2026-11-30` */
export function commitLine(c: Commit): string {
  return `${c.sha.slice(0, 7)} ${c.subject}${c.merge ? ' (merge)' : ''} — ${c.author}, ${c.date.slice(0, 10)}`;
}

/** The commits listed, and how many more there are. */
export function shippedCommits(shipped: Shipped): { readonly commits: readonly Commit[]; readonly more: number } {
  if (shipped.kind !== 'ships' && shipped.kind !== 'takes-back') return { commits: [], more: 0 };
  return { commits: shipped.commits, more: shipped.total - shipped.commits.length };
}

function count(n: number): string {
  return `${n} commit${n === 1 ? '' : 's'}`;
}

function subjects(commits: readonly Commit[], total: number): string {
  const shown = commits.slice(0, SUBJECTS_IN_SUMMARY).map((c) => c.subject);
  return total > shown.length ? `${shown.join('; ')}; …` : shown.join('; ');
}
