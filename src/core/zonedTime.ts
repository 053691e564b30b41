// Wall-clock time in an IANA time zone, through Intl (Node's full ICU): what a clock on the wall in
// that zone reads at an instant, and back — including the hour that repeats in autumn and the one
// that never happens in spring.

const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** What the wall clock reads. `local` is that reading as if it were UTC (ms), for day arithmetic. */
export interface WallClock {
  readonly local: number;
  /** 0 = Sunday. */
  readonly weekday: number;
  /** Minutes since local midnight, 0–1439. */
  readonly minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** An IANA zone name Intl knows (`Europe/Berlin`, `UTC`); `CET+1` or a typo is not. */
export function isTimeZone(name: string): boolean {
  if (!name.trim()) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading as if it were UTC, to the second. */
function localMs(instant: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) parts[p.type] = p.value;
  const year = parts['era'] === 'BC' || parts['era'] === 'B' ? 1 - Number(parts['year']) : Number(parts['year']);
  const date = new Date(0);
  date.setUTCFullYear(year, Number(parts['month']) - 1, Number(parts['day']));
  date.setUTCHours(Number(parts['hour']), Number(parts['minute']), Number(parts['second']), 0);
  return date.getTime();
}

/** The zone's offset from UTC at an instant (ms; Berlin in summer: +7,200,000). */
export function offsetAt(instant: number, timeZone: string): number {
  const second = Math.floor(instant / 1000) * 1000;
  return localMs(second, timeZone) - second;
}

export function wallClock(instant: number, timeZone: string): WallClock {
  const local = instant + offsetAt(instant, timeZone);
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  return { local, weekday: new Date(dayStart).getUTCDay(), minuteOfDay: Math.floor((local - dayStart) / MINUTE_MS) };
}

/**
 * The instants at which the wall clock reads `local`: one; two in the hour that repeats when the
 * clocks go back; none in the hour skipped when they go forward. Assumes at most one offset change
 * within a day either side, as every zone has.
 */
export function instantsAt(local: number, timeZone: string): number[] {
  const offsets = new Set([offsetAt(local - DAY_MS, timeZone), offsetAt(local + DAY_MS, timeZone)]);
  const found = [...offsets].map((o) => local - o).filter((t) => offsetAt(t, timeZone) === local - t);
  return [...new Set(found)].sort((a, b) => a - b);
}

/** The instants in [from, to) where the zone's offset changes (to the millisecond), sampled every few hours. */
export function offsetChanges(from: number, to: number, timeZone: string): number[] {
  const STEP = 6 * 3_600_000;
  const changes: number[] = [];
  let before = from;
  let offset = offsetAt(before, timeZone);
  while (before < to) {
    const after = Math.min(before + STEP, to);
    const next = offsetAt(after, timeZone);
    if (next !== offset) {
      // The first instant with the new offset, by halving on whole seconds (zones change offset on a
      // whole second, and offsetAt reads whole seconds).
      let lo = Math.floor(before / 1000) * 1000;
      let hi = Math.ceil(after / 1000) * 1000;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (offsetAt(mid, timeZone) === offset) lo = mid;
        else hi = mid;
      }
      changes.push(hi);
      offset = next;
    }
    before = after;
  }
  return changes;
}

/** `Mon 09:00` within the coming six days, else `Tue 6 Jan 00:00` (with the year when it is not the current one); seconds only when not zero. */
export function formatWallClock(instant: number, now: number, timeZone: string): string {
  const { local, weekday } = wallClock(instant, timeZone);
  const date = new Date(local);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const seconds = date.getUTCSeconds() ? `:${pad(date.getUTCSeconds())}` : '';
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}${seconds}`;
  if (instant - now < 6 * DAY_MS) return `${WEEKDAYS[weekday]} ${time}`;
  const year =
    date.getUTCFullYear() !== new Date(wallClock(now, timeZone).local).getUTCFullYear() && instant - now > 180 * DAY_MS ? ` ${date.getUTCFullYear()}` : '';
  return `${WEEKDAYS[weekday]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}${year} ${time}`;
}
