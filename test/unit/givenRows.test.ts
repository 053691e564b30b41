import * as assert from 'node:assert/strict';
import { asClicked, GivenRows } from '../../src/vscode/tree/givenRows';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  id: string;
  text?: string;
  refreshing?: boolean;
}

const rows = (...ids: string[]): Row[] => ids.map((id) => ({ id, text: `${id} remembered`, refreshing: true }));

describe('rows VS Code holds, changed in place when their shape stays (vscode/tree/givenRows.ts)', () => {
  it('a refresh of the same rows changes the objects VS Code was given, keys it lacks removed', () => {
    const given = new GivenRows<Row>((r) => r.id);
    const top = given.gave(undefined, rows('dev', 'staging', 'production'));
    const held = [...top];
    const changed = given.updateInPlace(() => [{ id: 'dev', text: 'dev fresh' }, { id: 'staging', text: 'staging fresh' }, { id: 'production' }]);
    assert.ok(changed);
    assert.equal(changed.length, 3);
    changed.forEach((row, i) => assert.equal(row, held[i], 'the very objects VS Code holds'));
    assert.deepEqual(held, [{ id: 'dev', text: 'dev fresh' }, { id: 'staging', text: 'staging fresh' }, { id: 'production' }]);
    assert.ok(!('refreshing' in held[0]!), 'the remembered mark is gone, not left behind');
  });

  it('a row that came, went or moved: nothing changed, the whole view is to be told', () => {
    for (const now of [
      ['dev', 'staging'],
      ['dev', 'staging', 'production', 'engine'],
      ['staging', 'dev', 'production'],
    ]) {
      const given = new GivenRows<Row>((r) => r.id);
      const held = given.gave(undefined, rows('dev', 'staging', 'production'));
      assert.equal(
        given.updateInPlace(() => now.map((id) => ({ id }))),
        undefined,
        now.join(','),
      );
      assert.deepEqual(held, rows('dev', 'staging', 'production'), `${now.join(',')}: left as they were`);
    }
  });

  it('nothing in place before the top level was given, after forget(), or when a parent is gone', () => {
    const given = new GivenRows<Row>((r) => r.id);
    assert.equal(
      given.updateInPlace(() => []),
      undefined,
      'nothing given yet',
    );
    const [folder] = given.gave(undefined, rows('folder-a'));
    given.gave(folder, rows('dev'));
    const same = (parent: Row | undefined) => (parent ? [{ id: 'dev' }] : [{ id: 'folder-a' }]);
    assert.equal(given.updateInPlace(same)?.length, 2, 'the group row and the row under it');
    assert.equal(
      given.updateInPlace((parent) => (parent ? undefined : [{ id: 'folder-a' }])),
      undefined,
      'the folder is gone',
    );
    given.forget();
    assert.equal(given.updateInPlace(same), undefined, 'forgotten');
  });

  it('every top level given since the whole view was told is changed (VS Code holds one; tests ask too), up to 8', () => {
    const given = new GivenRows<Row>((r) => r.id);
    const [folder] = given.gave(undefined, rows('folder-a'));
    const under = given.gave(folder, rows('dev'));
    const second = given.gave(undefined, rows('folder-a'));
    given.gave({ id: 'not given' }, rows('x', 'y'));
    const asked: (Row | undefined)[] = [];
    const changed = given.updateInPlace((parent) => {
      asked.push(parent);
      return parent ? [{ id: 'dev', text: 'fresh' }] : [{ id: 'folder-a' }];
    });
    assert.deepEqual(
      asked,
      [undefined, folder, undefined],
      'each top level and the rows given under its group row; rows under a parent never given are not kept',
    );
    assert.deepEqual(changed, [folder, under[0], second[0]]);
    assert.equal(under[0]!.text, 'fresh');
    for (let i = 0; i < 10; i++) given.gave(undefined, rows('folder-a'));
    assert.equal(given.updateInPlace(() => [{ id: 'folder-a' }])?.length, 8, 'the 8 newest');
    assert.equal(
      given.updateInPlace(() => []),
      undefined,
      'a change of shape: the whole view',
    );
    assert.equal(
      given.updateInPlace(() => [{ id: 'folder-a' }]),
      undefined,
      'and everything given before it is forgotten',
    );
  });

  it('rows told in place none of whose items VS Code asks for: everything forgotten, the whole view told', async () => {
    let unheld = 0;
    const given = new GivenRows<Row>(
      (r) => r.id,
      () => unheld++,
      30,
    );
    try {
      const held = given.gave(undefined, rows('dev', 'staging'));
      given.gave(undefined, rows('dev', 'staging')); // another caller's (a test's): VS Code holds the first
      given.updateInPlace(() => [{ id: 'dev' }, { id: 'staging' }]);
      held.forEach((r) => given.itemAsked(r));
      await sleep(60);
      assert.equal(unheld, 0, 'the items of the rows VS Code holds were asked for');
      given.updateInPlace(() => [{ id: 'dev' }, { id: 'staging' }]);
      given.itemAsked({ id: 'dev' });
      await sleep(60);
      assert.equal(unheld, 1, 'none of those told asked for');
      assert.equal(
        given.updateInPlace(() => [{ id: 'dev' }, { id: 'staging' }]),
        undefined,
        'forgotten: the next change is the whole view',
      );
    } finally {
      given.dispose();
    }
  });

  it('a command gets a copy of the rows VS Code passes it: a refresh changing them in place does not change what was clicked', () => {
    const given = new GivenRows<Row>((r) => r.id);
    const [dev, staging] = given.gave(undefined, rows('dev', 'staging'));
    const other = { id: 'not a row' };
    const [clicked, selected, plain, word] = asClicked([dev, [dev, staging], other, 'x']) as [Row, Row[], Row, string];
    given.updateInPlace(() => [{ id: 'dev', text: 'dev fresh' }, { id: 'staging' }]);
    assert.equal(dev!.text, 'dev fresh', 'the row VS Code holds changed');
    assert.equal(clicked.text, 'dev remembered', 'the clicked row as it was');
    assert.deepEqual(
      selected.map((r) => r.text),
      ['dev remembered', 'staging remembered'],
      'a multi-selection too',
    );
    assert.equal(plain, other, 'other arguments passed as they are');
    assert.equal(word, 'x');
  });
});
