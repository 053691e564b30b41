// Release windows with a fixed clock: allowed or not, and the next opening or closing exactly, across
// the clock changes of Berlin, New York and Adelaide, a half-hour zone and UTC.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWindowEntry, type WindowEntry } from '../../src/config/windowEntry';
import type { EnvironmentConfig, WindowGateConfig } from '../../src/config/types';
import { silentLogger } from '../../src/core/log';
import { parseRepository } from '../../src/core/reference';
import { isAllowed, nextChange, windowVerdict, type WindowGate } from '../../src/gates/releaseWindow';
import { defaultGateRunner } from '../../src/gates/runGates';

function entry(text: string): WindowEntry {
  const parsed = parseWindowEntry(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
}

function gate(timezone: string, lists: { allow?: string[]; deny?: string[] }): WindowGate {
  return { timezone, ...(lists.allow ? { allow: lists.allow.map(entry) } : {}), deny: (lists.deny ?? []).map(entry) };
}

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('release windows', () => {
  describe('Europe/Berlin office hours across the clock changes', () => {
    const office = gate('Europe/Berlin', { allow: ['Mon-Fri 09:00-17:00'] });

    it('closed on the Saturday before the spring change; opens Monday 09:00 summer time (07:00 UTC)', () => {
      const verdict = windowVerdict(office, at('2026-03-28T12:00:00Z'));
      assert.equal(verdict.open, false);
      assert.equal(!verdict.open && iso(verdict.opensAt), '2026-03-30T07:00:00.000Z');
      assert.equal(verdict.reason, 'outside Mon-Fri 09:00-17:00 Europe/Berlin; opens Mon 09:00');
    });

    it('open on the Friday before, until 17:00 winter time (16:00 UTC)', () => {
      const verdict = windowVerdict(office, at('2026-03-27T15:00:00Z'));
      assert.equal(verdict.open, true);
      assert.equal(verdict.open && iso(verdict.until), '2026-03-27T16:00:00.000Z');
      assert.equal(verdict.reason, 'open: inside Mon-Fri 09:00-17:00 Europe/Berlin; closes Fri 17:00');
    });

    it('closed on the Saturday before the autumn change; opens Monday 09:00 winter time (08:00 UTC)', () => {
      assert.equal(iso(nextChange(office, at('2026-10-24T12:00:00Z'))), '2026-10-26T08:00:00.000Z');
    });

    it('a span starting in the hour the spring change skips opens at the change itself', () => {
      const early = gate('Europe/Berlin', { allow: ['Sun 02:30-04:00'] });
      // 01:30 CET; at 01:00 UTC the clock jumps from 02:00 to 03:00, inside the span.
      assert.equal(isAllowed(early, at('2026-03-29T00:30:00Z')), false);
      assert.equal(iso(nextChange(early, at('2026-03-29T00:30:00Z'))), '2026-03-29T01:00:00.000Z');
      assert.equal(iso(nextChange(early, at('2026-03-29T00:30:00.123Z'))), '2026-03-29T01:00:00.000Z', 'to the millisecond from any instant');
      // 04:00 CEST.
      assert.equal(iso(nextChange(early, at('2026-03-29T01:00:00Z'))), '2026-03-29T02:00:00.000Z');
    });

    it('a deny on the hour the autumn change repeats holds both times round', () => {
      const repeated = gate('Europe/Berlin', { deny: ['Sun 02:00-03:00'] });
      assert.equal(isAllowed(repeated, at('2026-10-24T23:59:00Z')), true); // 01:59 CEST
      assert.equal(isAllowed(repeated, at('2026-10-25T00:30:00Z')), false); // 02:30 CEST
      assert.equal(isAllowed(repeated, at('2026-10-25T01:30:00Z')), false); // 02:30 CET
      const verdict = windowVerdict(repeated, at('2026-10-25T00:30:00Z'));
      assert.equal(!verdict.open && iso(verdict.opensAt), '2026-10-25T02:00:00.000Z');
      assert.equal(verdict.reason, 'frozen: deny Sun 02:00-03:00 until Sun 03:00 Europe/Berlin');
    });
  });

  describe('America/New_York', () => {
    const office = gate('America/New_York', { allow: ['Mon-Fri 09:00-17:00'] });
    it('opens Monday 09:00 EDT after the March change (13:00 UTC)', () => {
      assert.equal(iso(nextChange(office, at('2026-03-07T12:00:00Z'))), '2026-03-09T13:00:00.000Z');
    });
    it('opens Monday 09:00 EST after the November change (14:00 UTC)', () => {
      assert.equal(iso(nextChange(office, at('2026-10-31T12:00:00Z'))), '2026-11-02T14:00:00.000Z');
    });
    it('closes at 17:00 EDT on the Friday (21:00 UTC)', () => {
      assert.equal(iso(nextChange(office, at('2026-03-13T15:00:00Z'))), '2026-03-13T21:00:00.000Z');
    });
  });

  describe('half-hour offsets', () => {
    it('Asia/Kolkata (+05:30): 09:29 is closed, 09:30 opens', () => {
      const india = gate('Asia/Kolkata', { allow: ['Mon-Fri 09:30-18:00'] });
      assert.equal(isAllowed(india, at('2026-12-07T03:59:00Z')), false);
      assert.equal(isAllowed(india, at('2026-12-07T04:00:00Z')), true);
      assert.equal(iso(nextChange(india, at('2026-12-07T03:59:00Z'))), '2026-12-07T04:00:00.000Z');
    });

    it('Australia/Adelaide across its April change (+10:30 to +09:30)', () => {
      const adelaide = gate('Australia/Adelaide', { allow: ['Mon-Fri 09:00-17:00'] });
      // Friday 22:30 ACDT; Monday 09:00 ACST is 23:30 UTC on Sunday.
      assert.equal(iso(nextChange(adelaide, at('2026-04-03T12:00:00Z'))), '2026-04-05T23:30:00.000Z');
      // Friday 09:00 ACDT before the change.
      assert.equal(iso(nextChange(adelaide, at('2026-04-02T12:00:00Z'))), '2026-04-02T22:30:00.000Z');
    });
  });

  describe('UTC: across midnight and the end of the week', () => {
    const nights = gate('UTC', { allow: ['Fri-Mon 22:00-06:00'] });

    it('a span across midnight runs from each listed evening to the next morning', () => {
      assert.equal(isAllowed(nights, at('2026-12-07T05:00:00Z')), true, 'Monday morning: after Sunday evening');
      assert.equal(isAllowed(nights, at('2026-12-08T05:00:00Z')), true, 'Tuesday morning: after Monday evening');
      assert.equal(isAllowed(nights, at('2026-12-09T05:00:00Z')), false, 'Wednesday morning: Tuesday is not listed');
      assert.equal(isAllowed(nights, at('2026-12-12T12:00:00Z')), false, 'Saturday noon');
      assert.equal(isAllowed(nights, at('2026-12-12T23:00:00Z')), true, 'Saturday night');
      assert.equal(iso(nextChange(nights, at('2026-12-09T05:00:00Z'))), '2026-12-11T22:00:00.000Z');
      assert.equal(iso(nextChange(nights, at('2026-12-07T05:00:00Z'))), '2026-12-07T06:00:00.000Z');
    });

    it('a deny over the weekend freezes until Monday 00:00', () => {
      const weekend = gate('UTC', { deny: ['Sat-Sun 00:00-24:00'] });
      const verdict = windowVerdict(weekend, at('2026-12-12T10:00:00Z'));
      assert.equal(verdict.reason, 'frozen: deny Sat-Sun 00:00-24:00 until Mon 00:00 UTC');
      assert.equal(!verdict.open && iso(verdict.opensAt), '2026-12-14T00:00:00.000Z');
    });

    it('Sun 22:00-06:00 wraps into Monday morning', () => {
      const sunday = gate('UTC', { allow: ['Sun 22:00-06:00'] });
      assert.equal(isAllowed(sunday, at('2026-12-07T03:00:00Z')), true);
      assert.equal(isAllowed(sunday, at('2026-12-06T03:00:00Z')), false);
    });

    it('deny wins over allow', () => {
      const g = gate('UTC', { allow: ['Mon-Fri 09:00-17:00'], deny: ['Fri 15:00-24:00'] });
      assert.equal(isAllowed(g, at('2026-12-11T14:59:00Z')), true);
      const verdict = windowVerdict(g, at('2026-12-11T15:00:00Z'));
      assert.equal(verdict.reason, 'frozen: deny Fri 15:00-24:00 until Mon 09:00 UTC');
    });

    it('with no allow list, every time not denied is allowed', () => {
      const g = gate('UTC', { deny: ['Wed 10:00-12:00'] });
      const verdict = windowVerdict(g, at('2026-12-08T10:00:00Z'));
      assert.equal(verdict.open, true);
      assert.equal(verdict.reason, 'open: no deny window holds now (UTC); closes Wed 10:00');
    });
  });

  describe('a long freeze', () => {
    it('frozen until the end of a one-off interval, said with its date', () => {
      const holidays = gate('UTC', { deny: ['2026-12-20T00:00:00Z/2027-01-06T00:00:00Z'] });
      const verdict = windowVerdict(holidays, at('2026-12-22T10:00:00Z'));
      assert.equal(verdict.reason, 'frozen: deny 2026-12-20T00:00:00Z/2027-01-06T00:00:00Z until Wed 6 Jan 00:00 UTC');
      assert.equal(!verdict.open && iso(verdict.opensAt), '2027-01-06T00:00:00.000Z');
    });

    it('the next opening after a freeze is the first allowed span after it, with offsets', () => {
      const g = gate('Europe/Berlin', { allow: ['Mon-Fri 09:00-17:00'], deny: ['2026-12-20T00:00:00+01:00/2027-01-06T12:00:00+01:00'] });
      const verdict = windowVerdict(g, at('2026-12-22T10:00:00Z'));
      assert.equal(!verdict.open && iso(verdict.opensAt), '2027-01-06T11:00:00.000Z');
      assert.equal(verdict.reason, 'frozen: deny 2026-12-20T00:00:00+01:00/2027-01-06T12:00:00+01:00 until Wed 6 Jan 12:00 Europe/Berlin');
    });

    it('a freeze beyond the search says it does not open within it', () => {
      const g = gate('UTC', { deny: ['2026-01-01T00:00:00Z/2029-01-01T00:00:00Z'] });
      const verdict = windowVerdict(g, at('2026-12-22T10:00:00Z'));
      assert.equal(verdict.open, false);
      assert.equal(!verdict.open && verdict.opensAt, undefined);
      assert.match(verdict.reason, /^frozen: deny 2026-01-01T00:00:00Z\/2029-01-01T00:00:00Z; it does not open within 366 days$/);
    });
  });

  describe('properties', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Adelaide'];
    const day = fc.constantFrom('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun');
    const time = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const span = fc
      .tuple(day, fc.option(day, { nil: undefined }), time, fc.oneof(time, fc.constant('24:00')))
      .filter(([a, b, s, e]) => a !== b && s !== e)
      .map(([a, b, s, e]) => `${a}${b ? `-${b}` : ''} ${s}-${e}`);
    // Around both clock changes of 2026 in either hemisphere.
    const instant = fc.integer({ min: at('2026-03-01T00:00:00Z'), max: at('2026-11-15T00:00:00Z') });
    const interval = fc
      .tuple(instant, fc.integer({ min: 60_000, max: 20 * 86_400_000 }))
      .map(([start, length]) => `${new Date(start).toISOString()}/${new Date(start + length).toISOString()}`);
    const windows = fc.record({
      zone: fc.constantFrom(...zones),
      allow: fc.option(fc.array(fc.oneof(span, span, interval), { minLength: 1, maxLength: 3 }), { nil: undefined }),
      deny: fc.array(fc.oneof(span, interval), { maxLength: 2 }),
    });

    it('the next change is exact: the answer holds until it, and differs at it', () => {
      fc.assert(
        fc.property(
          windows,
          instant,
          fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 5, maxLength: 5 }),
          (w, from, fractions) => {
            const g = gate(w.zone, { ...(w.allow ? { allow: w.allow } : {}), deny: w.deny });
            const now = isAllowed(g, from);
            const change = nextChange(g, from, 21);
            if (change === undefined) {
              // Nothing changes for three weeks: check the answer at points within them.
              for (const f of fractions) assert.equal(isAllowed(g, from + Math.floor(f * 21 * 86_400_000)), now);
              return;
            }
            assert.ok(change > from);
            assert.notEqual(isAllowed(g, change), now, 'the answer differs at the change');
            assert.equal(isAllowed(g, Math.max(from, change - 1)), now, 'a millisecond before the change the answer is unchanged');
            for (const f of fractions) assert.equal(isAllowed(g, from + Math.floor(f * (change - from))), now, 'the answer holds before the change');
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  describe('as a gate, with the clock of its context', () => {
    const target: EnvironmentConfig = {
      name: 'production',
      tag: 'production',
      image: 'registry.example.com/app',
      repository: parseRepository('registry.example.com/app'),
      protected: false,
      gates: [],
    };
    const config: WindowGateConfig = { type: 'window', name: 'office hours', ...gate('Europe/Berlin', { allow: ['Mon-Fri 09:00-17:00'] }), deny: [] };
    const run = (now: string): ReturnType<typeof defaultGateRunner> =>
      defaultGateRunner(config, {
        sourceDigest: `sha256:${'a'.repeat(64)}`,
        sourceImage: 'registry.example.com/app',
        target,
        workspaceDir: undefined,
        trusted: true,
        log: silentLogger,
        now: () => Date.parse(now),
      });

    it('fails outside the window, saying when it opens', async () => {
      const result = await run('2026-12-12T10:00:00Z');
      assert.equal(result.status, 'failed');
      assert.equal(result.type, 'window');
      assert.equal(result.reason, 'outside Mon-Fri 09:00-17:00 Europe/Berlin; opens Mon 09:00');
      assert.deepEqual(result.details, ['opens at 2026-12-14T08:00:00.000Z']);
    });

    it('passes inside it', async () => {
      const result = await run('2026-12-14T10:00:00Z');
      assert.equal(result.status, 'passed');
      assert.equal(result.reason, 'open: inside Mon-Fri 09:00-17:00 Europe/Berlin; closes Mon 17:00');
    });
  });
});
