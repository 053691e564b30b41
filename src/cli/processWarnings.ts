// undici warns "H2 support is experimental" on the first HTTP/2 connection (a registry over TLS that
// offers h2, as GHCR and Distribution do). It says nothing about the user's promotion, and on stderr of
// a CI job it reads like a fault. Dropped in our own processes (the CLI, the Action) only: the
// extension host is shared with other extensions, and its log is not the user's terminal.
const QUIET_CODES = new Set(['UNDICI-H2']);

export function quietLibraryWarnings(proc: NodeJS.Process = process): void {
  const emit = proc.emitWarning.bind(proc) as (...args: unknown[]) => void;
  proc.emitWarning = ((warning: unknown, ...rest: unknown[]): void => {
    if (QUIET_CODES.has(warningCode(warning, rest) ?? '')) return;
    emit(warning, ...rest);
  }) as typeof proc.emitWarning;
}

/** The code of `emitWarning(warning, options)`, `emitWarning(warning, type, code)` or an Error with `code`. */
function warningCode(warning: unknown, rest: readonly unknown[]): string | undefined {
  const [second, third] = rest;
  if (second && typeof second === 'object' && typeof (second as { code?: unknown }).code === 'string') return (second as { code: string }).code;
  if (typeof third === 'string') return third;
  const own = warning instanceof Error ? (warning as Error & { code?: unknown }).code : undefined;
  return typeof own === 'string' ? own : undefined;
}
