// An exclusive lock between processes (two VS Code windows on one workspace), held for the few
// milliseconds of one append. A lock file created with O_EXCL ('wx') is the lock; its content
// says who holds it, so a lock left by a crashed writer can be recognised and broken.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';

export interface FileLockOptions {
  /** A lock older than this is abandoned whoever holds it (an append takes milliseconds). */
  readonly staleMs?: number;
  /** Give up waiting after this long; above staleMs so a stale lock is always broken first. */
  readonly timeoutMs?: number;
}

export const DEFAULT_STALE_MS = 10_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 20_000;

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly time: number;
  readonly token: string;
}

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/** Runs `work` while holding the lock at `lockPath`; always releases it. */
export async function withFileLock<T>(lockPath: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const token = await acquire(lockPath, options.staleMs ?? DEFAULT_STALE_MS, options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  try {
    return await work();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, staleMs: number, timeoutMs: number): Promise<string> {
  const holder: Holder = { pid: process.pid, host: os.hostname(), time: Date.now(), token: randomUUID() };
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(lockPath, JSON.stringify(holder), { flag: 'wx' });
      return holder.token;
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error;
    }
    const staleReason = await staleness(lockPath, staleMs);
    if (staleReason && (await breakLock(lockPath, staleReason.content))) continue;
    if (Date.now() >= deadline) {
      const current = await fs.readFile(lockPath, 'utf8').catch(() => '');
      throw new LockTimeoutError(`${lockPath} stayed locked for ${timeoutMs} ms (held by ${describeHolder(current)}); delete it if no promotion is running`);
    }
    // Short waits with jitter so writers that collided do not retry in lockstep.
    await sleep(Math.min(5 + attempt * 5, 50) * (0.5 + Math.random()));
  }
}

/** The lock's content when it is stale: its holder died on this host, or it is older than staleMs. */
async function staleness(lockPath: string, staleMs: number): Promise<{ content: string } | undefined> {
  let content: string;
  let mtimeMs: number;
  try {
    [content, mtimeMs] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath).then((s) => s.mtimeMs)]);
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined; // released meanwhile: just retry
    throw error;
  }
  const holder = parseHolder(content);
  // The holder's own clock when it says (exact on this host); an empty lock is being written right
  // now or its writer crashed right after creating it: the file's age decides.
  if (Date.now() - (holder?.time ?? mtimeMs) > staleMs) return { content };
  if (holder && holder.host === os.hostname() && !isAlive(holder.pid)) return { content };
  return undefined;
}

/**
 * Moves the stale lock aside under a unique name (rename is atomic, so of several processes that
 * judged it stale only one wins), then checks that what it moved is the lock it judged; if a
 * fresh lock was taken in between, it is put back. True when the caller should retry at once.
 */
export async function breakLock(lockPath: string, judged: string): Promise<boolean> {
  const aside = `${lockPath}.${process.pid}.${randomUUID()}.stale`;
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    if (code(error) === 'ENOENT') return true; // someone else broke or released it
    throw error;
  }
  try {
    const moved = await fs.readFile(aside, 'utf8');
    if (moved !== judged) await fs.link(aside, lockPath).catch(() => undefined);
  } finally {
    await fs.unlink(aside).catch(() => undefined);
  }
  return true;
}

/** Deletes the lock only while it is still ours: after a stall past staleMs another writer may own it. */
async function release(lockPath: string, token: string): Promise<void> {
  try {
    const holder = parseHolder(await fs.readFile(lockPath, 'utf8'));
    if (holder?.token === token) await fs.unlink(lockPath);
  } catch (error) {
    if (code(error) !== 'ENOENT') throw error;
  }
}

function parseHolder(content: string): Holder | undefined {
  try {
    const value = JSON.parse(content) as Partial<Holder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.time === 'number' && typeof value.token === 'string'
      ? (value as Holder)
      : undefined;
  } catch {
    return undefined;
  }
}

function describeHolder(content: string): string {
  const holder = parseHolder(content);
  return holder ? `pid ${holder.pid} on ${holder.host} since ${new Date(holder.time).toISOString()}` : 'an unknown writer';
}

/** Whether a process of this host still runs (a lock's holder, a promotion's writer). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM'; // exists, but belongs to another user
  }
}

export function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
