import * as assert from 'node:assert/strict';
import { DurationError, durationProblem, formatDuration, parseDuration } from '../../src/core/duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('durations', () => {
  describe('parseDuration', () => {
    for (const [text, ms] of [
      ['30s', 30 * S],
      ['30m', 30 * M],
      ['2h', 2 * H],
      ['1h30m', H + 30 * M],
      ['1d', D],
      ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
      ['90m', 90 * M],
      ['0m', 0],
      [' 1h 30m ', H + 30 * M],
    ] as const) {
      it(`reads ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), ms));
    }

    for (const [text, reason] of [
      ['', /found nothing/],
      ['90', /"90" has no unit; write 90s, 90m or 90h/],
      ['1.5h', /whole number.*1h30m/],
      ['30min', /"min" in "30min" is not a unit; use s, m, h or d/],
      ['30M', /"M" in "30M" is not a unit/],
      ['30m1h', /largest unit first/],
      ['1h1h', /repeats a unit/],
      ['-5m', /is not a duration/],
      ['h', /is not a duration/],
      ['soon', /is not a duration/],
      ['99999999999999999d', /too long/],
    ] as const) {
      it(`rejects ${JSON.stringify(text)} saying why`, () => {
        assert.throws(
          () => parseDuration(text),
          (e: unknown) => e instanceof DurationError && reason.test(e.message),
        );
        assert.match(durationProblem(text) ?? '', reason);
      });
    }

    it('has no problem with a valid duration', () => assert.equal(durationProblem('2h'), undefined));
  });

  describe('formatDuration', () => {
    for (const [ms, text] of [
      [0, '0s'],
      [999, '0s'],
      [30 * S, '30s'],
      [30 * M, '30m'],
      [H + 30 * M, '1h30m'],
      [D + 5 * S, '1d5s'],
      [2 * D + 3 * H + 4 * M + 5 * S, '2d3h4m5s'],
      [-5 * S, '0s'],
    ] as const) {
      it(`writes ${ms} ms as ${text}`, () => assert.equal(formatDuration(ms), text));
    }

    it('keeps only the largest units when asked, rounding down', () => {
      assert.equal(formatDuration(2 * H + 13 * M + 59 * S, 2), '2h13m');
      assert.equal(formatDuration(D + 5 * M, 2), '1d');
      assert.equal(formatDuration(45 * S, 1), '45s');
    });

    it('round-trips what it writes', () => {
      for (const ms of [S, 59 * S, 61 * M, 25 * H + S, 3 * D + 7 * M]) assert.equal(parseDuration(formatDuration(ms)), ms);
    });
  });
});
