// The entries of a window gate's allow and deny lists, as people write them: a recurring span on days
// of the week (`Mon-Fri 09:00-17:00`, `Fri-Mon 22:00-06:00`) or a one-off ISO 8601 interval
// (`2026-12-20T00:00:00Z/2027-01-06T00:00:00+01:00`).
import { WEEKDAYS } from '../core/zonedTime';

const DAY_MINUTES = 1440;
const WEEK_MINUTES = 7 * DAY_MINUTES;

/**
 * Every week, on each listed day from `startMinute` to `endMinute` of the gate's time zone. When the
 * end is not after the start (`22:00-06:00`) the span runs from the listed day's start to the next
 * day's end: `Fri 22:00-06:00` is Friday night into Saturday morning.
 */
export interface RecurringSpan {
  readonly kind: 'recurring';
  /** As written, for messages. */
  readonly text: string;
  /** 0 = Sunday; the days the span starts on. */
  readonly days: readonly number[];
  readonly startMinute: number;
  /** 1440 for `24:00`. */
  readonly endMinute: number;
}

/** Once, from `start` (inclusive) to `end` (exclusive), ms since the epoch. */
export interface OneOffInterval {
  readonly kind: 'interval';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export type WindowEntry = RecurringSpan | OneOffInterval;

const SPAN_FORM = 'a span is days and times, such as Mon-Fri 09:00-17:00, Sat-Sun 00:00-24:00 or Fri 22:00-06:00';
const INTERVAL_FORM = 'a one-off window is start/end in ISO 8601 with Z or an offset, such as 2026-12-20T00:00:00Z/2027-01-06T00:00:00Z';

/** The entry, or what is wrong with it (one line a person can act on). */
export function parseWindowEntry(written: string): WindowEntry | { readonly problem: string } {
  const text = written.trim().replace(/\s+/g, ' ');
  if (!text) return { problem: `the entry is empty; ${SPAN_FORM}` };
  if (text.includes('/')) return parseInterval(text);
  return parseSpan(text);
}

function parseSpan(text: string): RecurringSpan | { problem: string } {
  const match = /^([A-Za-z]+)(?:-([A-Za-z]+))? (\S+?)-(\S+)$/.exec(text);
  if (!match) return { problem: `"${text}" is not a span; ${SPAN_FORM}` };
  const [, first, last, from, to] = match as unknown as [string, string, string | undefined, string, string];
  const firstDay = dayNumber(first);
  if (firstDay === undefined) return { problem: `"${first}" is not a day; days are ${WEEKDAYS_FROM_MONDAY.join(', ')}` };
  const lastDay = last === undefined ? firstDay : dayNumber(last);
  if (lastDay === undefined) return { problem: `"${last}" is not a day; days are ${WEEKDAYS_FROM_MONDAY.join(', ')}` };
  if (last !== undefined && lastDay === firstDay) return { problem: `"${first}-${last}" names one day; write ${first} alone` };
  const start = parseTime(from, 'start');
  if (typeof start !== 'number') return start;
  const end = parseTime(to, 'end');
  if (typeof end !== 'number') return end;
  if (start === end) return { problem: `"${from}-${to}" is empty: it ends when it starts (for a whole day write 00:00-24:00)` };
  const days: number[] = [];
  for (let d = firstDay; ; d = (d + 1) % 7) {
    days.push(d);
    if (d === lastDay) break;
  }
  return { kind: 'recurring', text, days, startMinute: start, endMinute: end };
}

const WEEKDAYS_FROM_MONDAY = [...WEEKDAYS.slice(1), WEEKDAYS[0]];

function dayNumber(name: string): number | undefined {
  const i = WEEKDAYS.findIndex((d) => d.toLowerCase() === name.toLowerCase());
  return i < 0 ? undefined : i;
}

function parseTime(written: string, end: 'start' | 'end'): number | { problem: string } {
  const match = /^(\d{2}):(\d{2})$/.exec(written);
  if (!match) return { problem: `"${written}" is not a time; times are HH:MM on the 24-hour clock, such as 09:00 or 17:30 (${SPAN_FORM})` };
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59) return { problem: `"${written}" is not a time: minutes run from 00 to 59` };
  if (hours === 24 && minutes === 0) {
    return end === 'end' ? DAY_MINUTES : { problem: `"24:00" is the end of a day, so only an end; start at 00:00` };
  }
  if (hours > 23) return { problem: `"${written}" is not a time: hours run from 00 to 23 (24:00 only as an end)` };
  return hours * 60 + minutes;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/i;

function parseInterval(text: string): OneOffInterval | { problem: string } {
  const halves = text.split('/');
  if (halves.length !== 2) return { problem: `"${text}" is not an interval; ${INTERVAL_FORM}` };
  const start = parseInstant(halves[0]!.trim());
  if (typeof start !== 'number') return start;
  const end = parseInstant(halves[1]!.trim());
  if (typeof end !== 'number') return end;
  if (end <= start) return { problem: `"${text}" ends ${end === start ? 'when' : 'before'} it starts; write the earlier instant first` };
  return { kind: 'interval', text, start, end };
}

function parseInstant(written: string): number | { problem: string } {
  const match = ISO_INSTANT.exec(written);
  if (!match) return { problem: `"${written}" is not an instant; ${INTERVAL_FORM}` };
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  if (!zone) return { problem: `"${written}" has no Z or offset, so which moment it means is unknown; write ${written}Z or add an offset such as +01:00` };
  const year = Number(y);
  const month = Number(mo) - 1;
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const local = Date.UTC(year, month, day, hour, minute, second, fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0);
  const back = new Date(local);
  // Date.UTC rolls 31 April over into May; a date that does not exist is a typo.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    return { problem: `"${written}" is not a date and time that exists` };
  if (zone.toUpperCase() === 'Z') return local;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 18 || offsetMinutes > 59) return { problem: `"${zone}" in "${written}" is not an offset from UTC` };
  return local - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

/** Whether the entry holds the instant whose wall clock in the gate's zone reads (weekday, minute). */
export function spanHolds(span: RecurringSpan, weekday: number, minuteOfDay: number): boolean {
  if (span.startMinute < span.endMinute) return span.days.includes(weekday) && minuteOfDay >= span.startMinute && minuteOfDay < span.endMinute;
  // Across midnight: the evening of a listed day, or the morning after one.
  return (span.days.includes(weekday) && minuteOfDay >= span.startMinute) || (span.days.includes((weekday + 6) % 7) && minuteOfDay < span.endMinute);
}

/** The span as minute ranges of the week (from Sunday 00:00), for overlap checks. */
export function weekRanges(span: RecurringSpan): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  for (const day of span.days) {
    const start = day * DAY_MINUTES + span.startMinute;
    const end = day * DAY_MINUTES + span.endMinute + (span.endMinute <= span.startMinute ? DAY_MINUTES : 0);
    if (end <= WEEK_MINUTES) ranges.push([start, end]);
    else ranges.push([start, WEEK_MINUTES], [0, end - WEEK_MINUTES]);
  }
  return ranges;
}

/** Two entries of one list that share some time (both recurring, or both one-off). */
export function entriesOverlap(a: WindowEntry, b: WindowEntry): boolean {
  if (a.kind === 'interval' && b.kind === 'interval') return a.start < b.end && b.start < a.end;
  if (a.kind === 'recurring' && b.kind === 'recurring') {
    const other = weekRanges(b);
    return weekRanges(a).some(([s, e]) => other.some(([s2, e2]) => s < e2 && s2 < e));
  }
  return false;
}

/**
 * Why weekly entries leave no time allowed: `week` when deny covers the whole week, `allow` when it
 * covers every weekly time allow allows; undefined when some time is left, or when allow has one-off
 * entries (their dates decide instead).
 */
export function neverOpensWeekly(allow: readonly WindowEntry[] | undefined, deny: readonly WindowEntry[]): 'week' | 'allow' | undefined {
  const mark = (minutes: Uint8Array, entries: readonly WindowEntry[], value: 0 | 1): Uint8Array => {
    for (const e of entries) if (e.kind === 'recurring') for (const [start, end] of weekRanges(e)) minutes.fill(value, start, end);
    return minutes;
  };
  if (!mark(new Uint8Array(WEEK_MINUTES).fill(1), deny, 0).includes(1)) return 'week';
  if (!allow || allow.some((e) => e.kind === 'interval')) return undefined;
  return mark(mark(new Uint8Array(WEEK_MINUTES), allow, 1), deny, 0).includes(1) ? undefined : 'allow';
}
