// Where a file named by a setting may live: inside the workspace folder, and nowhere a symbolic
// link leads out of it. A cloned repository decides its own settings and its own symlinks, so a
// history file of `../../.bashrc`, or a committed `.promotion` link to the home folder, would
// otherwise have the extension append to a file of the person's choosing.
import { lstatSync, realpathSync } from 'node:fs';
import * as path from 'node:path';

export type WorkspaceFileResult = { readonly ok: true; readonly file: string } | { readonly ok: false; readonly problem: string };

/**
 * Resolves `configured` (relative to `folder`, or absolute) for the setting named `setting`.
 * Refuses `..` segments, absolute paths outside the folder, and paths whose existing part is (or
 * passes through) a symbolic link leading out of it. Never throws.
 */
export function resolveWorkspaceFile(folder: string, configured: string, setting: string, example = '.promotion/history.jsonl'): WorkspaceFileResult {
  const value = configured.trim();
  const shown = JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
  const fix = `write a path inside the workspace folder, such as ${JSON.stringify(example)}, in ${setting}`;
  if (!value) return { ok: false, problem: `${setting} is empty; ${fix}` };
  if (value.includes('\0')) return { ok: false, problem: `${setting} holds a NUL character; ${fix}` };
  if (value.split(/[\\/]/).includes('..'))
    return { ok: false, problem: `${setting} ${shown} has a ".." segment, which may lead out of the workspace folder; ${fix}` };
  const root = path.resolve(folder);
  const file = path.resolve(root, value);
  if (!isInside(root, file)) return { ok: false, problem: `${setting} ${shown} is outside the workspace folder ${root}; ${fix}` };
  const real = realTarget(file);
  const realRoot = realTarget(root);
  if (real === undefined || realRoot === undefined) return { ok: false, problem: `${setting} ${shown} cannot be resolved; ${fix}` };
  if (!isInside(realRoot, real)) {
    return { ok: false, problem: `${setting} ${shown} leads through a symbolic link to ${real}, outside the workspace folder; remove the link, or ${fix}` };
  }
  return { ok: true, file };
}

/** Whether `inner` lies strictly below `outer` (both absolute and normalised). */
function isInside(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}

/** Where `file` really is: the real path of its deepest existing ancestor, plus the rest as written. */
function realTarget(file: string): string | undefined {
  const rest: string[] = [];
  let current = file;
  for (;;) {
    try {
      return path.join(realpathSync.native(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT also for a dangling link: its target is checked when it is created, so refuse it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
      if (isDanglingLink(current)) return undefined;
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

function isDanglingLink(file: string): boolean {
  try {
    // lstat succeeds on a link whose target is missing; realpath did not.
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
