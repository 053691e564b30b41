// The bundles validate the config with code generated at build time (esbuild.mjs runs
// schemaValidatorSource()); the tests otherwise run ajv's runtime compile of the same schema. The two
// must be the same validator: every config of the hostile corpus and thousands of mutated configs get
// exactly the same errors (keyword, paths, params, data, schema) from both.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import schemaJson from '../../src/config/promotion.schema.json';
import { compileSchemaValidator, schemaValidatorSource } from '../../src/config/schemaCompiler';

const CORPUS = path.resolve(__dirname, '..', '..', '..', 'test', 'faults', 'configs');

/** Loads the generated module as the bundle does: its schema is the JSON module, ajv's runtime helpers come from ajv. */
function loadGenerated(source: string): ValidateFunction {
  const module: { exports: unknown } = { exports: {} };
  const load = (id: string): unknown => (id === './promotion.schema.json' ? schemaJson : require(id));
  new Function('module', 'exports', 'require', source)(module, module.exports, load);
  return module.exports as ValidateFunction;
}

/** What a validator says about a value (undefined: valid). */
function verdict(validate: ValidateFunction, value: unknown): unknown {
  return validate(value) ? undefined : validate.errors;
}

/** The value the config parser validates: the YAML document as JavaScript (undefined when it cannot be read). */
function valueOf(text: string): unknown {
  try {
    return parseDocument(text, { prettyErrors: false, merge: true, uniqueKeys: false }).toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
}

const FULL_CONFIG = {
  image: 'registry.example.com/team/myapp',
  builds: { tagPattern: '^[0-9a-f]{7,40}$', limit: 20 },
  environments: [
    { name: 'development', tag: 'dev' },
    {
      name: 'staging',
      tag: 'staging',
      gates: [
        {
          type: 'command',
          name: 'smoke test',
          run: ['./scripts/smoke-test.sh', '--quick'],
          timeoutSeconds: 300,
          cwd: 'scripts',
          env: { SMOKE_LEVEL: 'quick' },
        },
        { type: 'http', url: 'https://staging.example.com/version', expectStatus: [200, 204], body: { jsonPath: '$.digest', equals: '${digest}' }, retries: 2 },
        { type: 'label', labels: { 'org.opencontainers.image.revision': '' }, revision: true },
      ],
    },
    {
      name: 'production',
      tag: 'production',
      image: 'prod-registry.example.com/team/myapp',
      protected: true,
      gates: [{ type: 'approval' }, { type: 'soak', duration: '1h30m' }],
    },
  ],
};

describe('the generated config validator (what the bundles run)', () => {
  const runtime = compileSchemaValidator();
  const generated = loadGenerated(schemaValidatorSource());

  it('accepts the full config and gives the same errors as ajv for every config of the hostile corpus', () => {
    assert.equal(verdict(generated, FULL_CONFIG), undefined, JSON.stringify(verdict(generated, FULL_CONFIG)));
    const files = readdirSync(CORPUS).filter((f) => !f.endsWith('.json'));
    assert.ok(files.length > 100, `the corpus is there (${files.length} files)`);
    let invalid = 0;
    for (const file of files) {
      const value = valueOf(readFileSync(path.join(CORPUS, file), 'utf8'));
      const expected = verdict(runtime, value);
      if (expected) invalid++;
      assert.deepEqual(verdict(generated, value), expected, file);
    }
    assert.ok(invalid > 50, `most of the corpus fails the schema (${invalid})`);
  });

  it('gives the same errors as ajv for mutated configs: values of any type anywhere, keys removed or added', () => {
    type Path = (string | number)[];
    const paths: Path[] = [];
    const walk = (node: unknown, at: Path): void => {
      paths.push(at);
      if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, [...at, Array.isArray(node) ? Number(k) : k]);
    };
    walk(FULL_CONFIG, []);
    const mutation = fc.record({
      at: fc.constantFrom(...paths),
      kind: fc.constantFrom('set', 'delete', 'add'),
      key: fc.oneof(fc.constantFrom('type', 'name', 'tag', 'gates', 'run', 'url', 'duration', 'labels', '__proto__', 'constructor'), fc.string()),
      value: fc.oneof(fc.jsonValue(), fc.constantFrom('', 'command', 'http', 'soak', 'label', 'approval', -1, 0, 1.5, 1e9, null, [], {})),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const value = structuredClone(FULL_CONFIG) as unknown;
        for (const m of mutations) apply(value, m.at, m.kind, m.key, m.value);
        assert.deepEqual(verdict(generated, value), verdict(runtime, value));
      }),
      { numRuns: 3000 },
    );
  });
});

/** Changes `root` at `at` (when that path still exists): sets the value there, deletes it, or adds `key` beside. */
function apply(root: unknown, at: (string | number)[], kind: string, key: string, value: unknown): void {
  let parent: unknown = root;
  for (const step of at.slice(0, -1)) {
    if (!parent || typeof parent !== 'object') return;
    parent = (parent as Record<string | number, unknown>)[step];
  }
  if (!parent || typeof parent !== 'object') return;
  const container = parent as Record<string | number, unknown>;
  const last = at[at.length - 1];
  if (last === undefined) return;
  if (kind === 'set') container[last] = value;
  else if (kind === 'delete') delete container[last];
  else {
    const target = container[last];
    if (target && typeof target === 'object' && !Array.isArray(target))
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
}
