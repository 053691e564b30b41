import * as assert from 'node:assert/strict';
import { DrawnFrom, PacedChanges } from '../../src/vscode/tree/pacedChanges';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("tree changes paced to VS Code's 200 ms wait (vscode/tree/pacedChanges.ts)", () => {
  it('a change at once when none went lately; those within the gap as one event once it has passed', async () => {
    const fired: number[] = [];
    const start = performance.now();
    const paced = new PacedChanges(() => fired.push(performance.now() - start), 80);
    paced.request();
    assert.equal(fired.length, 1, 'the first change goes at once');
    paced.request();
    paced.request();
    await sleep(20);
    paced.request();
    assert.equal(fired.length, 1, 'none within the gap');
    await sleep(100);
    assert.equal(fired.length, 2, 'the three changes within the gap went as one event');
    assert.ok(fired[1]! >= 78, `not before the gap had passed (${fired[1]!.toFixed(0)} ms)`);
    await sleep(100);
    paced.request();
    assert.equal(fired.length, 3, 'after a quiet gap a change goes at once again');
    paced.request();
    paced.dispose();
    await sleep(100);
    assert.equal(fired.length, 3, 'nothing fires once disposed');
  });

  it('a change is said only after VS Code first asked, and only when what the rows are drawn from changed', () => {
    const config = { kind: 'ready' };
    const remembered = { remembered: true };
    const fresh = { environments: [] };
    const drawn = new DrawnFrom();
    assert.equal(drawn.changed([config, remembered]), false, 'before the first ask VS Code gets what is current');
    assert.equal(drawn.everAsked, false);
    drawn.asked([config, remembered]);
    assert.equal(drawn.everAsked, true);
    assert.equal(drawn.changed([config, remembered]), false, 'a refresh starting: the same config and rows');
    assert.equal(drawn.changed([{ ...config }, remembered]), true, 'another config object');
    assert.equal(drawn.changed([config, fresh]), true, 'the fresh rows');
    assert.equal(drawn.changed([config, remembered, 'folder b']), true, 'a folder more');
    drawn.asked([config, fresh]);
    assert.equal(drawn.changed([config, fresh]), false);
  });
});
