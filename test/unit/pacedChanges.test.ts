import * as assert from 'node:assert/strict';
import { PacedChanges } from '../../src/vscode/tree/pacedChanges';

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
});
