// Errors that cross the core's boundary carry a kind the UI can act on and a message a person can read.
import { sentence } from './sentences';

export type FailureKind =
  | 'config' // the promotion config is wrong
  | 'not-found' // a tag, digest or repository does not exist
  | 'unauthorized' // credentials missing or rejected
  | 'denied' // credentials accepted but not allowed (e.g. push to a read-only registry)
  | 'registry-unreachable'
  | 'engine-unreachable'
  | 'protocol' // a peer answered something we cannot use
  | 'stream' // an error line inside a 200 push/pull stream
  | 'timeout'
  | 'cancelled'
  | 'refused' // a built-in or configured gate said no
  | 'verification' // the target does not hold the source digest afterwards
  | 'internal';

export class PromotionError extends Error {
  override readonly name = 'PromotionError';
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** What the user can do about it, shown after the message. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class CancelledError extends PromotionError {
  constructor(message = 'cancelled') {
    super('cancelled', message);
  }
}

export function isCancelled(error: unknown): boolean {
  return (error instanceof PromotionError && error.kind === 'cancelled') || (error instanceof Error && error.name === 'AbortError');
}

/** Throws CancelledError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function errorMessage(error: unknown): string {
  if (error instanceof PromotionError) return error.hint ? `${sentence(error.message)} ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
