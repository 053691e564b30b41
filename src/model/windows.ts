// An environment's release windows taken together: open only when every window gate is open; when it
// opens, the first instant all of them are; when it closes, the first instant one of them does.
import type { EnvironmentConfig, WindowGateConfig } from '../config/types';
import { formatWallClock } from '../core/zonedTime';
import { windowVerdict, WINDOW_SEARCH_DAYS } from '../gates/releaseWindow';

export interface EnvironmentWindow {
  readonly open: boolean;
  /** Open: when it closes next (undefined: not within the search). */
  readonly until?: number;
  /** Closed: when it opens next (undefined: not within the search). */
  readonly opensAt?: number;
  readonly reason: string;
  /** The zone the row's words use: the first window gate's. */
  readonly timezone: string;
}

/** Jumps while looking for an instant every gate allows; each jump goes to a closed gate's next opening. */
const MAX_JUMPS = 50;

export function windowGatesOf(env: EnvironmentConfig): WindowGateConfig[] {
  return env.gates.filter((g): g is WindowGateConfig => g.type === 'window');
}

/** Undefined when the environment has no window gate. */
export function environmentWindow(env: EnvironmentConfig, now: number): EnvironmentWindow | undefined {
  const gates = windowGatesOf(env);
  if (!gates.length) return undefined;
  const timezone = gates[0]!.timezone;
  const verdicts = gates.map((g) => ({ gate: g, verdict: windowVerdict(g, now) }));
  const closed = verdicts.filter((v) => !v.verdict.open);
  if (!closed.length) {
    const ends = verdicts.map((v) => (v.verdict.open ? v.verdict.until : undefined)).filter((t): t is number => t !== undefined);
    const until = ends.length ? Math.min(...ends) : undefined;
    return { open: true, reason: verdicts.map((v) => v.verdict.reason).join('; '), timezone, ...(until !== undefined ? { until } : {}) };
  }
  const opensAt = firstAllOpen(gates, now);
  return { open: false, reason: closed.map((v) => v.verdict.reason).join('; '), timezone, ...(opensAt !== undefined ? { opensAt } : {}) };
}

/**
 * The first instant after `now` at which every gate is open. No instant before a closed gate's next
 * opening can be open, so jumping to it never skips a common opening.
 */
function firstAllOpen(gates: readonly WindowGateConfig[], now: number): number | undefined {
  let at = now;
  for (let jump = 0; jump < MAX_JUMPS; jump++) {
    const closed = gates.map((g) => windowVerdict(g, at)).filter((v) => !v.open);
    if (!closed.length) return at;
    const next = Math.max(...closed.map((v) => (v.open ? at : (v.opensAt ?? Infinity))));
    if (!Number.isFinite(next) || next > now + WINDOW_SEARCH_DAYS * 86_400_000) return undefined;
    at = next;
  }
  return undefined;
}

/** `frozen until Mon 09:00 Europe/Berlin` for a closed window; nothing for an open one. */
export function windowRowText(window: EnvironmentWindow, now: number): string | undefined {
  if (window.open) return undefined;
  return window.opensAt === undefined
    ? `frozen for more than ${WINDOW_SEARCH_DAYS} days`
    : `frozen until ${formatWallClock(window.opensAt, now, window.timezone)} ${window.timezone}`;
}

/** When any environment's window next opens or closes: the moment rows that speak of windows change. */
export function nextWindowChange(environments: readonly EnvironmentConfig[], now: number): number | undefined {
  let next: number | undefined;
  for (const env of environments) {
    const window = environmentWindow(env, now);
    const at = window?.open ? window.until : window?.opensAt;
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}
