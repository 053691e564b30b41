// Verification after the move: each verify gate retried through the gate runner until it passes or its
// `within` runs out, with growing, bounded pauses; the clock is injected, so minutes pass at once.
import * as assert from 'node:assert/strict';
import type { EnvironmentConfig, GateConfig, VerifyGateConfig } from '../../src/config/types';
import { CancelledError, isCancelled } from '../../src/core/errors';
import { silentLogger } from '../../src/core/log';
import { parseRepository } from '../../src/core/reference';
import type { GateContext, GateResult } from '../../src/gates/gate';
import type { GateRunner } from '../../src/gates/runGates';
import { FIRST_PAUSE_MS, MAX_PAUSE_MS, pauseBefore, runVerification, type VerificationClock } from '../../src/promotion/verification';
import { verifyMove } from '../../src/promotion/verifyMove';

const target: EnvironmentConfig = {
  name: 'staging',
  tag: 'staging',
  image: 'registry.example.com/app',
  repository: parseRepository('registry.example.com/app'),
  protected: false,
  gates: [],
};
const digest = `sha256:3f9c2ab${'0'.repeat(57)}`;

const context = (signal?: AbortSignal): GateContext => ({
  sourceDigest: digest,
  sourceImage: 'registry.example.com/app',
  target,
  workspaceDir: undefined,
  trusted: true,
  log: silentLogger,
  ...(signal ? { signal } : {}),
});

function gate(name: string, within: string, withinMs: number): VerifyGateConfig {
  return {
    type: 'http',
    name,
    url: 'http://127.0.0.1:9/version',
    method: 'GET',
    headers: {},
    expectStatus: [200],
    timeoutSeconds: 5,
    retries: 0,
    retryDelaySeconds: 2,
    within,
    withinMs,
  };
}

/** A clock whose sleeps pass at once, keeping the pauses asked for. */
function fakeClock(start = Date.UTC(2026, 11, 6, 12, 0, 0)): VerificationClock & { pauses: number[] } {
  let now = start;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new CancelledError());
      pauses.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

/** Answers from a script, one per attempt (the last repeats); each attempt takes `attemptMs` on the clock. */
function scripted(clock: { now: () => number }, answers: readonly GateResult['status'][], attempts: number[] = []): GateRunner {
  return (g: GateConfig): Promise<GateResult> => {
    attempts.push(clock.now());
    const status = answers[Math.min(attempts.length - 1, answers.length - 1)]!;
    return Promise.resolve({ name: g.name, type: g.type, status, reason: status === 'passed' ? 'answered 3f9c2ab' : 'answered 1a2b3c4', durationMs: 0 });
  };
}

describe('verification after the move', () => {
  it('pauses 2 s, 4 s, 8 s … up to 30 s, never past the time left', () => {
    assert.deepEqual(
      [2, 3, 4, 5, 6, 7].map((a) => pauseBefore(a, 600_000)),
      [FIRST_PAUSE_MS, 4_000, 8_000, 16_000, MAX_PAUSE_MS, MAX_PAUSE_MS],
    );
    assert.equal(pauseBefore(5, 3_000), 3_000);
    assert.equal(pauseBefore(2, -5), 0);
  });

  it('retries a gate that answers the old version until it answers the new one', async () => {
    const clock = fakeClock();
    const runner = scripted(clock, ['failed', 'failed', 'passed']);
    const result = await runVerification({ gates: [gate('version', '2m', 120_000)], context: context(), runner, clock });
    assert.equal(result.passed, true);
    assert.deepEqual(clock.pauses, [2_000, 4_000]);
    assert.match(result.gates[0]!.reason, /^answered 3f9c2ab \(after 3 attempts in 6s\)$/);
  });

  it('gives up when within runs out, saying how many attempts and the last answer', async () => {
    const clock = fakeClock();
    const attempts: number[] = [];
    const runner = scripted(clock, ['failed'], attempts);
    const result = await runVerification({ gates: [gate('version', '30s', 30_000)], context: context(), runner, clock });
    assert.equal(result.passed, false);
    // 2 + 4 + 8 + 16 = 30 s: the fifth attempt is the last, at the deadline.
    assert.deepEqual(clock.pauses, [2_000, 4_000, 8_000, 16_000]);
    assert.equal(attempts.length, 5);
    assert.equal(result.gates[0]!.status, 'failed');
    assert.equal(result.gates[0]!.reason, 'did not pass within 30s (5 attempts): answered 1a2b3c4');
  });

  it('keeps retrying the gates that fail while the others have passed, and counts them in the progress', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    const calls = new Map<string, number>();
    const runner: GateRunner = (g) => {
      const n = (calls.get(g.name) ?? 0) + 1;
      calls.set(g.name, n);
      const status = g.name === 'health' || n >= 2 ? 'passed' : 'failed';
      return Promise.resolve({ name: g.name, type: g.type, status, reason: status, durationMs: 0 });
    };
    const result = await runVerification({
      gates: [gate('health', '1m', 60_000), gate('version', '5m', 300_000)],
      context: context(),
      runner,
      clock,
      progress: (m) => seen.push(m),
    });
    assert.equal(result.passed, true);
    assert.deepEqual(Object.fromEntries(calls), { health: 1, version: 2 });
    const until = new Date(Date.UTC(2026, 11, 6, 12, 5, 0)).toTimeString().slice(0, 8);
    assert.deepEqual(seen, [
      `Verifying staging (0/2, until ${until})…`,
      `Verifying staging (1/2, until ${until})…`,
      `Verifying staging (2/2, until ${until})…`,
    ]);
  });

  it('a cancellation during the pauses stops it: the move stays, and the message says so', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const runner: GateRunner = (g) => {
      controller.abort();
      return Promise.resolve({ name: g.name, type: g.type, status: 'failed', reason: 'old', durationMs: 0 });
    };
    await assert.rejects(runVerification({ gates: [gate('version', '2m', 120_000)], context: context(controller.signal), runner, clock }), (e) =>
      isCancelled(e),
    );
    const { ended, verification } = await verifyMove(
      { gates: [gate('version', '2m', 120_000)], context: context(controller.signal), moved: 'staging now holds 3f9c2ab.', onFailure: 'rollback', clock },
      runner,
      () => undefined,
    );
    assert.equal(ended.status, 'cancelled');
    assert.equal(verification.status, 'cancelled');
    assert.match(ended.message, /^Cancelled during verification: staging holds sha256:3f9c2ab00000 \(moved and verified in the registry\)/);
  });

  it('in Restricted Mode a command verify gate fails at once, without retrying until within', async () => {
    const clock = fakeClock();
    const attempts: number[] = [];
    const smoke: VerifyGateConfig = { type: 'command', name: 'smoke', run: ['./smoke.sh'], timeoutSeconds: 10, within: '5m', withinMs: 300_000 };
    const result = await runVerification({ gates: [smoke], context: { ...context(), trusted: false }, runner: scripted(clock, ['passed'], attempts), clock });
    assert.equal(result.passed, false);
    assert.deepEqual(attempts, []);
    assert.deepEqual(clock.pauses, []);
    assert.match(result.gates[0]!.reason, /^command gates run only in a trusted workspace/);
  });

  it('an unexpected exception while verifying is a failed verification, never a write that did not happen', async () => {
    const clock = fakeClock();
    const broken: VerificationClock = { now: clock.now, sleep: () => Promise.reject(new Error('clock broke')) };
    const { ended, verification } = await verifyMove(
      { gates: [gate('version', '2m', 120_000)], context: context(), moved: 'staging now holds 3f9c2ab.', onFailure: 'rollback', clock: broken },
      scripted(clock, ['failed']),
      () => undefined,
    );
    assert.equal(ended.status, 'failed');
    assert.equal(verification.status, 'failed');
    assert.match(
      ended.message,
      /^The move happened but verification stopped: clock broke; staging holds sha256:3f9c2ab00000 \(moved and verified in the registry\)\.$/,
    );
  });

  it('says in words what passed, and that the move happened when verification failed', async () => {
    const clock = fakeClock();
    const passed = await verifyMove(
      { gates: [gate('version', '2m', 120_000)], context: context(), moved: 'staging now holds 3f9c2ab.', onFailure: 'report', clock },
      scripted(clock, ['passed']),
      () => undefined,
    );
    assert.equal(passed.ended.status, 'succeeded');
    assert.equal(passed.ended.message, 'staging now holds 3f9c2ab. Verified: version: answered 3f9c2ab (at the first attempt).');
    const failed = await verifyMove(
      { gates: [gate('version', '10s', 10_000)], context: context(), moved: 'staging now holds 3f9c2ab.', onFailure: 'report', clock },
      scripted(clock, ['failed']),
      () => undefined,
    );
    assert.equal(failed.ended.status, 'failed');
    assert.equal(failed.verification.status, 'failed');
    assert.match(
      failed.ended.message,
      /^The move happened but verification failed: version: did not pass within 10s \(4 attempts\): answered 1a2b3c4; staging holds sha256:3f9c2ab00000 \(moved and verified in the registry\), onVerifyFailure is report/,
    );
  });
});
