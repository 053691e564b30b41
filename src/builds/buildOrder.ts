// Newest first, for any number of build tags, knowing as much as possible without a request:
//   - commit-SHA tags of the workspace's own history: by commit time (no request at all);
//   - all tags numbers, dates or semantic versions: by name (Flux's policies; no request at all);
//   - the rest: by the image's creation time, read from the details cache. Tags whose time is not
//     known yet are "unplaced": they are described a bounded number per refresh, until all are known.
// Commit times and creation times are compared with each other (a build is made from a commit).
import type { GitHistory } from './gitHistory';
import { namePolicyFor, sortByName, type NamePolicy } from './namePolicies';

export type OrderPolicy = 'git' | NamePolicy | 'created';

export interface BuildOrder {
  readonly policy: OrderPolicy;
  /** Tags whose place is known, newest first. */
  readonly ordered: readonly string[];
  /** Tags whose place is not known yet, in the order they should be described (name, descending). */
  readonly unplaced: readonly string[];
}

export interface OrderInputs {
  readonly git?: GitHistory;
  /** A build's creation time (ms) when it is known without a request. */
  readonly createdOf: (tag: string) => number | undefined;
}

export function orderBuilds(tags: readonly string[], inputs: OrderInputs): BuildOrder {
  const commitTimes = new Map<string, number>();
  if (inputs.git) {
    for (const tag of tags) {
      const time = inputs.git.commitTime(tag);
      if (time !== undefined) commitTimes.set(tag, time);
    }
  }
  const byName = commitTimes.size ? undefined : namePolicyFor(tags);
  if (byName) return { policy: byName, ordered: sortByName(tags, byName), unplaced: [] };

  const timed: { tag: string; time: number }[] = [];
  const unplaced: string[] = [];
  for (const tag of tags) {
    const time = commitTimes.get(tag) ?? inputs.createdOf(tag);
    if (time !== undefined && Number.isFinite(time)) timed.push({ tag, time });
    else unplaced.push(tag);
  }
  const descending = (a: string, b: string): number => (a < b ? 1 : a > b ? -1 : 0);
  timed.sort((a, b) => b.time - a.time || descending(a.tag, b.tag));
  return { policy: commitTimes.size ? 'git' : 'created', ordered: timed.map((t) => t.tag), unplaced: unplaced.sort(descending) };
}
