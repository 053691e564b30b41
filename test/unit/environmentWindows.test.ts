// An environment's window gates together, the row's words and the next moment rows change.
import * as assert from 'node:assert/strict';
import { environmentDescriptionParts } from '../../src/app/statusText';
import type { EnvironmentConfig, GateConfig, WindowGateConfig } from '../../src/config/types';
import { parseWindowEntry, type WindowEntry } from '../../src/config/windowEntry';
import { parseRepository } from '../../src/core/reference';
import type { EnvironmentRow } from '../../src/model/snapshot';
import { WindowTimer, type TimerFunctions } from '../../src/model/windowTimer';
import { environmentWindow, nextWindowChange, windowRowText } from '../../src/model/windows';

function entries(texts: readonly string[]): WindowEntry[] {
  return texts.map((t) => {
    const e = parseWindowEntry(t);
    if ('problem' in e) throw new Error(e.problem);
    return e;
  });
}

function windowGate(timezone: string, allow: string[] | undefined, deny: string[] = []): WindowGateConfig {
  return { type: 'window', name: `window ${timezone}`, timezone, ...(allow ? { allow: entries(allow) } : {}), deny: entries(deny) };
}

function env(name: string, gates: GateConfig[]): EnvironmentConfig {
  return { name, tag: name, image: 'registry.example.com/app', repository: parseRepository('registry.example.com/app'), protected: false, gates };
}

const at = (iso: string): number => Date.parse(iso);
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

describe('environment windows', () => {
  it('no window gate: nothing to say', () => {
    assert.equal(environmentWindow(env('staging', [{ type: 'approval', name: 'approval', count: 1, allowSelf: true }]), at('2026-12-12T10:00:00Z')), undefined);
  });

  it('two gates: closed while either is; opens at the first instant both are open', () => {
    // Berlin office hours, and no Monday mornings in New York time (Mon 00:00-12:00 EST = 06:00-18:00 Berlin).
    const production = env('production', [
      windowGate('Europe/Berlin', ['Mon-Fri 09:00-17:00']),
      windowGate('America/New_York', undefined, ['Mon 00:00-12:00']),
    ]);
    const saturday = environmentWindow(production, at('2026-12-12T10:00:00Z'));
    assert.equal(saturday?.open, false);
    assert.equal(saturday?.reason, 'outside Mon-Fri 09:00-17:00 Europe/Berlin; opens Mon 09:00');
    // Monday 09:00 Berlin is inside the New York deny; that ends at 12:00 EST = 17:00 UTC = 18:00 Berlin, after office hours: Tuesday 09:00 Berlin.
    assert.equal(iso(saturday?.opensAt), '2026-12-15T08:00:00.000Z');
    assert.equal(saturday && windowRowText(saturday, at('2026-12-12T10:00:00Z')), 'frozen until Tue 09:00 Europe/Berlin');

    const tuesday = environmentWindow(production, at('2026-12-15T10:00:00Z'));
    assert.equal(tuesday?.open, true);
    assert.equal(iso(tuesday?.until), '2026-12-15T16:00:00.000Z', 'the first gate to close');
    assert.equal(tuesday && windowRowText(tuesday, at('2026-12-15T10:00:00Z')), undefined);
  });

  it('a freeze beyond the search: frozen with no opening', () => {
    const frozen = environmentWindow(
      env('production', [windowGate('UTC', undefined, ['2026-01-01T00:00:00Z/2030-01-01T00:00:00Z'])]),
      at('2026-12-12T10:00:00Z'),
    );
    assert.equal(frozen?.opensAt, undefined);
    assert.equal(frozen && windowRowText(frozen, at('2026-12-12T10:00:00Z')), 'frozen for more than 366 days');
  });

  it('the next moment any row changes: the earliest opening or closing', () => {
    const environments = [
      env('development', []),
      env('staging', [windowGate('UTC', undefined, ['Sat-Sun 00:00-24:00'])]),
      env('production', [windowGate('Asia/Kolkata', ['Mon-Fri 09:30-18:00'])]),
    ];
    // Friday 12:00 UTC: production (17:30 IST) closes at 12:30 UTC, before staging's freeze at midnight.
    assert.equal(iso(nextWindowChange(environments, at('2026-12-11T12:00:00Z'))), '2026-12-11T12:30:00.000Z');
    assert.equal(iso(nextWindowChange(environments, at('2026-12-11T13:00:00Z'))), '2026-12-12T00:00:00.000Z');
    assert.equal(nextWindowChange([env('development', [])], at('2026-12-11T13:00:00Z')), undefined);
  });

  it('the row says frozen until … only when given the time and the window is closed', () => {
    const staging = env('staging', [windowGate('Europe/Berlin', ['Mon-Fri 09:00-17:00'])]);
    const row: EnvironmentRow = { env: staging, index: 1, lookup: { state: 'absent' }, relation: 'unknown' };
    assert.deepEqual(environmentDescriptionParts(row, undefined, at('2026-12-12T10:00:00Z')), ['staging', 'empty', 'frozen until Mon 09:00 Europe/Berlin']);
    assert.deepEqual(environmentDescriptionParts(row, undefined, at('2026-12-14T10:00:00Z')), ['staging', 'empty']);
    assert.deepEqual(environmentDescriptionParts(row), ['staging', 'empty']);
  });
});

describe('the window timer', () => {
  /** Timers that only record what was asked, run by hand. */
  function fakeTimers(): { set: TimerFunctions['set']; clear: TimerFunctions['clear']; pending: Map<number, { callback: () => void; ms: number }> } {
    const pending = new Map<number, { callback: () => void; ms: number }>();
    let next = 1;
    return {
      pending,
      set: (callback, ms) => {
        pending.set(next, { callback, ms });
        return next++;
      },
      clear: (handle) => void pending.delete(handle as number),
    };
  }

  const office = [env('production', [windowGate('Europe/Berlin', ['Mon-Fri 09:00-17:00'])])];

  it('one timer to the next opening, just past it; it redraws, and a new schedule replaces the old', () => {
    const timers = fakeTimers();
    let clock = at('2026-12-12T10:00:00Z');
    let redraws = 0;
    const timer = new WindowTimer(
      () => redraws++,
      () => clock,
      timers,
    );
    timer.schedule(office);
    assert.deepEqual(
      [...timers.pending.values()].map((t) => t.ms),
      [at('2026-12-14T08:00:00Z') - clock + 50],
    );
    clock = at('2026-12-14T08:00:00.050Z');
    const [[handle, due]] = [...timers.pending];
    timers.pending.delete(handle!);
    due!.callback();
    assert.equal(redraws, 1);
    timer.schedule(office);
    assert.deepEqual(
      [...timers.pending.values()].map((t) => t.ms),
      [at('2026-12-14T16:00:00Z') - clock + 50],
      'then to the closing',
    );
    timer.dispose();
    assert.equal(timers.pending.size, 0);
  });

  it('no timer without windows; a change months away waits at most what setTimeout can', () => {
    const timers = fakeTimers();
    const timer = new WindowTimer(
      () => undefined,
      () => at('2026-12-12T10:00:00Z'),
      timers,
    );
    timer.schedule([env('development', [])]);
    assert.equal(timers.pending.size, 0);
    timer.schedule([env('production', [windowGate('UTC', undefined, ['2026-01-01T00:00:00Z/2027-06-01T00:00:00Z'])])]);
    assert.deepEqual(
      [...timers.pending.values()].map((t) => t.ms),
      [2 ** 31 - 1],
    );
  });
});
