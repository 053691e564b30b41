// Pure parts of the CLI: exit codes from outcomes, GitHub annotations and the summary table.
import * as assert from 'node:assert/strict';
import { PromotionError } from '../../src/core/errors';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { EXIT, exitForOutcome } from '../../src/cli/exitCodes';
import { errorAnnotation, summaryTable } from '../../src/cli/githubActions';

const base: PromotionOutcome = {
  status: 'succeeded',
  mode: 'promotion',
  message: 'ok',
  sourceLabel: 'staging',
  sourceRepository: 'r/a',
  target: 'production',
  gates: [],
  durationMs: 1,
  transport: 'registry',
};

describe('CLI exit codes and GitHub output', () => {
  it('maps every outcome to its documented exit code', () => {
    assert.equal(exitForOutcome(base, false), EXIT.ok);
    assert.equal(exitForOutcome({ ...base, status: 'blocked' }, false), EXIT.blocked);
    assert.equal(exitForOutcome({ ...base, status: 'cancelled' }, true), EXIT.interrupted);
    assert.equal(exitForOutcome({ ...base, status: 'cancelled' }, false), EXIT.blocked, 'declined without a signal: not approved');
    assert.equal(exitForOutcome({ ...base, status: 'failed', error: new PromotionError('verification', 'x') }, false), EXIT.verification);
    for (const kind of ['unauthorized', 'denied', 'registry-unreachable', 'engine-unreachable', 'stream', 'timeout', 'protocol'] as const) {
      assert.equal(exitForOutcome({ ...base, status: 'failed', error: new PromotionError(kind, 'x') }, false), EXIT.infrastructure, kind);
    }
  });

  it('escapes annotation data and properties as the runner expects', () => {
    assert.equal(errorAnnotation('100% bad\nsecond line\r', 'into prod: a, b'), '::error title=into prod%3A a%2C b::100%25 bad%0Asecond line%0D');
  });

  it('the step summary table escapes pipes and shows digests before and after', () => {
    const table = summaryTable({
      ...base,
      sourceLabel: 'build a|b',
      digest: `sha256:${'a'.repeat(64)}`,
      previousDigest: null,
      finalDigest: `sha256:${'a'.repeat(64)}`,
      gates: [{ name: 'smoke', type: 'command', status: 'passed', reason: 'ok', durationMs: 1 }],
    });
    assert.match(table, /\| build a\\\|b \| production \| `sha256:aaaaaaaaaaaa` \| empty \| `sha256:aaaaaaaaaaaa` \| registry \| ✓ smoke \| succeeded \|/);
  });
});
