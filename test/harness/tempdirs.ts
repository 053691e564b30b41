// Private temp dirs for test services, and removing them for real: dockerd bind-mounts its data
// root onto itself (to make it a shared mount), and vfs layer dirs are large, so a plain rm is not
// enough when a daemon died without its orderly shutdown.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cmdlineOf, isAliveSync, startTimeOf, terminateSync } from './processes';

/** Every temp dir the harness makes starts with this, so leftovers of a killed run can be found. */
export const TEMP_PREFIX = 'imgpromo-test-';
const OWNER_FILE = 'owner.json';

interface OwnerRecord {
  pid: number;
  start: string | undefined;
  children: number[];
}

let swept = false;

/**
 * Makes <tmpdir>/imgpromo-test-<kind>-XXXXXX and records this process as its owner. The first call
 * also sweeps leftovers of earlier runs whose owner process is gone (never a live run's dirs).
 */
export function makeTempDir(kind: string): string {
  if (!swept) {
    swept = true;
    sweepStaleTempDirs();
  }
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${kind}-`));
  writeOwner(dir, []);
  return dir;
}

/** Records the pids of services living in dir, so a later sweep can stop them if we get killed. */
export function recordChildren(dir: string, children: number[]): void {
  writeOwner(dir, children);
}

function writeOwner(dir: string, children: number[]): void {
  const record: OwnerRecord = { pid: process.pid, start: startTimeOf(process.pid), children };
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(record));
}

/** Removes leftovers of harness runs that were killed before they could clean up. */
export function sweepStaleTempDirs(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(tmpdir(), name);
    let owner: OwnerRecord;
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as OwnerRecord;
    } catch {
      continue; // not ours, or still being created: leave it alone
    }
    const ownerAlive = isAliveSync(owner.pid) && (owner.start === undefined || startTimeOf(owner.pid) === owner.start);
    if (ownerAlive) continue;
    for (const pid of owner.children ?? []) {
      // Only a process that still runs out of this dir (pids get reused).
      if (isAliveSync(pid) && cmdlineOf(pid).includes(dir)) terminateSync(pid, 10000);
    }
    removeTreeSync(dir);
  }
}

/** Mount points at or below dir, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  const root = resolve(dir);
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points = info
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === root || p.startsWith(root + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export function removeTreeSync(dir: string): void {
  for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Best effort in exit hooks; the next run's sweep retries.
  }
}

export async function removeTree(dir: string): Promise<void> {
  for (const point of mountsUnder(dir)) {
    await new Promise<void>((done) => {
      const child = spawn('umount', ['-l', point], { stdio: 'ignore' });
      child.on('exit', () => done());
      child.on('error', () => done());
    });
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
