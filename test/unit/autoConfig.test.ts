// auto: true in the config, and the history's word on digests rolled back from an environment.
import * as assert from 'node:assert/strict';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import { rolledBackFrom } from '../../src/history/queries';
import type { HistoryRecord } from '../../src/history/record';

const config = (...staging: string[]): string =>
  [
    'image: registry.example.com/app',
    'environments:',
    '  - name: dev',
    '    tag: dev',
    '  - name: staging',
    '    tag: staging',
    ...staging.map((l) => `    ${l}`),
    '',
  ].join('\n');

function errors(text: string): string[] {
  return parsePromotionConfig(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.range.startLine + 1}: ${d.message}`);
}

describe('auto-promotion config', () => {
  it('parses auto: true; absent is not auto', () => {
    const parsed = parsePromotionConfig(config('auto: true'));
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(
      parsed.config!.environments.map((e) => e.auto ?? false),
      [false, true],
    );
  });

  it('refuses auto on a protected environment, with approval gates, or on the first environment, each at its line', () => {
    assert.deepEqual(errors(config('protected: true', 'auto: true')), [
      '8: environments[1].auto: a protected environment cannot be auto: promote --auto never asks anyone to type its name; remove auto or protected',
    ]);
    assert.deepEqual(errors(config('auto: true', 'gates:', '  - type: approval')), [
      '9: environments[1].gates[0].type: an auto environment cannot have approval gates: promote --auto never asks anyone; remove auto or the approval gate',
    ]);
    const first = ['image: registry.example.com/app', 'environments:', '  - name: dev', '    tag: dev', '    auto: true', ''].join('\n');
    assert.match(errors(first)[0]!, /^5: environments\[0\]\.auto: the first environment cannot be auto/);
  });
});

describe('rolledBackFrom', () => {
  const a = `sha256:${'a'.repeat(64)}`;
  const b = `sha256:${'b'.repeat(64)}`;
  let t = Date.UTC(2026, 0, 1);
  const record = (kind: 'promotion' | 'rollback', digest: string, previousDigest: string | null, extra: Partial<HistoryRecord> = {}): HistoryRecord => ({
    v: 1,
    id: String(t),
    time: new Date((t += 60_000)).toISOString(),
    durationMs: 1,
    kind,
    who: { user: 'ci' },
    image: 'registry.example.com/app',
    source: { label: 'dev', repository: 'registry.example.com/app' },
    target: { environment: 'production', tag: 'production', repository: 'registry.example.com/app' },
    digest,
    previousDigest,
    finalDigest: digest,
    transport: 'registry',
    gates: [],
    outcome: 'succeeded',
    message: '',
    ...extra,
  });

  it('names the rollback that took a digest out, until a person (not --auto) promotes it again', () => {
    const history = [record('promotion', a, null), record('promotion', b, a, { auto: true }), record('rollback', a, b)];
    assert.equal(rolledBackFrom(history, 'production', b)?.kind, 'rollback');
    assert.equal(rolledBackFrom(history, 'production', a), undefined);
    assert.equal(rolledBackFrom(history, 'staging', b), undefined);
    assert.ok(rolledBackFrom([...history, record('promotion', b, a, { auto: true })], 'production', b), 'an auto promotion does not lift it');
    assert.equal(rolledBackFrom([...history, record('promotion', b, a)], 'production', b), undefined);
    assert.ok(
      rolledBackFrom([...history, record('promotion', b, a, { outcome: 'blocked', finalDigest: a })], 'production', b),
      'a blocked attempt moved nothing',
    );
  });
});
