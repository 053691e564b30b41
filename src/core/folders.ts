import * as path from 'node:path';

/** Whether `file` is `dir` or lies under it (both resolved; `/a/bc` is not under `/a/b`). */
export function isWithinFolder(dir: string, file: string): boolean {
  const outer = path.resolve(dir);
  const inner = path.resolve(file);
  return inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
}
