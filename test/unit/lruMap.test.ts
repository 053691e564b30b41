import * as assert from 'node:assert/strict';
import { LruMap } from '../../src/core/lruMap';

describe('LruMap', () => {
  it('forgets the least recently used key beyond its capacity: a get counts as use, a peek does not', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    assert.equal(lru.get('a'), 1);
    lru.set('c', 3);
    assert.deepEqual([...lru.keys()], ['a', 'c'], 'b was used least recently');
    assert.equal(lru.peek('a'), 1);
    lru.set('d', 4);
    assert.deepEqual([...lru.keys()], ['c', 'd'], 'a peek left a where it was');
    assert.equal(lru.size, 2);
  });

  it('a smaller capacity forgets the least recently used at once; never below one', () => {
    const lru = new LruMap<number, string>(5);
    for (let i = 0; i < 5; i++) lru.set(i, String(i));
    lru.get(0);
    lru.capacity = 2;
    assert.deepEqual([...lru.keys()], [4, 0]);
    lru.capacity = 0;
    assert.equal(lru.capacity, 1);
    assert.deepEqual([...lru.keys()], [0]);
  });
});
