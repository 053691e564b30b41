import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { quietLibraryWarnings } from '../../src/cli/processWarnings';

describe('quietLibraryWarnings', () => {
  /** A process stand-in whose emitWarning records what reached it. */
  function fakeProcess(): { proc: NodeJS.Process; seen: unknown[][] } {
    const seen: unknown[][] = [];
    const proc = Object.assign(new EventEmitter(), { emitWarning: (...args: unknown[]) => void seen.push(args) }) as unknown as NodeJS.Process;
    return { proc, seen };
  }

  it("drops undici's H2 notice in each of emitWarning's call forms", () => {
    const { proc, seen } = fakeProcess();
    quietLibraryWarnings(proc);
    proc.emitWarning('H2 support is experimental, expect them to change at any time.', { code: 'UNDICI-H2' });
    proc.emitWarning('H2 support is experimental', 'ExperimentalWarning', 'UNDICI-H2');
    proc.emitWarning(Object.assign(new Error('H2'), { code: 'UNDICI-H2' }));
    assert.deepEqual(seen, []);
  });

  it('passes every other warning through unchanged', () => {
    const { proc, seen } = fakeProcess();
    quietLibraryWarnings(proc);
    proc.emitWarning('Possible EventEmitter memory leak detected', { code: 'MaxListenersExceededWarning' });
    proc.emitWarning('something', 'DeprecationWarning', 'DEP0005');
    proc.emitWarning('plain');
    assert.equal(seen.length, 3);
    assert.deepEqual(seen[1], ['something', 'DeprecationWarning', 'DEP0005']);
  });
});
