// The window gate's checks beyond the schema, and its defaults.
import { isTimeZone } from '../core/zonedTime';
import type { GateKind, Reporter } from './gates';
import { didYouMean } from './suggest';
import type { WindowGateConfig } from './types';
import { entriesOverlap, neverOpensWeekly, parseWindowEntry, type WindowEntry } from './windowEntry';
import { formatPath, type PathSegment } from './yamlSource';

export const DEFAULT_WINDOW_TIMEZONE = 'UTC';

interface RawWindowGate {
  readonly name?: string;
  readonly timezone?: string;
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

export const releaseWindow: GateKind<'window'> = {
  check(gate, at, report) {
    if (typeof gate.timezone === 'string' && !isTimeZone(gate.timezone)) {
      const where = [...at, 'timezone'];
      const guess = didYouMean(gate.timezone, [...Intl.supportedValuesOf('timeZone'), 'UTC']);
      report.error(
        where,
        'value',
        `${formatPath(where)}: "${gate.timezone}" is not an IANA time zone${guess ? `; did you mean ${guess}?` : ''} (names such as Europe/Berlin, America/New_York or UTC)`,
      );
    }
    if (gate.allow === undefined && gate.deny === undefined) {
      const where = [...at, 'type'];
      report.error(where, 'value', `${formatPath(at)}: a window gate needs allow, deny or both; without either it always passes`);
    }
    if (Array.isArray(gate.allow) && gate.allow.length === 0) {
      const where = [...at, 'allow'];
      report.error(
        where,
        'key',
        `${formatPath(where)}: the list is empty, so promotion would never be allowed; list when it is (such as Mon-Fri 09:00-17:00), or remove allow to allow every time not denied`,
      );
    }
    const allow = Array.isArray(gate.allow) ? checkEntries(gate.allow, [...at, 'allow'], 'allow', report) : undefined;
    const deny = Array.isArray(gate.deny) ? checkEntries(gate.deny, [...at, 'deny'], 'deny', report) : [];
    const never = allow !== null && deny !== null && allow?.length !== 0 ? neverOpensWeekly(allow, deny) : undefined;
    if (never) {
      const where = [...at, 'deny'];
      report.warning(
        where,
        'key',
        `${formatPath(at)}: this window never opens: deny covers every time ${never === 'week' ? 'of the week' : 'allow allows'}, so every promotion into this environment is blocked`,
      );
    }
  },
  normalise(gate): WindowGateConfig {
    const raw = gate as unknown as RawWindowGate;
    const parse = (texts: readonly string[]): WindowEntry[] => texts.map((t) => parseWindowEntry(t) as WindowEntry);
    const timezone = raw.timezone ?? DEFAULT_WINDOW_TIMEZONE;
    return {
      type: 'window',
      name: raw.name ?? `window ${timezone}`,
      timezone,
      ...(raw.allow !== undefined ? { allow: parse(raw.allow) } : {}),
      deny: parse(raw.deny ?? []),
    };
  },
};

/**
 * Each entry parses; two entries of one list that share time are a warning (one of them is redundant
 * there). The entries, or null when one of them is not an entry.
 */
function checkEntries(entries: readonly unknown[], at: readonly PathSegment[], list: 'allow' | 'deny', report: Reporter): WindowEntry[] | null {
  const parsed: { entry: WindowEntry; index: number }[] = [];
  let broken = false;
  entries.forEach((text, index) => {
    if (typeof text !== 'string') {
      broken = true;
      return;
    }
    const where = [...at, index];
    const entry = parseWindowEntry(text);
    if ('problem' in entry) {
      report.error(where, 'value', `${formatPath(where)}: ${entry.problem}`);
      broken = true;
      return;
    }
    const earlier = parsed.find((p) => entriesOverlap(p.entry, entry));
    if (earlier)
      report.warning(
        where,
        'value',
        `${formatPath(where)}: "${entry.text}" overlaps "${earlier.entry.text}" (${formatPath([...at, earlier.index])}); both ${list} the same time, so one of them could be narrower or merged`,
      );
    parsed.push({ entry, index });
  });
  return broken ? null : parsed.map((p) => p.entry);
}
