// A tag several writers update by read, change, write — the OCI referrers-tag index, cosign's `.att`
// manifest: another writer's PUT can land between our read and our write (ours is lost) or right after
// it (ours is lost too). So: change, write, look twice a pause apart, and start over when our entry is
// gone. Bounded; a registry with the referrers API has no such race.
import { PromotionError, errorMessage, isCancelled, throwIfAborted } from '../core/errors';
import type { Logger } from '../core/log';
import { sleep } from './transport/retry';

export interface SharedTagUpdate {
  /** What is added, for messages: `record`, `attestation`. */
  readonly name: string;
  /** Its digest. */
  readonly digest: string;
  /** `registry/path:tag`. */
  readonly where: string;
  /** The tag as a failed update names it (default `where`): `the referrers index registry/path:tag`. */
  readonly described?: string;
  /** What the other writer replaced: `the index`, `it`. */
  readonly replaced: string;
  /** Reads the tag and writes it with our entry when it lacks it. */
  readonly write: () => Promise<void>;
  /** Whether the tag, read now, holds our entry. */
  readonly listed: () => Promise<boolean>;
  /** Errors never worth another go, besides refusals and cancellation (what is under the tag is not ours to touch). */
  readonly final?: (error: unknown) => boolean;
  readonly log: Logger;
  /** Attempts before giving up (default 5). */
  readonly attempts?: number;
  /** Pause before attempt `n` and before the second look; jittered by default. */
  readonly pauseMs?: (attempt: number) => number;
  readonly signal?: AbortSignal;
}

export async function updateSharedTag(update: SharedTagUpdate): Promise<void> {
  const { log, signal } = update;
  const attempts = update.attempts ?? 5;
  const pause = (attempt: number): number => update.pauseMs?.(attempt) ?? Math.round((20 + Math.random() * 80) * Math.min(attempt, 4));
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    throwIfAborted(signal);
    if (attempt > 1) await sleep(pause(attempt), signal);
    try {
      await update.write();
      if (await update.listed()) {
        await sleep(pause(attempt), signal);
        if (await update.listed()) return;
      }
      log.warn(
        `the ${update.name} ${update.digest} went missing from ${update.where} (another writer replaced ${update.replaced}); adding it again (${attempt}/${attempts})`,
      );
      lastError = undefined;
    } catch (error) {
      // Distribution 2.8 answered 500 UNKNOWN reading such a tag while other writers wrote it (seen with
      // six at once): worth another go. A refusal, or what is not ours under the tag, is not.
      if (
        update.final?.(error) ||
        isCancelled(error) ||
        !(error instanceof PromotionError) ||
        !['protocol', 'timeout', 'registry-unreachable'].includes(error.kind)
      )
        throw error;
      lastError = error;
      log.warn(`${update.described ?? update.where} could not be updated (${errorMessage(error)}); trying again (${attempt}/${attempts})`);
    }
  }
  if (lastError) throw lastError;
  throw new PromotionError('protocol', `the ${update.name} could not be kept in ${update.where}: other writers replaced ${update.replaced} ${attempts} times`);
}

/** One buffer as the chunk stream uploads take. */
export async function* onceChunk(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}
