// A git repository as the workspace, whose commits the test images carry as
// org.opencontainers.image.revision: what ships, the tooltip of a behind environment, Compare.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REVISION_LABEL = 'org.opencontainers.image.revision';
export const AUTHOR = 'Grace Hopper';

/** Runs git in `dir` with a fixed author and no system or user config. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', `user.name=${AUTHOR}`, '-c', 'user.email=grace@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();
}

/** Makes `dir` a repository with one commit per subject (oldest first); returns their full SHAs in that order. */
export function commitHistory(dir: string, subjects: readonly string[]): string[] {
  git(dir, 'init', '-q');
  return subjects.map((subject) => {
    writeFileSync(join(dir, 'app.txt'), `${subject}\n`);
    git(dir, 'add', 'app.txt');
    git(dir, 'commit', '-q', '-m', subject);
    return git(dir, 'rev-parse', 'HEAD');
  });
}

/** pushImage options for a build of `revision`. */
export function builtFrom(revision: string, created: string): { labels: Record<string, string>; created: string } {
  return { labels: { [REVISION_LABEL]: revision }, created };
}

/** Environment for a workbench whose git identity (what the history records as "who") is a fixed person, not this machine's. */
export function gitIdentityEnv(name = 'Ada Lovelace', email = 'ada@example.com'): Record<string, string> {
  return { GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'user.name', GIT_CONFIG_VALUE_0: name, GIT_CONFIG_KEY_1: 'user.email', GIT_CONFIG_VALUE_1: email };
}
