// Reads of a source that changes rarely and says when it does (VS Code's settings), kept until then.
// The registry transport asks for the proxy, the CAs and the time limit at every request; each
// getConfiguration().inspect() merges the configuration layers again (~0.1–1 ms on the extension
// host's thread, 70 ms in one start-up profile), and a window's first refresh sends ten requests.

type Read = (...args: never[]) => unknown;

export interface CachedReads<T> {
  /** The same functions; an answer is kept (by function and arguments) while `keeping`. */
  readonly reads: T;
  /** Keep answers from now on: the caller has arranged for `clear` to be called on every change. */
  keep(): void;
  /** The source changed: read again from now on. */
  clear(): void;
  /** Nobody clears them any more: read through again, keep nothing. */
  stop(): void;
}

export function cachedReads<T extends { [K in keyof T]: Read }>(source: T): CachedReads<T> {
  const kept = new Map<string, unknown>();
  let keeping = false;
  const reads = {} as Record<string, Read>;
  for (const [name, read] of Object.entries(source) as [string, Read][]) {
    reads[name] = (...args: never[]) => {
      if (!keeping) return read(...args);
      // Arguments are undefined or a folder's URI: its string names it.
      const key = `${name}\u0000${args.map((a) => (a === undefined ? '' : String(a))).join('\u0000')}`;
      if (kept.has(key)) return kept.get(key);
      const value = read(...args);
      kept.set(key, value);
      return value;
    };
  }
  return {
    reads: reads as T,
    keep: () => {
      keeping = true;
    },
    clear: () => kept.clear(),
    stop: () => {
      keeping = false;
      kept.clear();
    },
  };
}
