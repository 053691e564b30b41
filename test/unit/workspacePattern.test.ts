import * as assert from 'node:assert/strict';
import { compileWorkspacePattern, MAX_PATTERN_LENGTH } from '../../src/config/workspacePattern';
import { checkBody } from '../../src/gates/httpBodyCheck';
import { labelProblems } from '../../src/gates/labelGate';

// ^(a|a?)+$ backtracks exponentially in V8: 28 "a"s and a "b" took 69 s. RE2 answers in microseconds.
const CATASTROPHIC = '^(a|a?)+$';
const HOSTILE = `${'a'.repeat(28)}b`;

function within<T>(ms: number, what: string, run: () => T): T {
  const started = Date.now();
  const result = run();
  assert.ok(Date.now() - started < ms, `${what} took ${Date.now() - started} ms`);
  return result;
}

describe('workspace patterns (RE2)', () => {
  it('match as RegExp.test does for the syntax both share', () => {
    for (const [source, text, expected] of [
      ['^[0-9a-f]{7,40}$', 'cafe123', true],
      ['^v\\d+\\.\\d+$', 'v1.2', true],
      ['ok', 'it is ok.', true],
      ['^ok$', 'not ok', false],
      ['(?i)^OK$', 'ok', true],
      ['"status"\\s*:\\s*"(ok|healthy)"', '{"status": "healthy"}', true],
    ] as const) {
      const compiled = compileWorkspacePattern(source);
      assert.ok(compiled.ok, source);
      assert.equal(compiled.pattern.test(text), expected, `${source} on ${text}`);
      assert.equal(compiled.pattern.source, source);
    }
  });

  it('refuses an over-long pattern before compiling it', () => {
    const compiled = compileWorkspacePattern('a'.repeat(MAX_PATTERN_LENGTH + 1));
    assert.ok(!compiled.ok);
    assert.match(compiled.problem, /at most 1000/);
  });

  it('does not take "(?=" inside a character class for a lookahead', () => {
    assert.ok(compileWorkspacePattern('^[(?=]+$').ok);
  });

  it('a label gate pattern runs in linear time on a hostile label value', () => {
    const problems = within(1000, 'the label check', () => labelProblems({ 'org.example.kind': CATASTROPHIC }, { 'org.example.kind': HOSTILE }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /does not match/);
  });

  it('an http gate body regex runs in linear time on a hostile body', () => {
    const verdict = within(1000, 'the body check', () => checkBody({ regex: CATASTROPHIC }, `${'a'.repeat(100_000)}b`, false, (t) => t));
    assert.equal(verdict.ok, false);
    assert.match(verdict.says, /does not match/);
  });

  it('an http gate body regex RE2 cannot compile fails the gate with the reason, instead of throwing', () => {
    const verdict = checkBody({ regex: '(a)\\1' }, 'aa', false, (t) => t);
    assert.equal(verdict.ok, false);
    assert.match(verdict.says, /backreference \\1 .* not supported/);
  });
});
