// The workspace's own commits, newest first, so that builds tagged with a commit SHA can be ordered
// without asking the registry anything. `git log` through execFile (argv, no shell), bounded in
// commits, bytes and time, with fsmonitor hooks and lazy fetches off so it stays a local read.
import { execFile } from 'node:child_process';

export interface GitHistory {
  /** The commit time (ms) of the commit a full or abbreviated SHA tag names; undefined when not in the history. */
  commitTime(tag: string): number | undefined;
  readonly commits: number;
}

export interface GitHistoryOptions {
  readonly maxCommits?: number;
  readonly timeoutMs?: number;
}

const DEFAULT_MAX_COMMITS = 20_000;
const DEFAULT_TIMEOUT_MS = 5_000;
const SHA_TAG = /^[0-9a-f]{7,64}$/;
const PREFIX = 7;

/** The history of `dir`'s repository (all refs), or undefined when it is no repository or git is missing. */
export function readGitHistory(dir: string, options: GitHistoryOptions = {}): Promise<GitHistory | undefined> {
  const maxCommits = options.maxCommits ?? DEFAULT_MAX_COMMITS;
  // The folder may be an untrusted clone: nothing its config names (fsmonitor, a gpg program for
  // log.showSignature) may run.
  const args = [
    '-c',
    'core.fsmonitor=false',
    '-c',
    'log.showSignature=false',
    'log',
    '--no-show-signature',
    '--all',
    `--max-count=${maxCommits}`,
    '--format=%H %ct',
  ];
  const env = { ...process.env, GIT_NO_LAZY_FETCH: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  return new Promise((resolve) => {
    // 64 hex + space + 10 digits + newline per commit, with room to spare.
    const maxBuffer = (maxCommits + 1) * 96;
    execFile('git', args, { cwd: dir, env, timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer, windowsHide: true }, (error, stdout) => {
      if (error) return resolve(undefined);
      resolve(parseGitLog(String(stdout)));
    });
  });
}

/** Parses `%H %ct` lines. */
export function parseGitLog(text: string): GitHistory {
  const full = new Map<string, number>();
  const byPrefix = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [sha, seconds] = line.split(' ');
    if (!sha || !SHA_TAG.test(sha) || !seconds || !/^\d+$/.test(seconds) || full.has(sha)) continue;
    full.set(sha, Number(seconds) * 1000);
    const key = sha.slice(0, PREFIX);
    byPrefix.set(key, [...(byPrefix.get(key) ?? []), sha]);
  }
  return {
    commits: full.size,
    commitTime(tag: string): number | undefined {
      if (!SHA_TAG.test(tag)) return undefined;
      const exact = full.get(tag);
      if (exact !== undefined) return exact;
      const candidates = (byPrefix.get(tag.slice(0, PREFIX)) ?? []).filter((sha) => sha.startsWith(tag));
      // An ambiguous abbreviation names no commit for sure.
      return candidates.length === 1 ? full.get(candidates[0]!) : undefined;
    },
  };
}

/**
 * The history of whichever folder `dir()` names, read at most once per `ttlMs` (a refresh runs every
 * few seconds; new commits appear within ttlMs).
 */
export function cachedGitHistory(dir: () => string | undefined, ttlMs = 30_000, options: GitHistoryOptions = {}): () => Promise<GitHistory | undefined> {
  let last: { dir: string; at: number; history: Promise<GitHistory | undefined> } | undefined;
  return () => {
    const folder = dir();
    if (!folder) return Promise.resolve(undefined);
    if (!last || last.dir !== folder || Date.now() - last.at > ttlMs) last = { dir: folder, at: Date.now(), history: readGitHistory(folder, options) };
    return last.history;
  };
}
