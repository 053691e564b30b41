// One attempt of an http gate: the request, same-origin redirects, a time limit that covers reading
// the body, a cap on how much of the body is kept, and network failures said in words.
import { CancelledError } from '../core/errors';

export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface HttpAttempt {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Statuses the gate expects: a redirect with one of them is the answer, not followed. */
  readonly expectStatus: readonly number[];
  readonly signal?: AbortSignal;
}

export type HttpOutcome =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly statusText: string;
      /** Where the answer came from, after redirects. */
      readonly url: URL;
      readonly body: string;
      /** The body was longer than MAX_BODY_BYTES and was cut there. */
      readonly truncated: boolean;
      /** A redirect to another origin, which is not followed (it would carry the headers elsewhere). */
      readonly redirectedTo?: string;
    }
  | { readonly kind: 'no-answer'; readonly reason: string };

/** Throws CancelledError when the promotion is cancelled; every other failure is a `no-answer`. */
export async function sendHttpRequest(attempt: HttpAttempt): Promise<HttpOutcome> {
  const timeout = AbortSignal.timeout(attempt.timeoutMs);
  const signal = attempt.signal ? AbortSignal.any([attempt.signal, timeout]) : timeout;
  let url = attempt.url;
  let method = attempt.method;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(url, { method, headers: attempt.headers, redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (REDIRECTS.has(response.status) && location && !attempt.expectStatus.includes(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        const next = new URL(location, url);
        if (next.origin !== url.origin)
          return { kind: 'answer', status: response.status, statusText: response.statusText, url, body: '', truncated: false, redirectedTo: next.origin };
        if (redirects >= MAX_REDIRECTS) return { kind: 'no-answer', reason: `more than ${MAX_REDIRECTS} redirects` };
        if (response.status === 303) method = 'GET';
        url = next;
        continue;
      }
      const { text, truncated } = method === 'HEAD' ? { text: '', truncated: false } : await readCapped(response);
      return { kind: 'answer', status: response.status, statusText: response.statusText, url, body: text, truncated };
    }
  } catch (error) {
    if (attempt.signal?.aborted) throw new CancelledError();
    if (timeout.aborted) return { kind: 'no-answer', reason: `no answer within ${formatSeconds(attempt.timeoutMs)}` };
    return { kind: 'no-answer', reason: networkReason(error, url) };
  }
}

async function readCapped(response: Response): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'), truncated: true };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function networkReason(error: unknown, url: URL): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const where = url.host;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return `${where} refused the connection (nothing listening?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${url.hostname} was not found`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `${where} closed the connection`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable`;
    default: {
      const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
      return `no answer from ${where}: ${message}${cause?.code && !message.includes(cause.code) ? ` (${cause.code})` : ''}`;
    }
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
