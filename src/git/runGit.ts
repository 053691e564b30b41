// One git invocation: argv (never a shell), a time limit, a capped output, and no hooks, lazy
// fetches, prompts or pagers, so reading history stays a local, bounded lookup.
import { execFile } from 'node:child_process';
import { CancelledError } from '../core/errors';

export interface GitResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Why git gave no answer at all (not installed, timed out); undefined when it ran. */
  readonly failure?: string;
}

export interface GitOptions {
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
}

export const GIT_TIMEOUT_MS = 10_000;
const MAX_BYTES = 4 * 1024 * 1024;

export function runGit(dir: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new CancelledError());
  const timeout = options.timeoutMs ?? GIT_TIMEOUT_MS;
  const argv = ['-c', 'core.fsmonitor=false', '-c', 'log.showSignature=false', '-c', 'core.quotePath=false', ...args];
  const env = { ...process.env, GIT_NO_LAZY_FETCH: '1', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat', LC_ALL: 'C' };
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      argv,
      { cwd: dir, env, timeout, maxBuffer: options.maxBytes ?? MAX_BYTES, windowsHide: true, encoding: 'utf8', ...(signal ? { signal } : {}) },
      (error, stdout, stderr) => {
        if (!error) return resolve({ ok: true, stdout, stderr });
        if (signal?.aborted) return reject(new CancelledError());
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ ok: false, stdout, stderr, failure: 'git is not installed or not on PATH (or the folder is gone)' });
        if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          return resolve({ ok: false, stdout, stderr, failure: `git printed more than ${(options.maxBytes ?? MAX_BYTES) >> 10} KiB` });
        if (error.killed) return resolve({ ok: false, stdout, stderr, failure: `git did not answer within ${timeout / 1000} s` });
        resolve({ ok: false, stdout, stderr });
      },
    );
  });
}
