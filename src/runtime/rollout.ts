// After the redeploy: what runs is read again, with growing pauses, until every instance runs the
// promoted digest or `within` runs out — the same pauses as verify gates (promotion/verification.ts).
// A release: every instance runs one of its images' promoted digests (an api container the api's, …).
import { formatDuration } from '../core/duration';
import { errorMessage, isCancelled } from '../core/errors';
import { shortDigest } from '../core/reference';
import { countRunning, describeCounts, runsEverywhere, runsOneOf, type RunningReport, type RuntimeReader } from './runtime';

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
  /** The promoted digest; a release's: every image's, the first image's first. */
  promoted: string | readonly string[],
  /** The time left for it, and how the config wrote the whole time (`5m`). */
  withinMs: number,
  within: string,
  clock: RolloutClock,
  pause: (attempt: number, leftMs: number) => number,
  signal?: AbortSignal,
  progress?: (message: string) => void,
): Promise<RolloutResult> {
  const started = clock.now();
  const digests: readonly string[] = typeof promoted === 'string' ? [promoted] : promoted;
  const short = digests.length === 1 ? shortDigest(digests[0]!) : `the release (${digests.map(shortDigest).join(', ')})`;
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
      if (runsEverywhere(report.instances, digests))
        return {
          landed: true,
          attempts: attempt,
          says: `${short} runs on ${total} of ${total} (${report.where}) after ${formatDuration(clock.now() - started)}`,
        };
      const on = report.instances.filter((i) => runsOneOf(i.digests, digests)).length;
      const others = countRunning(report.instances.filter((i) => !runsOneOf(i.digests, digests)));
      last = total ? `${short} runs on ${on} of ${total}; ${describeCounts(others)} (${report.where})` : `nothing runs at ${report.where}`;
      progress?.(`Waiting for the redeploy: ${short} on ${on} of ${total}…`);
    }
    const left = started + withinMs - clock.now();
    if (left <= 0) return { landed: false, attempts: attempt, says: `not everywhere within ${within}: ${last}` };
    await clock.sleep(pause(attempt + 1, left), signal);
  }
}
