// Runs a soak gate: the digest must have been in the previous environment for at least the
// configured duration, counted from its arrival there as the promotion history records it.
import type { SoakGateConfig } from '../config/types';
import { formatDuration } from '../core/duration';
import { throwIfAborted } from '../core/errors';
import { errored, failed, passed, type GateContext, type GateResult } from './gate';

export function runSoakGate(gate: SoakGateConfig, ctx: GateContext): GateResult {
  throwIfAborted(ctx.signal);
  const previous = ctx.previousEnvironment?.name;
  const short = shortDigest(ctx.sourceDigest);
  if (!previous) {
    return errored(
      gate.name,
      gate.type,
      `${ctx.target.name} is the first environment, so there is no environment before it to have soaked in; move the soak gate to a later environment`,
    );
  }
  if (!ctx.history) {
    return failed(
      gate.name,
      gate.type,
      `no promotion history is kept, so how long ${short} has been in ${previous} is unknown; a soak of ${gate.duration} cannot be confirmed`,
    );
  }
  const arrived = ctx.history.arrivedAt(previous, ctx.sourceDigest);
  if (arrived === undefined) {
    return failed(
      gate.name,
      gate.type,
      `the history has no record of ${short} arriving in ${previous} (it may have been put there outside this extension); promote it into ${previous} here and wait ${gate.duration}`,
    );
  }
  const now = (ctx.now ?? Date.now)();
  const soaked = Math.max(0, now - arrived);
  const since = new Date(arrived).toISOString();
  if (soaked >= gate.durationMs) {
    return passed(
      gate.name,
      gate.type,
      `${short} has been in ${previous} for ${formatDuration(soaked, 2)} (since ${since}), at least ${gate.duration} required`,
    );
  }
  const ready = new Date(arrived + gate.durationMs).toISOString();
  return failed(
    gate.name,
    gate.type,
    `${short} has been in ${previous} for ${formatDuration(soaked, 2)} (since ${since}); it needs ${gate.duration}: ${formatDuration(Math.ceil((gate.durationMs - soaked) / 1000) * 1000, 2)} to go, ready at ${ready}`,
  );
}

function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}
