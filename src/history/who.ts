// Who is promoting: the git identity the workspace commits with, else the OS account.
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import type { Who } from './record';

export interface WhoOptions {
  /** Environment for git (tests point HOME / GIT_CONFIG_GLOBAL at empty files). */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

const GIT_TIMEOUT_MS = 3_000;
const cache = new Map<string, Promise<Who>>();

/** Cached per workspace folder: identities do not change while a window is open, and git is slow to spawn. */
export function whoIsPromoting(workspaceDir: string | undefined): Promise<Who> {
  const key = workspaceDir ?? '';
  let who = cache.get(key);
  if (!who) {
    who = readWho(workspaceDir);
    cache.set(key, who);
  }
  return who;
}

/** Forgets cached identities (after the user changes git config, and in tests). */
export function clearWhoCache(): void {
  cache.clear();
}

/** Never rejects: a missing git, a timeout or an unset key just leave name/email out. */
export async function readWho(workspaceDir: string | undefined, options: WhoOptions = {}): Promise<Who> {
  // Without a workspace, git still answers from the user's global config.
  const dir = workspaceDir ?? os.homedir();
  const [name, email] = await Promise.all([gitConfig(dir, 'user.name', options), gitConfig(dir, 'user.email', options)]);
  return { ...(name ? { name } : {}), ...(email ? { email } : {}), user: osUser() };
}

function gitConfig(cwd: string, key: string, options: WhoOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    // argv, no shell; `git config <key>` exits 1 when the key is unset.
    execFile(
      'git',
      ['config', '--get', key],
      { cwd, timeout: options.timeoutMs ?? GIT_TIMEOUT_MS, windowsHide: true, env: options.env ?? process.env },
      (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined),
    );
  });
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers).
    return process.env.USER || process.env.USERNAME || 'unknown';
  }
}
