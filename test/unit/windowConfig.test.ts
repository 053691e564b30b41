// Window gates in the config: what parses, with its defaults, and every bad entry as an error on its own
// line and value (overlaps only a warning).
import * as assert from 'node:assert/strict';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { ConfigDiagnostic, WindowGateConfig } from '../../src/config/types';
import { parseWindowEntry } from '../../src/config/windowEntry';

const withGates = (...lines: string[]): string =>
  [
    'image: registry.example.com/app',
    'environments:',
    '  - name: staging',
    '    tag: staging',
    '  - name: production',
    '    tag: production',
    '    gates:',
    ...lines.map((l) => `      ${l}`),
    '',
  ].join('\n');

/** Line and columns (0-based) of the first `needle` in `text`. */
function rangeOf(text: string, needle: string): ConfigDiagnostic['range'] {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `test text has no ${JSON.stringify(needle)}`);
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  const column = offset - (before.lastIndexOf('\n') + 1);
  return { startLine: line, startColumn: column, endLine: line, endColumn: column + needle.length };
}

function onlyError(text: string): ConfigDiagnostic {
  const result = parsePromotionConfig(text);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, `expected one error, got:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  assert.equal(result.config, undefined);
  return errors[0]!;
}

function windowGateOf(text: string): WindowGateConfig {
  const result = parsePromotionConfig(text);
  assert.deepEqual(
    result.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const gate = result.config?.environments[1]?.gates[0];
  assert.equal(gate?.type, 'window');
  return gate as WindowGateConfig;
}

describe('window gates in the config', () => {
  it('parses spans and intervals, the time zone defaulting to UTC', () => {
    const gate = windowGateOf(
      withGates(
        '- type: window',
        '  allow: ["Mon-Fri 09:00-17:00", "sat 10:00-12:00"]',
        '  deny: ["Fri-Mon 22:00-06:00", "2026-12-20T00:00:00+01:00/2027-01-06T00:00:00Z"]',
      ),
    );
    assert.equal(gate.timezone, 'UTC');
    assert.equal(gate.name, 'window UTC');
    assert.deepEqual(gate.allow, [
      { kind: 'recurring', text: 'Mon-Fri 09:00-17:00', days: [1, 2, 3, 4, 5], startMinute: 540, endMinute: 1020 },
      { kind: 'recurring', text: 'sat 10:00-12:00', days: [6], startMinute: 600, endMinute: 720 },
    ]);
    assert.deepEqual(gate.deny, [
      { kind: 'recurring', text: 'Fri-Mon 22:00-06:00', days: [5, 6, 0, 1], startMinute: 1320, endMinute: 360 },
      {
        kind: 'interval',
        text: '2026-12-20T00:00:00+01:00/2027-01-06T00:00:00Z',
        start: Date.parse('2026-12-19T23:00:00Z'),
        end: Date.parse('2027-01-06T00:00:00Z'),
      },
    ]);
  });

  it('without allow, allow stays undefined (every time not denied); a named zone is kept', () => {
    const gate = windowGateOf(withGates('- type: window', '  name: no Friday releases', '  timezone: Europe/Berlin', '  deny: ["Fri 15:00-24:00"]'));
    assert.equal(gate.allow, undefined);
    assert.equal(gate.timezone, 'Europe/Berlin');
    assert.equal(gate.name, 'no Friday releases');
    assert.deepEqual(gate.deny[0], { kind: 'recurring', text: 'Fri 15:00-24:00', days: [5], startMinute: 900, endMinute: 1440 });
  });

  it('an unknown time zone, on its value, with a suggestion', () => {
    const text = withGates('- type: window', '  timezone: Europe/Berln', '  allow: ["Mon-Fri 09:00-17:00"]');
    const d = onlyError(text);
    assert.deepEqual(d.range, rangeOf(text, 'Europe/Berln'));
    assert.equal(
      d.message,
      'environments[1].gates[0].timezone: "Europe/Berln" is not an IANA time zone; did you mean Europe/Berlin? (names such as Europe/Berlin, America/New_York or UTC)',
    );
  });

  it('a misspelt UTC is suggested too', () => {
    const d = onlyError(withGates('- type: window', '  timezone: UTX', '  allow: ["Mon-Fri 09:00-17:00"]'));
    assert.match(d.message, /"UTX" is not an IANA time zone; did you mean UTC\?/);
  });

  for (const [entry, reason] of [
    ['Mon-Fri 9-17', /"9" is not a time; times are HH:MM on the 24-hour clock, such as 09:00 or 17:30/],
    ['Mon-Fri 09:00-25:00', /"25:00" is not a time: hours run from 00 to 23 \(24:00 only as an end\)/],
    ['Mon 09:75-10:00', /"09:75" is not a time: minutes run from 00 to 59/],
    ['Sat 24:00-06:00', /"24:00" is the end of a day, so only an end; start at 00:00/],
    ['Mon 09:00-09:00', /"09:00-09:00" is empty: it ends when it starts/],
    ['Monday-Fri 09:00-17:00', /"Monday" is not a day; days are Mon, Tue, Wed, Thu, Fri, Sat, Sun/],
    ['Mon-Mon 09:00-17:00', /"Mon-Mon" names one day; write Mon alone/],
    ['weekdays', /"weekdays" is not a span; a span is days and times, such as Mon-Fri 09:00-17:00/],
    ['2027-01-06T00:00:00Z/2026-12-20T00:00:00Z', /ends before it starts; write the earlier instant first/],
    ['2026-12-20T00:00:00Z/2026-12-20T00:00:00Z', /ends when it starts/],
    ['2026-12-20T00:00:00/2027-01-06T00:00:00Z', /"2026-12-20T00:00:00" has no Z or offset, so which moment it means is unknown/],
    ['2026-02-30T00:00:00Z/2027-01-06T00:00:00Z', /"2026-02-30T00:00:00Z" is not a date and time that exists/],
    ['2026-12-20/2027-01-06', /"2026-12-20" is not an instant; a one-off window is start\/end in ISO 8601/],
  ] as const) {
    it(`refuses "${entry}", on that entry`, () => {
      const text = withGates('- type: window', '  timezone: UTC', `  deny: ["Sun 00:00-01:00", "${entry}"]`);
      const d = onlyError(text);
      assert.deepEqual(d.range, rangeOf(text, `"${entry}"`));
      assert.match(d.message, /^environments\[1\]\.gates\[0\]\.deny\[1\]: /);
      assert.match(d.message, reason);
    });
  }

  it('an empty allow list, on its key', () => {
    const text = withGates('- type: window', '  allow: []', '  deny: ["Fri 15:00-24:00"]');
    const d = onlyError(text);
    assert.deepEqual(d.range, rangeOf(text, 'allow'));
    assert.match(d.message, /^environments\[1\]\.gates\[0\]\.allow: the list is empty, so promotion would never be allowed/);
  });

  it('a window gate with neither list, on its type', () => {
    const text = withGates('- type: window', '  timezone: UTC');
    const d = onlyError(text);
    assert.deepEqual(d.range, rangeOf(text, 'window'));
    assert.match(d.message, /a window gate needs allow, deny or both; without either it always passes/);
  });

  it("an unknown key is the schema's error, at the key", () => {
    const text = withGates('- type: window', '  alow: ["Mon-Fri 09:00-17:00"]', '  deny: ["Fri 15:00-24:00"]');
    const d = onlyError(text);
    assert.deepEqual(d.range, rangeOf(text, 'alow'));
    assert.match(d.message, /alow/);
  });

  it('overlapping entries of one list are a warning on the later one, and the config still loads', () => {
    const text = withGates(
      '- type: window',
      '  allow: ["Mon-Fri 09:00-17:00", "Fri 16:00-18:00", "Sat 08:00-09:00"]',
      '  deny: ["Sun 22:00-02:00", "Mon 01:00-03:00", "2026-12-20T00:00:00Z/2027-01-06T00:00:00Z", "2027-01-05T00:00:00Z/2027-01-07T00:00:00Z"]',
    );
    const result = parsePromotionConfig(text);
    assert.ok(result.config, 'warnings keep the config');
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    assert.deepEqual(
      warnings.map((w) => w.message),
      [
        'environments[1].gates[0].allow[1]: "Fri 16:00-18:00" overlaps "Mon-Fri 09:00-17:00" (environments[1].gates[0].allow[0]); both allow the same time, so one of them could be narrower or merged',
        'environments[1].gates[0].deny[1]: "Mon 01:00-03:00" overlaps "Sun 22:00-02:00" (environments[1].gates[0].deny[0]); both deny the same time, so one of them could be narrower or merged',
        'environments[1].gates[0].deny[3]: "2027-01-05T00:00:00Z/2027-01-07T00:00:00Z" overlaps "2026-12-20T00:00:00Z/2027-01-06T00:00:00Z" (environments[1].gates[0].deny[2]); both deny the same time, so one of them could be narrower or merged',
      ],
    );
    assert.deepEqual(warnings[0]!.range, rangeOf(text, '"Fri 16:00-18:00"'));
  });

  it('spans that only touch do not overlap; a span that wraps the week overlaps Monday morning', () => {
    const touching = parsePromotionConfig(withGates('- type: window', '  allow: ["Mon 09:00-12:00", "Mon 12:00-17:00", "Sun 22:00-24:00"]'));
    assert.deepEqual(touching.diagnostics, []);
    const wrapping = parsePromotionConfig(withGates('- type: window', '  deny: ["Sat-Sun 22:00-06:00", "Mon 05:00-07:00"]'));
    assert.equal(wrapping.diagnostics.length, 1);
    assert.equal(wrapping.diagnostics[0]!.severity, 'warning');
  });

  it('a window that never opens is a warning on deny: every allowed time denied, or the whole week', () => {
    const text = withGates('- type: window', '  allow: ["Mon-Fri 09:00-17:00"]', '  deny: ["Mon-Fri 08:00-12:00", "Mon-Fri 12:00-18:00"]');
    const result = parsePromotionConfig(text);
    assert.ok(result.config, 'a warning keeps the config');
    assert.deepEqual(
      result.diagnostics.map((d) => [d.severity, d.message]),
      [
        [
          'warning',
          'environments[1].gates[0]: this window never opens: deny covers every time allow allows, so every promotion into this environment is blocked',
        ],
      ],
    );
    assert.deepEqual(result.diagnostics[0]!.range, rangeOf(text, 'deny'));
    const week = parsePromotionConfig(withGates('- type: window', '  deny: ["Sat-Thu 00:00-24:00", "Fri 00:00-24:00"]'));
    assert.match(week.diagnostics[0]?.message ?? '', /this window never opens: deny covers every time of the week/);
    const dated = parsePromotionConfig(
      withGates('- type: window', '  allow: ["2026-12-07T00:00:00Z/2026-12-08T00:00:00Z"]', '  deny: ["Mon-Sun 00:00-24:00"]'),
    );
    assert.match(dated.diagnostics[0]?.message ?? '', /this window never opens: deny covers every time of the week/);
    for (const opens of [
      withGates('- type: window', '  allow: ["Mon-Fri 09:00-17:00"]', '  deny: ["Mon-Fri 09:00-16:59"]'),
      withGates('- type: window', '  deny: ["Sat-Thu 00:00-24:00"]'),
      withGates('- type: window', '  allow: ["2026-12-07T00:00:00Z/2026-12-08T00:00:00Z"]', '  deny: ["Sat-Sun 00:00-24:00"]'),
    ])
      assert.deepEqual(parsePromotionConfig(opens).diagnostics, [], opens);
  });

  it('parseWindowEntry tolerates extra spaces and reads an offset both ways', () => {
    const span = parseWindowEntry('  Mon-Fri   09:00-17:00 ');
    assert.ok(!('problem' in span) && span.kind === 'recurring' && span.text === 'Mon-Fri 09:00-17:00');
    const interval = parseWindowEntry('2026-06-01T12:00:00-04:30/2026-06-02T12:00:00.500+05:30');
    assert.ok(!('problem' in interval) && interval.kind === 'interval');
    assert.equal(interval.start, Date.parse('2026-06-01T16:30:00Z'));
    assert.equal(interval.end, Date.parse('2026-06-02T06:30:00.500Z'));
  });
});
