// Behind, ahead, in step: by the builds' age, never merely by a different digest.
import * as assert from 'node:assert/strict';
import { ageLookup, compareAge, relationOf } from '../../src/model/relations';

const D = (n: number) => `sha256:${String(n).repeat(64)}`;
const present = (digest: string) => ({ state: 'present' as const, digest });

describe('environment relations', () => {
  const ageOf = ageLookup(
    [
      { digest: D(1), created: '2026-01-01T00:00:00Z' },
      { digest: D(2), created: '2026-01-02T00:00:00Z' },
      { digest: D(5), created: 'not a date' },
    ],
    new Map([
      [D(3), 3000],
      [D(4), 4000],
      [D(1), 9000],
    ]),
  );

  it('behind only when the environment before holds a newer build', () => {
    assert.equal(relationOf(present(D(1)), present(D(2)), ageOf), 'behind');
    assert.equal(relationOf(present(D(2)), present(D(1)), ageOf), 'ahead', 'after a rollback of the environment before');
    assert.equal(relationOf(present(D(3)), present(D(4)), ageOf), 'behind', 'by the history order when creation times are unknown');
    assert.equal(relationOf(present(D(4)), present(D(3)), ageOf), 'ahead');
  });

  it('creation time wins over the history order; neither known: "differs", never "behind"', () => {
    assert.equal(compareAge({ created: 2, firstArrived: 1 }, { created: 1, firstArrived: 2 }), 1);
    assert.equal(relationOf(present(D(2)), present(D(5)), ageOf), 'differs', 'an unreadable creation time');
    assert.equal(relationOf(present(D(6)), present(D(7)), ageOf), 'differs');
    assert.equal(relationOf(present(D(6)), present(D(7))), 'differs', 'no ages at all');
  });

  it('first, in step, empty and unreadable sides', () => {
    assert.equal(relationOf(present(D(1)), undefined, ageOf), 'first');
    assert.equal(relationOf(present(D(1)), present(D(1)), ageOf), 'in-step');
    assert.equal(relationOf({ state: 'absent' }, present(D(1)), ageOf), 'behind', 'empty is behind anything');
    assert.equal(relationOf(present(D(1)), { state: 'absent' }, ageOf), 'unknown');
    assert.equal(relationOf({ state: 'error' }, present(D(1)), ageOf), 'unknown');
    assert.equal(relationOf(present(D(1)), { state: 'error' }, ageOf), 'unknown');
  });
});
