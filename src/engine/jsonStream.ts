// The engine's pull and push answer 200 and then stream JSON lines. Failure is a line with
// `error`/`errorDetail`, not an HTTP status; the pushed digest arrives in an `aux` line.
// Two bounds: a line longer than maxLineBytes fails the operation (the buffer never grows past it),
// and a stream silent for idleMs (no bytes at all: a stalled registry behind the engine) fails it too.
import type { Readable } from 'node:stream';
import { PromotionError } from '../core/errors';

export interface StreamLine {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

export interface StreamOutcome {
  readonly aux?: { readonly Tag?: string; readonly Digest?: string; readonly Size?: number };
  readonly lines: number;
}

export interface StreamLimits {
  /** Fail when no byte arrived for this long (0: never). */
  readonly idleMs?: number;
  /** Fail on a line longer than this (UTF-16 code units; 1 MiB by default). */
  readonly maxLineBytes?: number;
}

export const MAX_STREAM_LINE = 1024 * 1024;

/** Reads the stream to its end; rejects with the first error line. Lines without progress bars go to `onLine`. */
export function followJsonStream(
  stream: Readable,
  what: string,
  onLine: (line: string) => void,
  signal?: AbortSignal,
  limits: StreamLimits = {},
): Promise<StreamOutcome> {
  const maxLine = limits.maxLineBytes ?? MAX_STREAM_LINE;
  const idleMs = limits.idleMs ?? 0;
  return new Promise((resolve, reject) => {
    let buffer = '';
    let aux: StreamOutcome['aux'];
    let failure: PromotionError | undefined;
    let lines = 0;
    let done = false;
    let idle: NodeJS.Timeout | undefined;
    const stop = (error: PromotionError): void => {
      failure ??= error;
      stream.destroy();
    };
    const touch = (): void => {
      if (!idleMs) return;
      clearTimeout(idle);
      idle = setTimeout(
        () =>
          stop(
            new PromotionError(
              'timeout',
              `${what}: the engine sent nothing for ${idleMs / 1000} s`,
              'The registry behind the engine may be stalled; try again, or raise the idle timeout.',
            ),
          ),
        idleMs,
      );
    };
    const onAbort = (): void => {
      failure ??= new PromotionError('cancelled', `${what} cancelled`);
      stream.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const handle = (text: string): void => {
      if (!text.trim()) return;
      lines++;
      let line: StreamLine;
      try {
        line = JSON.parse(text) as StreamLine;
      } catch {
        onLine(text.trim());
        return;
      }
      if (line.error || line.errorDetail) {
        const message = line.errorDetail?.message ?? line.error ?? 'unknown error';
        failure ??= new PromotionError(classify(message), `${what} failed: ${message}`);
        return;
      }
      if (line.aux?.Digest) aux = line.aux;
      // Per-layer byte counters are noise in a log; keep the state changes.
      if (line.status && !line.progress) onLine(line.id ? `${line.id}: ${line.status}` : line.status);
    };
    stream.setEncoding('utf8');
    touch();
    stream.on('data', (chunk: string) => {
      if (done || (failure && stream.destroyed)) return;
      touch();
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        handle(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
      if (buffer.length > maxLine) {
        buffer = '';
        stop(new PromotionError('protocol', `${what}: the engine sent a line longer than ${maxLine} characters; stopped reading`));
      }
    });
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      signal?.removeEventListener('abort', onAbort);
      handle(buffer);
      buffer = '';
      if (failure) reject(failure);
      else resolve(aux ? { aux, lines } : { lines });
    };
    stream.on('end', finish);
    stream.on('close', () => {
      if (buffer || !stream.readableEnded) {
        failure ??= new PromotionError('stream', `${what}: the engine closed the stream before it finished`);
      }
      finish();
    });
    stream.on('error', (error) => {
      failure ??= new PromotionError('stream', `${what}: ${error.message}`);
    });
  });
}

function classify(message: string): PromotionError['kind'] {
  if (/unauthorized|authentication required|no basic auth credentials|denied: requested access/i.test(message)) return 'unauthorized';
  if (/denied/i.test(message)) return 'denied';
  if (/not found|manifest unknown|does not exist/i.test(message)) return 'not-found';
  if (/connection refused|no such host|i\/o timeout|dial tcp/i.test(message)) return 'registry-unreachable';
  return 'stream';
}
