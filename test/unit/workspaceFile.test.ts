import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { userLevel } from '../../src/config/restrictedSetting';
import { resolveWorkspaceFile } from '../../src/config/workspaceFile';

const SETTING = 'imagePromotion.historyFile';

describe('files named by settings stay inside the workspace folder', () => {
  let base: string;
  let folder: string;
  let outside: string;

  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'imgpromo-wsfile-'));
    folder = path.join(base, 'repo');
    outside = path.join(base, 'home');
    mkdirSync(folder);
    mkdirSync(outside);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const refused = (configured: string, fragment: RegExp): void => {
    const result = resolveWorkspaceFile(folder, configured, SETTING);
    assert.ok(!result.ok, `${configured} was accepted as ${result.ok ? result.file : ''}`);
    assert.match(result.problem, fragment);
    assert.match(result.problem, /write a path inside the workspace folder, such as "\.promotion\/history\.jsonl", in imagePromotion\.historyFile/);
  };

  it('accepts relative paths and absolute paths inside the folder, existing or not', () => {
    for (const configured of ['.promotion/history.jsonl', 'deep/er/h.jsonl', './h.jsonl', path.join(folder, 'abs.jsonl')]) {
      const result = resolveWorkspaceFile(folder, configured, SETTING);
      assert.ok(result.ok, result.ok ? '' : result.problem);
      assert.equal(result.file, path.resolve(folder, configured));
    }
  });

  it('refuses ".." segments, even ones that would come back inside', () => {
    refused('../home/history.jsonl', /has a "\.\." segment/);
    refused('a/../../x.jsonl', /has a "\.\." segment/);
    refused('a/../x.jsonl', /has a "\.\." segment/);
    refused('..\\x.jsonl', /has a "\.\." segment/);
  });

  it('refuses absolute paths elsewhere, the folder itself, empty values and NUL bytes', () => {
    refused(path.join(outside, '.bashrc'), /is outside the workspace folder/);
    refused('/etc/passwd', /is outside the workspace folder/);
    refused(folder, /is outside the workspace folder/);
    refused('  ', /is empty/);
    refused('a\0b', /NUL character/);
  });

  it('refuses a committed symbolic link that leads out, at any depth', () => {
    symlinkSync(outside, path.join(folder, '.promotion'));
    refused('.promotion/history.jsonl', /leads through a symbolic link to .*home.*history\.jsonl, outside the workspace folder; remove the link/);
    writeFileSync(path.join(outside, '.bashrc'), '');
    mkdirSync(path.join(folder, 'logs'));
    symlinkSync(path.join(outside, '.bashrc'), path.join(folder, 'logs', 'history.jsonl'));
    refused('logs/history.jsonl', /leads through a symbolic link/);
  });

  it('refuses a dangling link (its target could be created anywhere)', () => {
    symlinkSync(path.join(outside, 'not-yet'), path.join(folder, 'history.jsonl'));
    refused('history.jsonl', /cannot be resolved/);
  });

  it('accepts a link that stays inside, and a folder that is itself reached through a link', () => {
    mkdirSync(path.join(folder, 'real'));
    symlinkSync(path.join(folder, 'real'), path.join(folder, 'alias'));
    assert.ok(resolveWorkspaceFile(folder, 'alias/h.jsonl', SETTING).ok);
    const linkedFolder = path.join(base, 'linked-repo');
    symlinkSync(folder, linkedFolder);
    assert.ok(resolveWorkspaceFile(linkedFolder, 'alias/h.jsonl', SETTING).ok);
  });
});

describe('restricted settings in Restricted Mode', () => {
  it('take only the user value or the default, never the workspace value', () => {
    const inspected = { defaultValue: '.promotion/history.jsonl', globalValue: undefined, workspaceValue: '../../.bashrc', workspaceFolderValue: '/etc/x' };
    assert.equal(
      userLevel(inspected, false, () => '../../.bashrc'),
      '.promotion/history.jsonl',
    );
    assert.equal(
      userLevel({ ...inspected, globalValue: 'mine.jsonl' }, false, () => '../../.bashrc'),
      'mine.jsonl',
    );
    assert.deepEqual(
      userLevel({ defaultValue: [], workspaceValue: ['evil.example.com'] } as never, false, () => ['evil.example.com']),
      [],
    );
  });

  it('take the merged value in a trusted workspace', () => {
    assert.equal(
      userLevel({ defaultValue: 'a', globalValue: 'b' }, true, () => 'c'),
      'c',
    );
  });
});
