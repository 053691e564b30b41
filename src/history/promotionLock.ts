// A promotion into one environment holds a lock file beside the history file for its whole run, so
// two windows or two processes (the CLI) cannot both move the tag and then undo each other. Created
// with O_EXCL ('wx'): of two processes exactly one creates it. It says who holds it (pid, host,
// since when, what), so the second promotion is refused with a name, and a lock left by a process
// that died is taken over — only when that process is provably gone (same host, pid not alive);
// a lock from another host, or one that cannot be read, is never broken automatically.
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { breakLock, code, isAlive } from './fileLock';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601. */
  readonly started: string;
  /** "build 3f9c2ab → staging". */
  readonly what: string;
  readonly token: string;
}

export type PromotionLockAttempt = { readonly release: () => Promise<void> } | { readonly busy: string; readonly owner?: LockOwner };

/** `<history dir>/<history file>.<environment>-<hash of repository:tag>.lock` */
export function promotionLockPath(historyFile: string, environment: string, key: string): string {
  const slug = environment.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return path.join(path.dirname(historyFile), `${path.basename(historyFile)}.${slug}-${hash}.lock`);
}

export async function tryPromotionLock(lockPath: string, what: string): Promise<PromotionLockAttempt> {
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), what, token: randomUUID() };
  const content = JSON.stringify(owner);
  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { release: () => release(lockPath, owner.token) };
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error;
    }
    const held = await fs.readFile(lockPath, 'utf8').catch((error: unknown) => (code(error) === 'ENOENT' ? undefined : Promise.reject(error)));
    if (held === undefined) continue; // released meanwhile
    const holder = parseOwner(held);
    if (!holder) {
      // Being written this instant, or left half-written: wait a moment once, never break it.
      if (attempt === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      return { busy: `an unreadable lock file ${lockPath}; delete it if no promotion is running` };
    }
    if (holder.host === os.hostname() && !isAlive(holder.pid)) {
      if (await breakLock(lockPath, held)) continue; // the same careful takeover as the history file's lock
    }
    return { busy: `${holder.what}, by process ${holder.pid} on ${holder.host} since ${holder.started}`, owner: holder };
  }
  return { busy: `the lock ${lockPath} keeps changing hands; try again` };
}

/** Deletes the lock only while it is still ours. */
async function release(lockPath: string, token: string): Promise<void> {
  try {
    if (parseOwner(await fs.readFile(lockPath, 'utf8'))?.token === token) await fs.unlink(lockPath);
  } catch (error) {
    if (code(error) !== 'ENOENT') throw error;
  }
}

function parseOwner(content: string): LockOwner | undefined {
  try {
    const v = JSON.parse(content) as Partial<LockOwner>;
    return typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.started === 'string' && typeof v.what === 'string' && typeof v.token === 'string'
      ? (v as LockOwner)
      : undefined;
  } catch {
    return undefined;
  }
}
