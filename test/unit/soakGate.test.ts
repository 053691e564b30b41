// Soak gates against a history view and a fixed clock.
import * as assert from 'node:assert/strict';
import type { EnvironmentConfig, SoakGateConfig } from '../../src/config/types';
import { parseDuration } from '../../src/core/duration';
import { isCancelled } from '../../src/core/errors';
import { silentLogger } from '../../src/core/log';
import { parseRepository } from '../../src/core/reference';
import type { GateContext, HistoryView } from '../../src/gates/gate';
import { runSoakGate } from '../../src/gates/soakGate';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const NOW = Date.parse('2026-11-27T12:00:00Z');
const MINUTE = 60_000;

function env(name: string): EnvironmentConfig {
  return { name, tag: name, image: 'registry.example.com/app', repository: parseRepository('registry.example.com/app'), protected: false, gates: [] };
}

function soak(duration: string): SoakGateConfig {
  return { type: 'soak', name: `soak ${duration}`, duration, durationMs: parseDuration(duration) };
}

/** A history that knows when digests arrived where. */
function history(arrivals: Record<string, number>): HistoryView & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    arrivedAt(environment, digest) {
      asked.push(`${environment} ${digest}`);
      return arrivals[`${environment} ${digest}`];
    },
  };
}

function ctx(extra: Partial<GateContext> = {}): GateContext {
  return {
    sourceDigest: DIGEST,
    sourceImage: 'registry.example.com/app',
    sourceEnvironment: 'staging',
    target: env('production'),
    previousEnvironment: env('staging'),
    workspaceDir: undefined,
    trusted: true,
    log: silentLogger,
    now: () => NOW,
    ...extra,
  };
}

describe('soak gates', () => {
  it('passes when the digest arrived in the previous environment long enough ago, saying for how long', () => {
    const h = history({ [`staging ${DIGEST}`]: NOW - 2 * 60 * MINUTE - 13 * MINUTE });
    const result = runSoakGate(soak('30m'), ctx({ history: h }));
    assert.equal(result.status, 'passed', result.reason);
    assert.equal(result.reason, 'sha256:aaaaaaaaaaaa has been in staging for 2h13m (since 2026-11-27T09:47:00.000Z), at least 30m required');
    assert.deepEqual(h.asked, [`staging ${DIGEST}`], 'asks about the previous environment, not the target');
  });

  it('passes at exactly the duration', () => {
    const result = runSoakGate(soak('1h30m'), ctx({ history: history({ [`staging ${DIGEST}`]: NOW - 90 * MINUTE }) }));
    assert.equal(result.status, 'passed', result.reason);
  });

  it('fails when the digest has not soaked long enough, saying how long to wait', () => {
    const result = runSoakGate(soak('30m'), ctx({ history: history({ [`staging ${DIGEST}`]: NOW - 12 * MINUTE }) }));
    assert.equal(result.status, 'failed');
    assert.equal(
      result.reason,
      'sha256:aaaaaaaaaaaa has been in staging for 12m (since 2026-11-27T11:48:00.000Z); it needs 30m: 18m to go, ready at 2026-11-27T12:18:00.000Z',
    );
  });

  it('uses the clock it is given, so a later look passes', () => {
    const h = history({ [`staging ${DIGEST}`]: NOW - 12 * MINUTE });
    assert.equal(runSoakGate(soak('30m'), ctx({ history: h })).status, 'failed');
    assert.equal(runSoakGate(soak('30m'), ctx({ history: h, now: () => NOW + 18 * MINUTE })).status, 'passed');
  });

  it('counts an arrival in the future (clock skew) as no time at all', () => {
    const result = runSoakGate(soak('1m'), ctx({ history: history({ [`staging ${DIGEST}`]: NOW + 5 * MINUTE }) }));
    assert.equal(result.status, 'failed');
    assert.match(result.reason, /for 0s/);
  });

  it('fails a digest with no recorded arrival, with that reason', () => {
    const result = runSoakGate(soak('30m'), ctx({ history: history({ [`staging ${OTHER}`]: NOW - 600 * MINUTE }) }));
    assert.equal(result.status, 'failed');
    assert.match(result.reason, /the history has no record of sha256:aaaaaaaaaaaa arriving in staging/);
    assert.match(result.reason, /wait 30m/);
  });

  it('fails when no history is kept', () => {
    const result = runSoakGate(soak('2h'), ctx());
    assert.equal(result.status, 'failed');
    assert.match(result.reason, /no promotion history is kept, so how long sha256:aaaaaaaaaaaa has been in staging is unknown/);
  });

  it('is an error on the first environment, which the config parser refuses anyway', () => {
    const { previousEnvironment: _none, ...first } = ctx({ target: env('development') });
    const result = runSoakGate(soak('30m'), { ...first, history: history({}) });
    assert.equal(result.status, 'error');
    assert.match(result.reason, /development is the first environment/);
  });

  it('is cancelled with the promotion', () => {
    const abort = new AbortController();
    abort.abort();
    assert.throws(
      () => runSoakGate(soak('30m'), ctx({ signal: abort.signal, history: history({}) })),
      (e: unknown) => isCancelled(e),
    );
  });
});
