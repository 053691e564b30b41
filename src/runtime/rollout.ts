// After the redeploy: what runs is read again, with growing pauses, until every instance runs the
// promoted digest or `within` runs out — the same pauses as verify gates (promotion/verification.ts).
import { formatDuration } from '../core/duration';
import { errorMessage, isCancelled } from '../core/errors';
import { shortDigest } from '../core/reference';
import { countRunning, describeCounts, runsEverywhere, type RunningReport, type RuntimeReader } from './runtime';

export interface RolloutClock {
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RolloutResult {
  readonly landed: boolean;
  readonly says: string;
  readonly attempts: number;
}

export async function awaitRollout(
  reader: RuntimeReader,
  digest: string,
  /** The time left for it, and how the config wrote the whole time (`5m`). */
  withinMs: number,
  within: string,
  clock: RolloutClock,
  pause: (attempt: number, leftMs: number) => number,
  signal?: AbortSignal,
  progress?: (message: string) => void,
): Promise<RolloutResult> {
  const started = clock.now();
  const short = shortDigest(digest);
  let last = '';
  for (let attempt = 1; ; attempt++) {
    let report: RunningReport | undefined;
    try {
      report = await reader.read(signal);
    } catch (error) {
      if (isCancelled(error) || signal?.aborted) throw error;
      last = `${reader.where} could not be read: ${errorMessage(error)}`;
    }
    if (report) {
      const total = report.instances.length;
      if (runsEverywhere(report.instances, digest))
        return {
          landed: true,
          attempts: attempt,
          says: `${short} runs on ${total} of ${total} (${report.where}) after ${formatDuration(clock.now() - started)}`,
        };
      const counts = countRunning(report.instances, digest);
      const on = counts.find((c) => c.digest === digest)?.count ?? 0;
      last = total
        ? `${short} runs on ${on} of ${total}; ${describeCounts(counts.filter((c) => c.digest !== digest))} (${report.where})`
        : `nothing runs at ${report.where}`;
      progress?.(`Waiting for the redeploy: ${short} on ${on} of ${total}…`);
    }
    const left = started + withinMs - clock.now();
    if (left <= 0) return { landed: false, attempts: attempt, says: `not everywhere within ${within}: ${last}` };
    await clock.sleep(pause(attempt + 1, left), signal);
  }
}
