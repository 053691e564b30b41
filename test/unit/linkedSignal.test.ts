import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setTimeout as wait } from 'node:timers/promises';
import { linkedSignal } from '../../src/core/linkedSignal';

describe('linkedSignal', () => {
  it('fires with the reason of the source that fired, and lets go of the others', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkedSignal([a.signal, undefined, b.signal], 60_000);
    assert.equal(linked.signal.aborted, false);
    b.abort(new Error('stop'));
    assert.equal(linked.signal.aborted, true);
    assert.equal((linked.signal.reason as Error).message, 'stop');
    assert.equal(getEventListeners(a.signal, 'abort').length, 0);
  });

  it('fires after its time limit with a TimeoutError', async () => {
    const linked = linkedSignal([], 20);
    await wait(60);
    assert.equal(linked.signal.aborted, true);
    assert.equal((linked.signal.reason as Error).name, 'TimeoutError');
  });

  it('is aborted at once when a source already is', () => {
    const a = new AbortController();
    a.abort('gone');
    const b = new AbortController();
    const linked = linkedSignal([b.signal, a.signal], 60_000);
    assert.equal(linked.signal.reason, 'gone');
    assert.equal(getEventListeners(b.signal, 'abort').length, 0);
  });

  it('once disposed, never fires: no timer left, no listener on the sources', async () => {
    const a = new AbortController();
    const linked = linkedSignal([a.signal], 20);
    assert.equal(getEventListeners(a.signal, 'abort').length, 1);
    linked.dispose();
    assert.equal(getEventListeners(a.signal, 'abort').length, 0);
    await wait(60);
    a.abort();
    assert.equal(linked.signal.aborted, false);
  });
});
