// Running an environment's gates: all at once, each within its own time limit, cancelled together.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import type { EnvironmentConfig, GateConfig, HttpGateConfig } from '../../src/config/types';
import { isCancelled } from '../../src/core/errors';
import { silentLogger } from '../../src/core/log';
import { parseRepository } from '../../src/core/reference';
import type { GateContext, GateResult } from '../../src/gates/gate';
import { gateTimeLimitMs, runConfiguredGates, type GateRunner } from '../../src/gates/runGates';

const target: EnvironmentConfig = {
  name: 'staging',
  tag: 'staging',
  image: 'registry.example.com/app',
  repository: parseRepository('registry.example.com/app'),
  protected: false,
  gates: [],
};

const ctx = (extra: Partial<GateContext> = {}): GateContext => ({
  sourceDigest: `sha256:${'f'.repeat(64)}`,
  sourceImage: 'registry.example.com/app',
  target,
  workspaceDir: undefined,
  trusted: true,
  log: silentLogger,
  ...extra,
});

function http(name: string, timeoutSeconds: number, retries = 0): HttpGateConfig {
  return { type: 'http', name, url: 'http://127.0.0.1:9/', method: 'GET', headers: {}, expectStatus: [200], timeoutSeconds, retries, retryDelaySeconds: 2 };
}

const ok = (gate: GateConfig, reason = 'ok'): GateResult => ({ name: gate.name, type: gate.type, status: 'passed', reason, durationMs: 0 });

/** Waits `ms` unless its signal fires first; then rejects like a gate that honours cancellation. */
function waiting(ms: number, gate: GateConfig, signal: AbortSignal | undefined): Promise<GateResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(ok(gate)), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    });
  });
}

describe('runConfiguredGates', () => {
  it('runs the automated gates at the same time and leaves approval to the confirmation', async () => {
    const gates: GateConfig[] = [
      http('a', 5),
      { type: 'approval', name: 'approval', count: 1, allowSelf: true },
      { type: 'soak', name: 'b', duration: '1m', durationMs: 60_000 },
    ];
    // Counted, not timed: a loaded machine stretches any wall-clock bound.
    let running = 0;
    let most = 0;
    const runner: GateRunner = async (gate, c) => {
      most = Math.max(most, ++running);
      try {
        return await waiting(300, gate, c.signal);
      } finally {
        running--;
      }
    };
    const results = await runConfiguredGates(gates, ctx(), runner);
    assert.deepEqual(
      results.map((r) => r.name),
      ['a', 'b'],
    );
    assert.equal(most, 2, 'both automated gates ran at once, not one after the other');
    assert.ok(
      results.every((r) => r.durationMs >= 250),
      'each result carries its duration',
    );
  });

  it('turns a gate that outlives its own time limit into an error, stopping it, while the others pass', async function () {
    this.timeout(5000);
    let stopped = false;
    const runner: GateRunner = (gate, c) => {
      if (gate.name === 'fast') return Promise.resolve(ok(gate));
      c.signal?.addEventListener('abort', () => (stopped = true));
      return new Promise<GateResult>(() => undefined); // ignores its limits
    };
    const results = await runConfiguredGates([http('stuck', 0.1), http('fast', 5)], ctx(), runner);
    assert.equal(results[0]!.status, 'error');
    assert.match(results[0]!.reason, /did not finish within 2 s and was stopped/);
    assert.equal(results[1]!.status, 'passed');
    assert.ok(stopped, 'the stuck gate was told to stop');
  });

  it('rejects with the cancellation when the promotion is cancelled, even if a gate ignores it', async () => {
    const abort = new AbortController();
    const runner: GateRunner = () => new Promise<GateResult>(() => undefined);
    setTimeout(() => abort.abort(), 50);
    await assert.rejects(runConfiguredGates([http('a', 60)], ctx({ signal: abort.signal }), runner), (e: unknown) => isCancelled(e));
  });

  it('rejects at once when already cancelled', async () => {
    const abort = new AbortController();
    abort.abort();
    let ran = false;
    const runner: GateRunner = async (gate) => {
      ran = true;
      return ok(gate);
    };
    await assert.rejects(runConfiguredGates([http('a', 1)], ctx({ signal: abort.signal }), runner), (e: unknown) => isCancelled(e));
    assert.equal(ran, false);
  });

  it('reports a gate that throws as an error result', async () => {
    const runner: GateRunner = async () => {
      throw new Error('boom');
    };
    const [result] = await runConfiguredGates([http('a', 1)], ctx(), runner);
    assert.equal(result?.status, 'error');
    assert.equal(result?.reason, 'boom');
  });

  it('keeps the last lines of a failed command in the details, with the exit code in the reason (real process)', async () => {
    const gate: GateConfig = {
      type: 'command',
      name: 'smoke',
      run: ['sh', '-c', 'for i in 1 2 3 4 5 6 7; do echo "line $i"; done; sleep 0.2; echo "boom" >&2; exit 4'],
      timeoutSeconds: 30,
    };
    const [result] = await runConfiguredGates([gate], ctx({ workspaceDir: os.tmpdir() }));
    assert.equal(result?.status, 'failed');
    assert.match(result!.reason, /^exited with code 4 after [\d.]+ s: boom$/);
    assert.deepEqual(result?.details?.length, 5);
    assert.ok(result?.details?.includes('boom'));
    assert.ok(result?.details?.includes('line 7') && !result.details.includes('line 2'), String(result?.details));
    assert.ok(result!.durationMs > 0);
  });

  it('gives each gate type a limit covering its own timeouts and retries', () => {
    assert.equal(gateTimeLimitMs({ type: 'command', name: 'c', run: ['x'], timeoutSeconds: 10 }), 15_000);
    // 3 attempts of 10 s, waits of 2 s and 4 s, 2 s of slack
    assert.equal(gateTimeLimitMs(http('h', 10, 2)), 38_000);
  });
});
