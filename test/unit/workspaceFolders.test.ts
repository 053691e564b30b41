// Multi-root workspaces, the pure part: which folder a command, the status bar and the views mean.
import * as assert from 'node:assert/strict';
import {
  combinedState,
  folderChoice,
  folderOfFile,
  folderPool,
  groupsByFolder,
  statusFolder,
  type ConfigKind,
  type FolderFacts,
} from '../../src/app/workspaceFolders';

const folder = (name: string, config: ConfigKind, dir = `/ws/${name}`): FolderFacts => ({ key: `file://${dir}`, name, dir, config });

describe('multi-root workspace folders', () => {
  const a = folder('a', 'ready');
  const b = folder('b', 'ready');
  const broken = folder('broken', 'invalid');
  const bare = folder('bare', 'no-config');

  it('groups by folder only with two or more folders holding a config (a broken one counts, one without does not)', () => {
    assert.equal(groupsByFolder([a]), false);
    assert.equal(groupsByFolder([a, bare]), false);
    assert.equal(groupsByFolder([a, broken]), true);
    assert.equal(groupsByFolder([a, b, bare]), true);
    assert.equal(groupsByFolder([]), false);
  });

  it('finds the deepest folder holding a file, and none for a file outside every folder', () => {
    const outer = folder('outer', 'ready', '/ws/outer');
    const inner = folder('inner', 'ready', '/ws/outer/inner');
    assert.equal(folderOfFile([outer, inner], '/ws/outer/inner/src/x.ts'), inner);
    assert.equal(folderOfFile([inner, outer], '/ws/outer/src/x.ts'), outer);
    assert.equal(folderOfFile([outer, inner], '/ws/outer'), outer);
    // A sibling whose name starts like the folder's is not inside it.
    assert.equal(folderOfFile([outer], '/ws/outer-2/x.ts'), undefined);
    assert.equal(folderOfFile([outer], undefined), undefined);
  });

  it('a palette command uses the only candidate without asking, else asks with the active editor folder first and preselected', () => {
    assert.deepEqual(folderChoice([], '/ws/a/x'), { kind: 'none' });
    assert.deepEqual(folderChoice([a], '/ws/b/x'), { kind: 'only', folder: a });
    assert.deepEqual(folderChoice([a, b], '/ws/b/deep/file.yaml'), {
      kind: 'ask',
      folders: [
        { folder: b, picked: true },
        { folder: a, picked: false },
      ],
    });
    assert.deepEqual(folderChoice([a, b], undefined), {
      kind: 'ask',
      folders: [
        { folder: a, picked: false },
        { folder: b, picked: false },
      ],
    });
  });

  it('chooses among the configured folders, those without a config for Create Config, and falls back sensibly', () => {
    assert.deepEqual(folderPool([bare, a, broken], 'configured'), [a, broken]);
    assert.deepEqual(folderPool([bare, folder('other', 'no-config')], 'configured'), [bare], 'none configured: the first folder says what is missing');
    assert.deepEqual(folderPool([bare, a], 'unconfigured'), [bare]);
    assert.deepEqual(folderPool([a, b], 'unconfigured'), [a, b], 'every folder has one: Create Config opens the chosen one');
    assert.deepEqual(folderPool([bare, a], 'open'), [a]);
    assert.deepEqual(folderPool([bare], 'open'), [bare]);
  });

  it("the status bar speaks for the active editor's folder when its config is valid, else the first valid one", () => {
    assert.equal(statusFolder([a, b], '/ws/b/file'), b);
    assert.equal(statusFolder([a, b], '/elsewhere/file'), a);
    assert.equal(statusFolder([broken, b], '/ws/broken/.promotion.yaml'), b, 'a broken config has nothing to show at a glance');
    assert.equal(statusFolder([bare, broken], undefined), undefined);
  });

  it('the state the menus read: ready if any folder is, else invalid, else noConfig, else noWorkspace', () => {
    assert.equal(combinedState([broken, a]), 'ready');
    assert.equal(combinedState([bare, broken]), 'invalid');
    assert.equal(combinedState([bare]), 'noConfig');
    assert.equal(combinedState([]), 'noWorkspace');
    // A folder still loading (its model starts as no-workspace) does not hide another folder's state.
    assert.equal(combinedState([folder('loading', 'no-workspace'), bare]), 'noConfig');
  });
});
