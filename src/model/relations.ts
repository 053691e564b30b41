// How an environment stands against the one before it. "Behind" means the environment before holds a
// newer build — not merely a different digest: after a rollback the environment before may hold the
// older one. Newer is judged by the images' creation time, else by the order the history saw them enter.

/** What a lookup tells the relation: a digest, empty, or not known. */
export type Held = { readonly state: 'present'; readonly digest: string } | { readonly state: 'absent' } | { readonly state: 'error' };

/**
 * `first`: no environment before it. `in-step`: the same digest. `behind`/`ahead`: the environment
 * before holds a newer/older build (an empty environment is behind anything). `differs`: another
 * digest whose age cannot be told. `unknown`: either side could not be read, or the one before is empty.
 */
export type Relation = 'first' | 'in-step' | 'behind' | 'ahead' | 'differs' | 'unknown';

/** What is known about a digest's age. */
export interface BuildAge {
  /** The image's creation time (ms since epoch). */
  readonly created?: number;
  /** When it first entered the pipeline by a recorded promotion (ms since epoch). */
  readonly firstArrived?: number;
}

export type AgeOf = (digest: string) => BuildAge | undefined;

export function relationOf(current: Held, previous: Held | undefined, ageOf: AgeOf = () => undefined): Relation {
  if (!previous) return 'first';
  if (current.state === 'error' || previous.state !== 'present') return 'unknown';
  if (current.state === 'absent') return 'behind';
  if (current.digest === previous.digest) return 'in-step';
  const order = compareAge(ageOf(previous.digest), ageOf(current.digest));
  if (order === undefined || order === 0) return 'differs';
  return order > 0 ? 'behind' : 'ahead';
}

/** > 0 when `a` is newer than `b`, < 0 when older, 0 or undefined when it cannot be told. Creation time first, then the history's order. */
export function compareAge(a: BuildAge | undefined, b: BuildAge | undefined): number | undefined {
  if (a?.created !== undefined && b?.created !== undefined && a.created !== b.created) return a.created - b.created;
  if (a?.firstArrived !== undefined && b?.firstArrived !== undefined) return a.firstArrived - b.firstArrived;
  return undefined;
}

/** An AgeOf over what a snapshot knows: builds' creation times and the history's first arrivals. */
export function ageLookup(builds: readonly { readonly digest: string; readonly created?: string }[], firstArrivals: ReadonlyMap<string, number>): AgeOf {
  const created = new Map<string, number>();
  for (const b of builds) {
    const t = b.created ? Date.parse(b.created) : NaN;
    if (Number.isFinite(t)) created.set(b.digest, t);
  }
  return (digest) => {
    const c = created.get(digest);
    const f = firstArrivals.get(digest);
    return c === undefined && f === undefined ? undefined : { ...(c !== undefined ? { created: c } : {}), ...(f !== undefined ? { firstArrived: f } : {}) };
  };
}
