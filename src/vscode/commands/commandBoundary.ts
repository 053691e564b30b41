// The one place a command's error ends: caught at the command boundary, logged whole, shown short.
// Free of `vscode` so the rules are unit-tested; registerCommands.ts wires it to the log channel and
// the notification with "Show Log".
import { errorMessage, isCancelled } from '../../core/errors';
import type { Logger } from '../../core/log';

export interface BoundaryDeps {
  readonly log: Pick<Logger, 'info' | 'error'>;
  /** Shows a short message (the log one click away). Never awaited: a command must not wait for a toast. */
  readonly show: (message: string) => void;
  /** What a person calls the command ("Roll Back…"), for the message. */
  readonly title: (id: string) => string;
}

/** Longer first lines are cut: the whole text is in the log. */
const SHORT_LIMIT = 240;

/**
 * The handler, run so that it never rejects: its result when it succeeds; undefined when it was
 * cancelled (logged, not shown) or failed (logged whole, shown short). Rethrowing would make VS Code
 * add its own "command failed" notification on top, without the log.
 */
export function guardCommand<A extends unknown[], R>(
  id: string,
  handler: (...args: A) => R,
  deps: BoundaryDeps,
): (...args: A) => Promise<Awaited<R> | undefined> {
  return async (...args: A): Promise<Awaited<R> | undefined> => {
    try {
      return await handler(...args);
    } catch (error) {
      if (isCancellation(error)) {
        deps.log.info(`${id}: cancelled`);
        return undefined;
      }
      deps.log.error(`${id} failed: ${describeError(error)}`);
      deps.show(shortFailure(deps.title(id), error));
      return undefined;
    }
  };
}

/** Ours (CancelledError), an AbortSignal's (AbortError) and VS Code's (vscode.CancellationError, named "Canceled"). */
export function isCancellation(error: unknown): boolean {
  return isCancelled(error) || (error instanceof Error && error.name === 'Canceled');
}

/** "Roll Back failed: <first line of what went wrong>". */
export function shortFailure(title: string, error: unknown): string {
  const first = errorMessage(error).split('\n', 1)[0]!.trim() || 'unknown error';
  const text = first.length > SHORT_LIMIT ? `${first.slice(0, SHORT_LIMIT - 1)}…` : first;
  return `${title.replace(/…$/, '')} failed: ${text}`;
}

/** Everything known about an error, for the log: kind, message, hint, stack and each cause in turn. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5 && !seen.has(current); depth++) {
    seen.add(current);
    parts.push((depth ? 'caused by: ' : '') + describeOne(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}

function describeOne(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const kind = 'kind' in error && typeof error.kind === 'string' ? `[${error.kind}] ` : '';
  const hint = 'hint' in error && typeof error.hint === 'string' ? `\nhint: ${error.hint}` : '';
  // Node's system errors (EISDIR, ECONNREFUSED…) often come without stack frames: their fields say where.
  const fields = ['code', 'syscall', 'path', 'address', 'port']
    .filter((key) => key in error && ['string', 'number'].includes(typeof (error as unknown as Record<string, unknown>)[key]))
    .map((key) => `${key}: ${String((error as unknown as Record<string, unknown>)[key])}`);
  // The stack starts with "Name: message"; without one, say it.
  const body = error.stack ?? `${error.name}: ${error.message}`;
  return `${kind}${body}${hint}${fields.length ? `\n${fields.join(', ')}` : ''}`;
}
