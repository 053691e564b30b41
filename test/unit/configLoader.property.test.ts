// Property tests of the config loader: whatever the YAML, JSON or bytes, it throws nothing, finishes
// fast, and every diagnostic points at a real place in the text.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parsePromotionConfigBytes } from '../../src/config/configBytes';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { ParsedConfig } from '../../src/config/types';

const EXAMPLE = [
  'image: registry.example.com/team/app',
  'builds:',
  "  tagPattern: '^[0-9a-f]{7,40}$'",
  'environments:',
  '  - name: development',
  '    tag: dev',
  '  - name: staging',
  '    tag: staging',
  '    gates:',
  '      - type: http',
  '        url: https://staging.example.com/version',
  '        body: { jsonPath: $.commit, equals: "${revision}" }',
  '      - type: label',
  "        labels: { org.opencontainers.image.version: '^v' }",
  '  - name: production',
  '    tag: production',
  '    protected: true',
  '    gates: [{ type: soak, duration: 1h }, { type: approval }]',
  '',
].join('\n');

/** Each parse, however hostile, within this; a backtracking regex or quadratic check blows it. */
const PER_INPUT_MS = 2_000;

function checked(text: string, parse: () => ParsedConfig): ParsedConfig {
  const started = Date.now();
  const parsed = parse();
  assert.ok(Date.now() - started < PER_INPUT_MS, `took ${Date.now() - started} ms`);
  const lines = text.split(/\r\n|\r|\n/).map((l) => l.length);
  for (const d of parsed.diagnostics) {
    const r = d.range;
    const where = `${JSON.stringify(d.message.slice(0, 80))} at ${JSON.stringify(r)} in ${JSON.stringify(text.slice(0, 200))}`;
    for (const n of [r.startLine, r.startColumn, r.endLine, r.endColumn]) assert.ok(Number.isInteger(n) && n >= 0, where);
    assert.ok(r.endLine < lines.length, `${where}: past the last line`);
    assert.ok(r.startLine < r.endLine || (r.startLine === r.endLine && r.startColumn <= r.endColumn), `${where}: ends before it starts`);
    assert.ok(r.startColumn <= lines[r.startLine]! + 1 && r.endColumn <= lines[r.endLine]! + 1, `${where}: past the end of its line`);
    assert.ok(d.message.trim(), where);
  }
  if (parsed.config)
    assert.ok(
      parsed.diagnostics.every((d) => d.severity === 'warning'),
      'a config despite errors',
    );
  else
    assert.ok(
      parsed.diagnostics.some((d) => d.severity === 'error'),
      'no config, but no error saying why',
    );
  return parsed;
}

const RUNS = { numRuns: 300 };

describe('config loader (property tests)', function () {
  this.timeout(120_000);

  it('the example is valid (so the mutations below start from a config)', () => {
    const parsed = checked(EXAMPLE, () => parsePromotionConfig(EXAMPLE));
    assert.ok(parsed.config, JSON.stringify(parsed.diagnostics));
  });

  it('arbitrary values, written as YAML or JSON, never throw and give positioned diagnostics', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4, withNullPrototype: true }), fc.boolean(), (value, asJson) => {
        let text: string;
        try {
          text = (asJson ? JSON.stringify(value) : stringify(value)) ?? '';
        } catch {
          return; // not representable (a BigInt, say): nothing to parse
        }
        checked(text, () => parsePromotionConfig(text));
      }),
      RUNS,
    );
  });

  it('config-shaped values with arbitrary fields never throw', () => {
    const field = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
    const gate = fc.record(
      {
        type: fc.oneof(fc.constantFrom('command', 'approval', 'http', 'soak', 'label'), fc.string()),
        run: field,
        url: field,
        method: field,
        body: field,
        labels: field,
        duration: field,
        cwd: field,
        headers: field,
      },
      { requiredKeys: ['type'] },
    );
    const env = fc.record(
      { name: field, tag: field, image: field, protected: field, gates: fc.oneof(fc.array(gate, { maxLength: 3 }), field) },
      { requiredKeys: [] },
    );
    const config = fc.record(
      {
        image: field,
        builds: fc.oneof(fc.record({ tagPattern: field, limit: field }, { requiredKeys: [] }), field),
        environments: fc.oneof(fc.array(env, { maxLength: 4 }), field),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, (value) => {
        const text = stringify(value) ?? '';
        checked(text, () => parsePromotionConfig(text));
      }),
      RUNS,
    );
  });

  it('arbitrary bytes never throw and give positioned diagnostics', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        checked(new TextDecoder().decode(bytes), () => parsePromotionConfigBytes(bytes));
      }),
      RUNS,
    );
  });

  it('the example with characters inserted, deleted or replaced anywhere never throws', () => {
    const edit = fc.record({
      at: fc.nat(EXAMPLE.length),
      remove: fc.nat(8),
      insert: fc.string({ unit: fc.constantFrom(...'\n\r\t :-[]{}&*!|>\'"%@`#,?\\\0\u00e9\ufeffa1'), maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = EXAMPLE;
        for (const e of edits) {
          const at = Math.min(e.at, text.length);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        const bytes = new TextEncoder().encode(text);
        checked(text.replace(/^\ufeff/, ''), () => parsePromotionConfigBytes(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
