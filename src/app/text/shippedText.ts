// The words for what a promotion ships: one line for a summary, one line per commit for a list.
// A release's parts are said one after another, each naming its images.
import type { Commit } from '../../git/commitRange';
import type { ImageShipped, Shipped } from '../../model/compare';

const SUBJECTS_IN_SUMMARY = 3;

/**
 * "Ships 3 commits to production: Fix login; Add cache; …" — or why no list is shown. A release:
 * "All 3 images: Ships …" when they ship the same commits, else "api, web: Ships … · worker: No new commits …".
 */
export function shippedSummary(shipped: Shipped, target: string): string {
  if (shipped.kind !== 'release') return imageSummary(shipped, target);
  const images = shipped.parts.reduce((n, p) => n + p.images.length, 0);
  if (shipped.parts.length === 1) return `All ${images} images: ${imageSummary(shipped.parts[0]!.shipped, target)}`;
  return shipped.parts.map((p) => `${p.images.join(', ')}: ${imageSummary(p.shipped, target)}`).join(' · ');
}

function imageSummary(shipped: ImageShipped, target: string): string {
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

/**
 * The commits listed, and how many more there are. A release: every part's commits once each, newest
 * part first as listed; `more` is the most any part left out (those may overlap, so it is a floor).
 */
export function shippedCommits(shipped: Shipped): { readonly commits: readonly Commit[]; readonly more: number } {
  if (shipped.kind === 'release') {
    const seen = new Map<string, Commit>();
    let more = 0;
    for (const part of shipped.parts) {
      const listed = shippedCommits(part.shipped);
      for (const c of listed.commits) if (!seen.has(c.sha)) seen.set(c.sha, c);
      more = Math.max(more, listed.more);
    }
    return { commits: [...seen.values()], more };
  }
  if (shipped.kind !== 'ships' && shipped.kind !== 'takes-back') return { commits: [], more: 0 };
  return { commits: shipped.commits, more: shipped.total - shipped.commits.length };
}

/** Whether the move only takes commits back (a rollback): every part of a release does. */
export function takesBack(shipped: Shipped | undefined): boolean {
  if (shipped?.kind === 'release') return shipped.parts.every((p) => p.shipped.kind === 'takes-back');
  return shipped?.kind === 'takes-back';
}

/** The revision the target holds now, as the commit range read it (a release: its first image's). */
export function shippedFrom(shipped: Shipped | undefined): string | undefined {
  const first = shipped?.kind === 'release' ? shipped.parts[0]?.shipped : shipped;
  return first && (first.kind === 'ships' || first.kind === 'takes-back') ? first.from : undefined;
}

function count(n: number): string {
  return `${n} commit${n === 1 ? '' : 's'}`;
}

function subjects(commits: readonly Commit[], total: number): string {
  const shown = commits.slice(0, SUBJECTS_IN_SUMMARY).map((c) => c.subject);
  return total > shown.length ? `${shown.join('; ')}; …` : shown.join('; ');
}
