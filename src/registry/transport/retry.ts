// When a request is tried again: only idempotent ones (HEAD, GET, token requests), only for answers
// that say "later" (429, 502, 503, 504) or a connection reset, a bounded number of times, waiting
// what `Retry-After` asks (seconds or an HTTP date, capped) or a growing backoff. A write is never
// retried blindly: the registry may have acted on it.

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The first backoff; each next one is three times longer (with ±10 % jitter). */
  readonly baseDelayMs: number;
  /** No wait is longer than this, whatever Retry-After says. */
  readonly maxDelayMs: number;
}

/** 0.2, 0.6, 1.8 s: covers a registry restarting or a proxy's blip without freezing a refresh. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

/** A connection that dropped (not one refused, not a name that does not resolve: those fail at once). */
export function isConnectionReset(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RESET_CODES.has(code)) return true;
  }
  return false;
}

/** What `Retry-After` asks for, in ms (capped), or undefined when it is absent or unreadable. */
export function retryAfterMs(header: string | null, now: number, policy: RetryPolicy = DEFAULT_RETRY): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    // An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`); Date.parse alone would read "-5" as a year.
    if (!/^[A-Za-z]{3}, /.test(value)) return undefined;
    const at = Date.parse(value);
    if (!Number.isFinite(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), policy.maxDelayMs);
}

/** The wait before try number `attempt + 2` (attempt 0: after the first try failed). */
export function backoffMs(attempt: number, policy: RetryPolicy = DEFAULT_RETRY, random: () => number = Math.random): number {
  const ms = policy.baseDelayMs * 3 ** attempt * (0.9 + 0.2 * random());
  return Math.min(Math.round(ms), policy.maxDelayMs);
}

/** Resolves after `ms`, or rejects with the signal's reason when it fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
