// What an environment's workload really runs, read where it runs (runs: docker, kubernetes or http),
// behind one small interface; and how those readings are counted against the digest its tag holds.
import { shortDigest } from '../core/reference';

/** One instance of the workload: a container, a pod's container, the service behind a version endpoint. */
export interface RunningInstance {
  /** `shop-1`, `shop-7d9f-abcde/web`, `staging.example.com`. */
  readonly name: string;
  /**
   * The manifest digests it runs: every repo digest of its image (an image pulled by tag from a
   * multi-platform index has the index's). Empty: it runs something no registry names (a local build).
   */
  readonly digests: readonly string[];
}

export interface RunningReport {
  /** Where it was read, for words: `unix:///var/run/docker.sock (app=shop)`, `pods app=shop in shop (prod)`. */
  readonly where: string;
  readonly instances: readonly RunningInstance[];
}

/** Reads what runs; rejects (a PromotionError) when the place cannot be read. */
export interface RuntimeReader {
  readonly where: string;
  read(signal?: AbortSignal): Promise<RunningReport>;
}

/** How many instances run a digest (null: a digest no registry names). */
export interface RunningCount {
  readonly digest: string | null;
  readonly count: number;
}

/**
 * The instances grouped by the digest each runs, the most common first. An instance that runs the
 * tag's digest counts as that one, whatever other repo digests its image has.
 */
export function countRunning(instances: readonly RunningInstance[], tagDigest?: string | null): RunningCount[] {
  const counts = new Map<string | null, number>();
  for (const instance of instances) {
    const digest = tagDigest && instance.digests.includes(tagDigest) ? tagDigest : (instance.digests[0] ?? null);
    counts.set(digest, (counts.get(digest) ?? 0) + 1);
  }
  return [...counts.entries()].map(([digest, count]) => ({ digest, count })).sort((a, b) => b.count - a.count);
}

/** Every instance runs `digest` (a release: one of its images' digests), and there is at least one. */
export function runsEverywhere(instances: readonly RunningInstance[], digest: string | readonly string[]): boolean {
  const digests: readonly string[] = typeof digest === 'string' ? [digest] : digest;
  return instances.length > 0 && instances.every((i) => runsOneOf(i.digests, digests));
}

/** An instance's repo digests include one of `digests`. */
export function runsOneOf(runs: readonly string[], digests: readonly string[]): boolean {
  return runs.some((d) => digests.includes(d));
}

/** `3f9c2ab on 2, unknown on 1`: what runs besides the tag's digest, in words. */
export function describeCounts(counts: readonly RunningCount[], label: (digest: string) => string = shortDigest): string {
  return counts.map((c) => `${c.digest ? label(c.digest) : 'an image no registry names'} on ${c.count}`).join(', ');
}
