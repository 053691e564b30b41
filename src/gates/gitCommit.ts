// Whether a commit exists in the git repository of a folder: `git cat-file -e <sha>^{commit}`, run
// with argv (no shell), with lazy fetches and fsmonitor hooks switched off so it stays a local lookup.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { CancelledError } from '../core/errors';

export type CommitLookup =
  { readonly kind: 'found' } | { readonly kind: 'missing' } | { readonly kind: 'not-a-repository' } | { readonly kind: 'failed'; readonly reason: string };

/** A full or abbreviated SHA-1 or SHA-256 commit name; anything else never reaches git. */
export const COMMIT_SHA = /^[0-9a-f]{7,64}$/;

const GIT_TIMEOUT_MS = 30_000;

export function lookupCommit(dir: string, sha: string, signal?: AbortSignal): Promise<CommitLookup> {
  if (!COMMIT_SHA.test(sha)) return Promise.resolve({ kind: 'failed', reason: `"${sha}" is not a commit SHA` });
  if (signal?.aborted) return Promise.reject(new CancelledError());
  const args = ['-c', 'core.fsmonitor=false', 'cat-file', '-e', `${sha}^{commit}`];
  const env = { ...process.env, GIT_NO_LAZY_FETCH: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: dir, env, timeout: GIT_TIMEOUT_MS, windowsHide: true, ...(signal ? { signal } : {}) }, (error, _stdout, stderr) => {
      if (!error) return resolve({ kind: 'found' });
      if (signal?.aborted) return reject(new CancelledError());
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        const missingDir = !isDirectorySync(dir);
        return resolve({ kind: 'failed', reason: missingDir ? `the folder ${dir} does not exist` : 'git is not installed or not on PATH' });
      }
      if (error.killed) return resolve({ kind: 'failed', reason: `git did not answer within ${GIT_TIMEOUT_MS / 1000} s` });
      const said = String(stderr).trim();
      if (/not a git repository/i.test(said)) return resolve({ kind: 'not-a-repository' });
      if (/is ambiguous/i.test(said))
        return resolve({ kind: 'failed', reason: `the abbreviated commit ${sha} is ambiguous in this repository; label images with the full SHA` });
      if (typeof error.code === 'number' && (said === '' || /not a valid|bad object|could not get object/i.test(said))) return resolve({ kind: 'missing' });
      resolve({ kind: 'failed', reason: `git cat-file failed: ${said.split('\n').pop() || error.message}` });
    });
  });
}

function isDirectorySync(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
