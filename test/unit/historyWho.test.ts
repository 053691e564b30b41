// Who promotes: git user.name/user.email of the workspace, else the OS account. Real git, real dirs.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearWhoCache, readWho, whoIsPromoting } from '../../src/history/who';

describe('history: who is promoting', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  const osUser = os.userInfo().username;

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'history-who-'));
    const emptyConfig = path.join(root, 'empty.gitconfig');
    writeFileSync(emptyConfig, '');
    // Only the config in the directory under test counts: no global or system identity, no repository above.
    env = { ...process.env, HOME: root, GIT_CONFIG_GLOBAL: emptyConfig, GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: root };
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  afterEach(() => clearWhoCache());

  it('takes user.name and user.email from the repository', async () => {
    const repo = path.join(root, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, stdio: 'ignore' });
    git('init', '-q');
    git('config', 'user.name', 'Ada Lovelace');
    git('config', 'user.email', 'ada@example.com');
    assert.deepEqual(await readWho(repo, { env }), { name: 'Ada Lovelace', email: 'ada@example.com', user: osUser });
  });

  it('falls back to the OS user outside a repository with no identity', async () => {
    const plain = path.join(root, 'plain');
    mkdirSync(plain);
    assert.deepEqual(await readWho(plain, { env }), { user: osUser });
  });

  it('falls back to the OS user when git is missing', async () => {
    assert.deepEqual(await readWho(root, { env: { ...env, PATH: path.join(root, 'no-such-bin') } }), { user: osUser });
  });

  it('asks git once per workspace', async () => {
    const first = whoIsPromoting(root);
    assert.equal(whoIsPromoting(root), first);
    assert.equal((await first).user, osUser);
  });
});
