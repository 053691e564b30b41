import * as assert from 'node:assert/strict';
import { cachedReads } from '../../src/core/cachedReads';

describe('settings read once until they change (core/cachedReads.ts)', () => {
  const source = () => {
    const values: Record<string, string> = { proxy: 'http://a:3128', history: '.promotion-history.jsonl' };
    const calls: string[] = [];
    const reads = {
      proxy: () => (calls.push('proxy'), values.proxy),
      history: (folder?: { toString(): string }) => (calls.push(`history ${folder ?? ''}`), `${folder ?? ''}/${values.history}`),
    };
    return { values, calls, reads };
  };

  it('reads through every time until asked to keep (nobody would clear them)', () => {
    const { calls, reads } = source();
    const cached = cachedReads(reads);
    cached.reads.proxy();
    cached.reads.proxy();
    assert.deepEqual(calls, ['proxy', 'proxy']);
  });

  it('keeps each function’s answer per argument, and reads again after a change', () => {
    const { values, calls, reads } = source();
    const cached = cachedReads(reads);
    cached.keep();
    assert.equal(cached.reads.proxy(), 'http://a:3128');
    assert.equal(cached.reads.proxy(), 'http://a:3128');
    assert.equal(cached.reads.history(), '/.promotion-history.jsonl');
    assert.equal(cached.reads.history({ toString: () => 'file:///w/a' }), 'file:///w/a/.promotion-history.jsonl');
    assert.equal(cached.reads.history({ toString: () => 'file:///w/a' }), 'file:///w/a/.promotion-history.jsonl');
    assert.deepEqual(calls, ['proxy', 'history ', 'history file:///w/a']);
    values.proxy = 'http://b:3128';
    assert.equal(cached.reads.proxy(), 'http://a:3128', 'kept until cleared');
    cached.clear();
    assert.equal(cached.reads.proxy(), 'http://b:3128');
    assert.deepEqual(calls, ['proxy', 'history ', 'history file:///w/a', 'proxy']);
    cached.stop();
    cached.reads.proxy();
    cached.reads.proxy();
    assert.deepEqual(calls.slice(4), ['proxy', 'proxy'], 'read through once stopped');
  });

  it('keeps an answer that is undefined too', () => {
    let calls = 0;
    const cached = cachedReads({ signingKey: () => (calls++, undefined) });
    cached.keep();
    cached.reads.signingKey();
    cached.reads.signingKey();
    assert.equal(calls, 1);
  });
});
