// Release windows: whether an instant is allowed by a window gate, and when that next changes.
// Deny wins over allow; with no allow list every time not denied is allowed. Recurring spans are read
// on the gate's wall clock, so 09:00 in Berlin stays 09:00 across the clock changes.
import type { WindowGateConfig } from '../config/types';
import { spanHolds, type WindowEntry } from '../config/windowEntry';
import { DAY_MS, formatWallClock, instantsAt, offsetChanges, wallClock, type WallClock } from '../core/zonedTime';

/** How far ahead the next opening or closing is looked for. */
export const WINDOW_SEARCH_DAYS = 366;
/** Searched in steps of a week, so an opening tomorrow costs a week's candidates, not a year's. */
const CHUNK_MS = 7 * DAY_MS;

export type WindowGate = Pick<WindowGateConfig, 'timezone' | 'allow' | 'deny'>;

export type WindowVerdict =
  | { readonly open: true; readonly reason: string; /** When it closes next; undefined: not within the search. */ readonly until?: number }
  | { readonly open: false; readonly reason: string; /** When it opens next; undefined: not within the search. */ readonly opensAt?: number };

function holds(entry: WindowEntry, instant: number, clock: WallClock): boolean {
  return entry.kind === 'interval' ? instant >= entry.start && instant < entry.end : spanHolds(entry, clock.weekday, clock.minuteOfDay);
}

/** The deny entry that holds the instant, if any. */
function denyingEntry(gate: WindowGate, instant: number, clock: WallClock): WindowEntry | undefined {
  return gate.deny.find((e) => holds(e, instant, clock));
}

function allowingEntry(gate: WindowGate, instant: number, clock: WallClock): WindowEntry | undefined {
  return gate.allow?.find((e) => holds(e, instant, clock));
}

export function isAllowed(gate: WindowGate, instant: number): boolean {
  const clock = wallClock(instant, gate.timezone);
  if (denyingEntry(gate, instant, clock)) return false;
  return !gate.allow || !!allowingEntry(gate, instant, clock);
}

/**
 * The first instant after `from` at which the gate's answer differs from its answer at `from`, exactly;
 * undefined when it does not change within WINDOW_SEARCH_DAYS. The answer can only change where a
 * one-off interval starts or ends, where the wall clock reaches a span's start or end (or midnight,
 * when the day changes), or where the zone's offset changes (the clock jumps over a boundary); those
 * instants are the candidates, tried in order.
 */
export function nextChange(gate: WindowGate, from: number, searchDays = WINDOW_SEARCH_DAYS): number | undefined {
  const now = isAllowed(gate, from);
  const horizon = from + searchDays * DAY_MS;
  for (let start = from; start < horizon; start += CHUNK_MS) {
    const end = Math.min(start + CHUNK_MS, horizon);
    for (const candidate of candidates(gate, start, end)) {
      if (candidate > from && isAllowed(gate, candidate) !== now) return candidate;
    }
  }
  return undefined;
}

/** The instants in [from, to) where the answer may change, ascending. */
function candidates(gate: WindowGate, from: number, to: number): number[] {
  const zone = gate.timezone;
  const entries = [...(gate.allow ?? []), ...gate.deny];
  const found = new Set<number>();
  const minutes = new Set<number>([0]);
  for (const e of entries) {
    if (e.kind === 'interval') {
      if (e.start >= from && e.start < to) found.add(e.start);
      if (e.end >= from && e.end < to) found.add(e.end);
    } else {
      minutes.add(e.startMinute % 1440);
      minutes.add(e.endMinute % 1440);
    }
  }
  // One-off intervals alone do not depend on the wall clock: their ends are all the candidates.
  if (!entries.some((e) => e.kind === 'recurring')) return [...found].sort((a, b) => a - b);
  for (const change of offsetChanges(from, to, zone)) found.add(change);
  // Local days a day either side of the range, since the wall clock runs ahead of or behind UTC.
  const firstDay = Math.floor(wallClock(from, zone).local / DAY_MS) - 1;
  const lastDay = Math.floor(wallClock(to, zone).local / DAY_MS) + 1;
  for (let day = firstDay; day <= lastDay; day++) {
    for (const minute of minutes) {
      for (const instant of instantsAt(day * DAY_MS + minute * 60_000, zone)) if (instant >= from && instant < to) found.add(instant);
    }
  }
  return [...found].sort((a, b) => a - b);
}

/** The gate's answer at `now`, with a reason a person can act on and the next opening or closing. */
export function windowVerdict(gate: WindowGate, now: number): WindowVerdict {
  const zone = gate.timezone;
  const clock = wallClock(now, zone);
  const change = nextChange(gate, now);
  const when = (instant: number): string => formatWallClock(instant, now, zone);
  const denied = denyingEntry(gate, now, clock);
  if (denied) {
    const opens = change === undefined ? `; it does not open within ${WINDOW_SEARCH_DAYS} days` : ` until ${when(change)} ${zone}`;
    return { open: false, reason: `frozen: deny ${denied.text}${opens}`, ...(change !== undefined ? { opensAt: change } : {}) };
  }
  if (gate.allow && !allowingEntry(gate, now, clock)) {
    const opens = change === undefined ? `it does not open within ${WINDOW_SEARCH_DAYS} days` : `opens ${when(change)}`;
    return {
      open: false,
      reason: `outside ${gate.allow.map((e) => e.text).join(', ')} ${zone}; ${opens}`,
      ...(change !== undefined ? { opensAt: change } : {}),
    };
  }
  const allowed = gate.allow ? allowingEntry(gate, now, clock) : undefined;
  const inside = allowed ? `inside ${allowed.text} ${zone}` : `no deny window holds now (${zone})`;
  const closes = change === undefined ? '' : `; closes ${when(change)}`;
  return { open: true, reason: `open: ${inside}${closes}`, ...(change !== undefined ? { until: change } : {}) };
}
