import * as assert from 'node:assert/strict';
import { GATE_KINDS } from '../../src/config/gates';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import { gateTypes, promotionSchema } from '../../src/config/schemaDiagnostics';
import {
  DEFAULT_BUILD_LIMIT,
  DEFAULT_COMMAND_TIMEOUT_SECONDS,
  DEFAULT_HTTP_METHOD,
  DEFAULT_HTTP_RETRIES,
  DEFAULT_HTTP_RETRY_DELAY_SECONDS,
  DEFAULT_HTTP_STATUS,
  DEFAULT_HTTP_TIMEOUT_SECONDS,
  DEFAULT_TAG_PATTERN,
  type ConfigDiagnostic,
  type ParsedConfig,
  type PromotionConfig,
} from '../../src/config/types';

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** Line and column (0-based) of the `occurrence`-th `needle` in `text`. */
function positionOf(text: string, needle: string, occurrence = 0): { line: number; column: number; offset: number } {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) {
    offset = text.indexOf(needle, offset + 1);
    assert.ok(offset >= 0, `test text has no occurrence ${occurrence} of ${JSON.stringify(needle)}`);
  }
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, column: offset - (before.lastIndexOf('\n') + 1), offset };
}

/** Asserts the diagnostic covers exactly `needle` (its `occurrence`-th appearance) on one line. */
function assertCovers(diagnostic: ConfigDiagnostic, text: string, needle: string, occurrence = 0): void {
  const { line, column } = positionOf(text, needle, occurrence);
  assert.deepEqual(
    diagnostic.range,
    { startLine: line, startColumn: column, endLine: line, endColumn: column + needle.length },
    `range of ${JSON.stringify(diagnostic.message)}`,
  );
}

function errorsOf(result: ParsedConfig): ConfigDiagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'error');
}

function warningsOf(result: ParsedConfig): ConfigDiagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'warning');
}

/** Parses text that must yield exactly one error, and returns it. */
function onlyError(text: string): ConfigDiagnostic {
  const result = parsePromotionConfig(text);
  const errors = errorsOf(result);
  assert.equal(errors.length, 1, `expected one error, got:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  assert.equal(result.config, undefined, 'no config when there is an error');
  return errors[0]!;
}

function validConfig(text: string): PromotionConfig {
  const result = parsePromotionConfig(text);
  assert.deepEqual(errorsOf(result), [], 'no errors');
  assert.ok(result.config, 'config present');
  return result.config;
}

const EXAMPLE = yaml(
  'image: registry.example.com/team/myapp      # repository; environments may override with their own',
  'builds:',
  "  tagPattern: '^[0-9a-f]{7,40}$'           # which tags are builds (default: git-SHA-like)",
  '  limit: 20                                 # how many builds to show (default 20)',
  'environments:                               # in promotion order',
  '  - name: development',
  '    tag: dev',
  '  - name: staging',
  '    tag: staging',
  '    gates:',
  '      - type: command                       # runs argv (no shell)',
  '        name: smoke test                    # optional display name',
  '        run: ["./scripts/smoke-test.sh", "--quick"]',
  '        timeoutSeconds: 300                 # optional, default 300',
  '        cwd: scripts                        # optional, relative to workspace folder',
  '        env: { FOO: bar }                   # optional extra env, string values',
  '  - name: production',
  '    tag: production',
  '    image: prod-registry.example.com/team/myapp   # optional: another repository or registry',
  '    protected: true                         # approval required: the user types the environment name',
  '    gates:',
  '      - type: approval',
);

const MINIMAL = yaml('image: registry.example.com/team/myapp', 'environments:', '  - name: staging', '    tag: staging');

describe('parsePromotionConfig', () => {
  describe('valid configs', () => {
    it('parses the documented example into the config with defaults filled', () => {
      const result = parsePromotionConfig(EXAMPLE);
      assert.deepEqual(result.diagnostics, []);
      const main = { registry: 'registry.example.com', path: 'team/myapp' };
      // The compiled pattern is compared by what was written (it holds an RE2 program, not a RegExp).
      const expected: Omit<PromotionConfig, 'builds'> & { builds: { tagPattern: string; limit: number } } = {
        image: 'registry.example.com/team/myapp',
        repository: main,
        builds: { tagPattern: '^[0-9a-f]{7,40}$', limit: 20 },
        environments: [
          { name: 'development', tag: 'dev', image: 'registry.example.com/team/myapp', repository: main, protected: false, gates: [] },
          {
            name: 'staging',
            tag: 'staging',
            image: 'registry.example.com/team/myapp',
            repository: main,
            protected: false,
            gates: [
              {
                type: 'command',
                name: 'smoke test',
                run: ['./scripts/smoke-test.sh', '--quick'],
                timeoutSeconds: 300,
                cwd: 'scripts',
                env: { FOO: 'bar' },
              },
            ],
          },
          {
            name: 'production',
            tag: 'production',
            image: 'prod-registry.example.com/team/myapp',
            repository: { registry: 'prod-registry.example.com', path: 'team/myapp' },
            protected: true,
            gates: [{ type: 'approval', name: 'approval', count: 1, allowSelf: true }],
          },
        ],
      };
      const config = result.config!;
      assert.deepEqual({ ...config, builds: { tagPattern: config.builds.tagPattern.source, limit: config.builds.limit } }, expected);
    });

    it('fills defaults for builds, protection, gates, gate names and timeouts', () => {
      const config = validConfig(
        yaml(
          'image: nginx',
          'environments:',
          '  - name: staging',
          '    tag: staging',
          '    gates:',
          '      - type: command',
          '        run: [./scripts/check.sh]',
          '      - type: approval',
        ),
      );
      assert.equal(config.builds.tagPattern.source, DEFAULT_TAG_PATTERN);
      assert.equal(config.builds.limit, DEFAULT_BUILD_LIMIT);
      assert.deepEqual(config.repository, { registry: 'docker.io', path: 'library/nginx' });
      const [env] = config.environments;
      assert.equal(env?.protected, false);
      assert.equal(env?.image, 'nginx');
      assert.deepEqual(env?.gates, [
        { type: 'command', name: 'command ./scripts/check.sh', run: ['./scripts/check.sh'], timeoutSeconds: DEFAULT_COMMAND_TIMEOUT_SECONDS },
        { type: 'approval', name: 'approval', count: 1, allowSelf: true },
      ]);
      assert.ok(!('cwd' in env!.gates[0]!), 'no cwd key when none is given');
    });

    it('gives an environment its own repository when it sets image, and the top-level one otherwise', () => {
      const config = validConfig(
        yaml(
          'image: registry.example.com/team/app',
          'environments:',
          '  - name: staging',
          '    tag: staging',
          '  - name: production',
          '    tag: staging',
          '    image: localhost:5000/prod/app',
        ),
      );
      assert.deepEqual(
        config.environments.map((e) => [e.image, e.repository]),
        [
          ['registry.example.com/team/app', { registry: 'registry.example.com', path: 'team/app' }],
          ['localhost:5000/prod/app', { registry: 'localhost:5000', path: 'prod/app' }],
        ],
      );
    });

    it('accepts a custom tagPattern and limit', () => {
      const config = validConfig(
        yaml('image: ghcr.io/org/app', 'builds:', "  tagPattern: '^v\\d+\\.\\d+\\.\\d+$'", '  limit: 5', 'environments:', '  - {name: prod, tag: prod}'),
      );
      assert.ok(config.builds.tagPattern.test('v1.2.3'));
      assert.ok(!config.builds.tagPattern.test('prod'));
      assert.equal(config.builds.limit, 5);
    });

    it('accepts protected environments without an approval gate, and approval gates on unprotected ones', () => {
      const config = validConfig(
        yaml(
          'image: app',
          'environments:',
          '  - name: staging',
          '    tag: staging',
          '    gates: [{type: approval, name: ask}]',
          '  - name: production',
          '    tag: production',
          '    protected: true',
        ),
      );
      assert.deepEqual(
        config.environments.map((e) => [e.protected, e.gates.map((g) => g.name)]),
        [
          [false, ['ask']],
          [true, []],
        ],
      );
    });

    it('reads YAML anchors kept under x- keys, and merge keys', () => {
      const config = validConfig(
        yaml(
          'x-smoke: &smoke',
          '  type: command',
          '  run: ["./smoke.sh"]',
          'image: app',
          'environments:',
          '  - name: staging',
          '    tag: staging',
          '    gates: [*smoke]',
          '  - name: production',
          '    tag: production',
          '    gates:',
          '      - <<: *smoke',
          '        timeoutSeconds: 60',
        ),
      );
      assert.deepEqual(
        config.environments.map((e) => e.gates),
        [
          [{ type: 'command', name: 'command ./smoke.sh', run: ['./smoke.sh'], timeoutSeconds: DEFAULT_COMMAND_TIMEOUT_SECONDS }],
          [{ type: 'command', name: 'command ./smoke.sh', run: ['./smoke.sh'], timeoutSeconds: 60 }],
        ],
      );
    });

    it('accepts a valid tag of exactly 128 characters', () => {
      const tag = `a${'b'.repeat(127)}`;
      const config = validConfig(yaml('image: app', 'environments:', `  - {name: x, tag: ${tag}}`));
      assert.equal(config.environments[0]?.tag, tag);
    });
  });

  describe('empty and malformed YAML', () => {
    for (const [label, text] of [
      ['an empty file', ''],
      ['a blank file', '\n   \n'],
      ['a file with only comments', '# promotion config\n# to do\n'],
      ['a document marker alone', '---\n'],
    ] as const) {
      it(`reports ${label} once, at 0:0, saying what the config needs`, () => {
        const result = parsePromotionConfig(text);
        assert.equal(result.config, undefined);
        assert.equal(result.diagnostics.length, 1);
        const [d] = result.diagnostics;
        assert.equal(d?.severity, 'error');
        assert.deepEqual(d?.range, { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 });
        assert.match(d!.message, /empty/);
        assert.match(d!.message, /"image"/);
        assert.match(d!.message, /"environments"/);
      });
    }

    it('reports a YAML syntax error at its line and column and stops there', () => {
      const text = yaml('image: app', 'environments:', '  - name: a', '    tag: b: c', '    bogus: 1');
      const result = parsePromotionConfig(text);
      assert.equal(result.config, undefined);
      assert.equal(result.diagnostics.length, 1, 'no schema noise on top of a syntax error');
      const d = result.diagnostics[0]!;
      const { line, column } = positionOf(text, 'b: c');
      assert.equal(d.range.startLine, line);
      assert.equal(d.range.startColumn, column);
      assert.match(d.message, /[Nn]ested mappings/);
    });

    it('reports an unterminated quote on the line where YAML gives up', () => {
      const text = yaml('image: "app', 'environments: []');
      const d = onlyError(text);
      assert.ok(d.range.startLine >= 0 && d.range.startLine <= 2);
      assert.match(d.message, /quote/i);
    });

    it('reports tabs used for indentation', () => {
      const text = yaml('image: app', 'environments:', '\t- name: a');
      const d = onlyError(text);
      assert.equal(d.range.startLine, 2);
      assert.match(d.message, /[Tt]ab/);
    });

    it('reports a duplicate key on the second key, naming it', () => {
      const text = yaml('image: app', 'environments:', '  - name: a', '    tag: a', '    tag: b');
      const d = onlyError(text);
      assertCovers(d, text, 'tag', 1);
      assert.match(d.message, /duplicate key "tag"/);
    });

    it('reports a second YAML document', () => {
      const text = yaml(MINIMAL.trimEnd(), '---', 'image: other');
      const d = onlyError(text);
      assert.equal(d.range.startLine, positionOf(text, '---').line);
      assert.match(d.message, /single YAML document/);
    });

    it('reports a top level that is not a map', () => {
      const d = onlyError(yaml('- image: app'));
      assert.match(d.message, /must be a map with image, builds, environments/);
      assert.match(d.message, /found a list/);
    });
  });

  describe('schema problems', () => {
    it('reports a missing required top-level property on the first line', () => {
      const text = yaml('image: app');
      const d = onlyError(text);
      assert.match(d.message, /^missing required property "environments"/);
      assert.equal(d.range.startLine, 0);
      assert.equal(d.range.startColumn, 0);
    });

    it('reports a missing tag on the environment it concerns, describing a tag', () => {
      const text = yaml('image: app', 'environments:', '  - name: dev', '    tag: dev', '  - name: staging', '    protected: false');
      const d = onlyError(text);
      assert.equal(d.range.startLine, positionOf(text, 'name: staging').line);
      assert.equal(d.range.startColumn, positionOf(text, 'name: staging').column);
      assert.match(d.message, /^environments\[1\]: missing required property "tag"/);
      assert.match(d.message, /image tag such as "staging"/);
    });

    it('points an unknown property at its key and suggests the near miss', () => {
      const text = yaml('image: app', 'environments:', '  - name: staging', '    tga: staging');
      const errors = errorsOf(parsePromotionConfig(text));
      const unknown = errors.find((e) => e.message.includes('unknown property'));
      assert.ok(unknown);
      assertCovers(unknown, text, 'tga');
      assert.match(unknown.message, /unknown property "tga" in an environment/);
      assert.match(unknown.message, /did you mean "tag"\?/);
      assert.ok(
        errors.some((e) => e.message.includes('missing required property "tag"')),
        'the missing tag is reported too',
      );
    });

    it('suggests a longer property an unknown one starts', () => {
      const text = yaml(
        'image: app',
        'environments:',
        '  - name: s',
        '    tag: s',
        '    gates:',
        '      - type: command',
        '        run: [./x]',
        '        timeout: 30',
      );
      const d = onlyError(text);
      assertCovers(d, text, 'timeout');
      assert.match(d.message, /in a command gate/);
      assert.match(d.message, /did you mean "timeoutSeconds"\?/);
    });

    it('lists the allowed properties when nothing is close', () => {
      const text = yaml(MINIMAL.trimEnd(), 'deploy: true');
      const d = onlyError(text);
      assertCovers(d, text, 'deploy');
      assert.match(d.message, /unknown property "deploy" at the top level; expected one of image, builds, environments/);
    });

    it('says a string is expected, and how to quote it, when YAML reads a tag as a number', () => {
      const text = yaml('image: app', 'environments:', '  - name: dev', '    tag: dev', '  - name: staging', '    tag: 1.0');
      const d = onlyError(text);
      assertCovers(d, text, '1.0');
      assert.match(d.message, /^environments\[1\]\.tag: expected a string \(an image tag such as "staging"\), found the number 1\.0/);
      assert.match(d.message, /quotes \("1\.0"\)/);
    });

    it('points an empty value at its key', () => {
      const text = yaml('image: app', 'environments:', '  - name: dev', '    tag:');
      const d = onlyError(text);
      assertCovers(d, text, 'tag');
      assert.match(d.message, /environments\[0\]\.tag: expected a string .* found nothing/);
    });

    it('reports an unknown gate type once, on the type, with the known types and a suggestion', () => {
      const text = yaml('image: app', 'environments:', '  - name: production', '    tag: production', '    gates:', '      - type: aproval');
      const d = onlyError(text);
      assertCovers(d, text, 'aproval');
      assert.match(d.message, /gates\[0\]\.type: unknown gate type "aproval"; expected one of command, approval, http, soak, label, window, signature;/);
      assert.match(d.message, /did you mean "approval"\?/);
    });

    it('reports a gate without a type', () => {
      const text = yaml('image: app', 'environments:', '  - name: s', '    tag: s', '    gates:', '      - run: [./x]');
      const d = onlyError(text);
      assert.equal(d.range.startLine, positionOf(text, 'run:').line);
      assert.match(d.message, /gates\[0\]: missing required property "type".*one of command, approval/);
    });

    it('reports a gate written as a bare string', () => {
      const text = yaml('image: app', 'environments:', '  - name: s', '    tag: s', '    gates:', '      - approval');
      const d = onlyError(text);
      assertCovers(d, text, 'approval');
      assert.match(
        d.message,
        /gates\[0\]: expected a gate: a map whose type is one of command, approval, http, soak, label, window, signature, found the string "approval"/,
      );
    });

    it('reports properties that belong to another gate type', () => {
      const text = yaml('image: app', 'environments:', '  - name: s', '    tag: s', '    gates:', '      - type: approval', '        run: [./x]');
      const d = onlyError(text);
      assertCovers(d, text, 'run');
      assert.match(d.message, /unknown property "run" in an approval gate .*expected one of type, name/);
    });

    it('reports run written as one string, an empty run and a missing run', () => {
      const text = yaml(
        'image: app',
        'environments:',
        '  - name: s',
        '    tag: s',
        '    gates:',
        '      - type: command',
        '        run: ./smoke.sh --quick',
        '      - type: command',
        '        run: []',
        '      - type: command',
        '        name: nothing to run',
      );
      const errors = errorsOf(parsePromotionConfig(text));
      assert.equal(errors.length, 3);
      assertCovers(errors[0]!, text, './smoke.sh --quick');
      assert.match(errors[0]!.message, /gates\[0\]\.run: expected a list of strings .*found the string/);
      assertCovers(errors[1]!, text, '[]');
      assert.match(errors[1]!.message, /gates\[1\]\.run: expected at least one string, found an empty list/);
      assert.match(errors[2]!.message, /gates\[2\]: missing required property "run"/);
      assert.equal(errors[2]!.range.startLine, positionOf(text, 'type: command', 2).line);
    });

    it('requires timeoutSeconds to be positive', () => {
      for (const value of ['0', '-5']) {
        const text = yaml(
          'image: app',
          'environments:',
          '  - name: s',
          '    tag: s',
          '    gates:',
          '      - type: command',
          '        run: [./x]',
          `        timeoutSeconds: ${value}`,
        );
        const d = onlyError(text);
        assertCovers(d, text, value);
        assert.match(d.message, new RegExp(`timeoutSeconds: expected a number greater than 0, found the number ${value}`));
      }
    });

    it('requires env names to be variable names and env values to be strings', () => {
      const text = yaml(
        'image: app',
        'environments:',
        '  - name: s',
        '    tag: s',
        '    gates:',
        '      - type: command',
        '        run: [./x]',
        '        env: { 1BAD: x, RETRIES: 3 }',
      );
      const errors = errorsOf(parsePromotionConfig(text));
      assert.equal(errors.length, 2);
      assertCovers(errors[0]!, text, '1BAD');
      assert.match(errors[0]!.message, /"1BAD" is not a valid name here: an environment variable name/);
      assertCovers(errors[1]!, text, '3');
      assert.match(errors[1]!.message, /env\.RETRIES: expected a string, found the number 3; put it in quotes/);
    });

    it('requires at least one environment', () => {
      const text = yaml('image: app', 'environments: []');
      const d = onlyError(text);
      assertCovers(d, text, '[]');
      assert.match(d.message, /environments: expected at least one environment, found an empty list/);
    });

    it('requires environments to be a list', () => {
      const text = yaml('image: app', 'environments:');
      const d = onlyError(text);
      assertCovers(d, text, 'environments');
      assert.match(d.message, /environments: expected a list of environments, found nothing/);
    });

    it('checks builds.limit and protected types', () => {
      const text = yaml('image: app', 'builds:', '  limit: 2.5', 'environments:', '  - name: s', '    tag: s', '    protected: yes');
      const errors = errorsOf(parsePromotionConfig(text));
      assert.equal(errors.length, 2);
      assertCovers(errors[0]!, text, '2.5');
      assert.match(errors[0]!.message, /builds\.limit: expected a whole number/);
      assertCovers(errors[1]!, text, 'yes');
      assert.match(errors[1]!.message, /protected: expected true or false, found the string "yes"/);
    });
  });

  describe('checks beyond the schema', () => {
    for (const [tag, reason] of [
      ['-bad', /starts with "-"/],
      ['.hidden', /starts with "\."/],
      ['a'.repeat(129), /129 characters long/],
      ["'feature/x'", /contains "\/"/],
    ] as const) {
      it(`rejects the tag ${tag.length > 20 ? `of ${tag.length} characters` : tag} with the reason, on the tag`, () => {
        const text = yaml('image: app', 'environments:', '  - name: s', `    tag: ${tag}`);
        const d = onlyError(text);
        assertCovers(d, text, tag);
        assert.match(d.message, /^environments\[0\]\.tag: ".*" is not a valid tag: /);
        assert.match(d.message, reason);
      });
    }

    for (const [image, reason] of [
      ['Registry.Example.com/Team/App', /"Team" .* is not a valid repository path component/],
      ['myapp:latest', /has a tag; give the repository alone/],
      ['a//b', /is not a valid repository path component/],
      ['app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', /has a digest/],
      ['bad_host.example.com/app', /not a valid registry host/],
    ] as const) {
      it(`rejects the repository ${image.slice(0, 40)} with the reference parser's reason`, () => {
        const text = yaml(`image: ${image}`, 'environments:', '  - {name: s, tag: s}');
        const d = onlyError(text);
        assertCovers(d, text, image);
        assert.match(d.message, /^image: /);
        assert.match(d.message, reason);
      });
    }

    it('checks an environment image too', () => {
      const text = yaml('image: app', 'environments:', '  - name: s', '    tag: s', '    image: other:1.0');
      const d = onlyError(text);
      assertCovers(d, text, 'other:1.0');
      assert.match(d.message, /^environments\[0\]\.image: "other:1\.0" has a tag/);
    });

    it("reports a tagPattern that does not compile with RE2's reason", () => {
      const text = yaml('image: app', 'builds:', "  tagPattern: '^(abc'", 'environments:', '  - {name: s, tag: s}');
      const d = onlyError(text);
      assertCovers(d, text, "'^(abc'");
      assert.match(d.message, /^builds\.tagPattern: not a usable regular expression: missing closing \): `\^\(abc` \(RE2 syntax/);
    });

    it('names the backtracking-only syntax RE2 leaves out, on the pattern', () => {
      for (const [pattern, named] of [
        ['^(a)\\1$', /the backreference \\1 at character 5 is not supported/],
        ['^(?=v)v\\d+$', /the lookahead \(\?=…\) at character 2 is not supported/],
        ['^(?<!x)v$', /the lookbehind \(\?<!…\) at character 2 is not supported/],
        ['^(?<n>a)\\k<n>$', /the named backreference/],
      ] as const) {
        const text = yaml('image: app', 'builds:', `  tagPattern: '${pattern}'`, 'environments:', '  - {name: s, tag: s}');
        const d = onlyError(text);
        assertCovers(d, text, `'${pattern}'`);
        assert.match(d.message, named);
        assert.match(d.message, /RE2 syntax, which matches in linear time/);
      }
    });

    it('runs a catastrophic tagPattern in linear time (V8 backtracks for minutes on it)', () => {
      // ^(a|a?)+$ against 28 "a"s and a "b" took 69 s in V8's engine during parsing alone.
      const tag = `${'a'.repeat(28)}b`;
      const text = yaml(
        'image: app',
        'builds:',
        "  tagPattern: '^(a|a?)+$'",
        'environments:',
        `  - {name: s, tag: ${'a'.repeat(40)}}`,
        `  - {name: t, tag: ${tag}}`,
      );
      const started = Date.now();
      const result = parsePromotionConfig(text);
      const config = result.config!;
      assert.ok(config, JSON.stringify(result.diagnostics));
      assert.equal(result.diagnostics.length, 1, 'the tag made of "a"s matches the pattern: a warning');
      assert.equal(config.builds.tagPattern.test(tag), false);
      assert.equal(config.builds.tagPattern.test('a'.repeat(100_000)), true);
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    });

    it('reports a duplicate environment name on the second one, ignoring case', () => {
      const text = yaml('image: app', 'environments:', '  - name: staging', '    tag: a', '  - name: Staging', '    tag: b');
      const d = onlyError(text);
      assertCovers(d, text, 'Staging');
      assert.match(d.message, /environments\[1\]\.name: environment name "Staging" is already used by environments\[0\] on line 3/);
    });

    it('reports two environments that would share a repository and tag, on the second tag', () => {
      const text = yaml(
        'image: nginx',
        'environments:',
        '  - name: staging',
        '    tag: live',
        '  - name: production',
        '    tag: live',
        '    image: docker.io/library/nginx',
      );
      const d = onlyError(text);
      assertCovers(d, text, 'live', 1);
      assert.match(d.message, /environments\[1\] \(production\) uses docker\.io\/library\/nginx:live, as environments\[0\] \(staging\) on line 4 does/);
    });

    it('allows the same tag in different repositories', () => {
      const config = validConfig(
        yaml(
          'image: registry.example.com/app',
          'environments:',
          '  - {name: staging, tag: live}',
          '  - {name: production, tag: live, image: prod.example.com/app}',
        ),
      );
      assert.equal(config.environments.length, 2);
    });

    it('warns when an environment tag would also count as a build, and still gives the config', () => {
      const text = yaml('image: app', 'environments:', '  - name: staging', '    tag: cafe1234');
      const result = parsePromotionConfig(text);
      assert.ok(result.config);
      const [warning, ...rest] = warningsOf(result);
      assert.equal(rest.length, 0);
      assertCovers(warning!, text, 'cafe1234');
      assert.match(warning!.message, /"cafe1234" matches builds\.tagPattern/);
    });

    it('rejects an empty program and an absolute cwd in a command gate', () => {
      const text = yaml(
        'image: app',
        'environments:',
        '  - name: s',
        '    tag: s',
        '    gates:',
        '      - type: command',
        '        run: ["", "--quick"]',
        '        cwd: /etc',
      );
      const errors = errorsOf(parsePromotionConfig(text));
      assert.equal(errors.length, 2);
      assertCovers(errors[0]!, text, '""');
      assert.match(errors[0]!.message, /run\[0\]: the program to run is empty/);
      assertCovers(errors[1]!, text, '/etc');
      assert.match(errors[1]!.message, /cwd: "\/etc" is an absolute path/);
    });

    it('warns about a command line written as one argv element and about shell operators', () => {
      const text = yaml(
        'image: app',
        'environments:',
        '  - name: s',
        '    tag: s',
        '    gates:',
        '      - type: command',
        '        run: ["./smoke.sh --quick"]',
        '      - type: command',
        '        run: [make, test, "&&", ./deploy.sh]',
      );
      const result = parsePromotionConfig(text);
      assert.ok(result.config, 'warnings only');
      const warnings = warningsOf(result);
      assert.equal(warnings.length, 2);
      assertCovers(warnings[0]!, text, '"./smoke.sh --quick"');
      assert.match(warnings[0]!.message, /run: \["\.\/smoke\.sh", "--quick"\]/);
      assertCovers(warnings[1]!, text, '"&&"');
      assert.match(warnings[1]!.message, /uses no shell/);
    });

    it('reports schema and semantic problems of one file together, in document order', () => {
      const text = yaml('image: App', 'environments:', '  - name: s', '    tag: -s', '    tga: x');
      const errors = errorsOf(parsePromotionConfig(text));
      assert.deepEqual(
        errors.map((e) => e.range.startLine),
        [0, 3, 4],
      );
      const lines = errors.map((e) => e.range.startLine);
      assert.deepEqual(
        lines,
        [...lines].sort((a, b) => a - b),
      );
    });

    it('points at the text an alias or merge key brings in', () => {
      const text = yaml(
        'x-gate: &gate',
        '  type: command',
        '  run: [./smoke.sh]',
        '  timeoutSeconds: -1',
        'image: app',
        'environments:',
        '  - name: s',
        '    tag: s',
        '    gates:',
        '      - <<: *gate',
        '        name: merged',
        '      - *gate',
      );
      const errors = errorsOf(parsePromotionConfig(text));
      assert.deepEqual(
        errors.map((e) => e.message.slice(0, e.message.indexOf(':'))),
        ['environments[0].gates[0].timeoutSeconds', 'environments[0].gates[1].timeoutSeconds'],
      );
      for (const error of errors) assertCovers(error, text, '-1');
    });

    it('keeps every range inside the text', () => {
      const texts = [
        yaml('image: App', 'environments:', '  - name: s', '    tag: -s', '    tga: x'),
        yaml('image: app'),
        yaml('- a', '- b'),
        yaml('image: app', 'environments:', '  -', '  - 3'),
        'image: app\nenvironments: {}',
      ];
      for (const text of texts) {
        const lines = text.split('\n');
        for (const d of parsePromotionConfig(text).diagnostics) {
          assert.ok(d.range.startLine < lines.length && d.range.endLine < lines.length, d.message);
          assert.ok(d.range.startColumn <= lines[d.range.startLine]!.length, d.message);
          assert.ok(d.range.endColumn <= lines[d.range.endLine]!.length, d.message);
          assert.ok(d.range.endLine > d.range.startLine || d.range.endColumn >= d.range.startColumn, d.message);
        }
      }
    });
  });

  describe('http, soak and label gates', () => {
    /** A config whose second environment (production) has these gate lines (indented as list items under gates). */
    const withGates = (...lines: string[]): string =>
      yaml(
        'image: registry.example.com/app',
        'environments:',
        '  - name: staging',
        '    tag: staging',
        '  - name: production',
        '    tag: production',
        '    gates:',
        ...lines.map((l) => `      ${l}`),
      );

    it('parses the three gate types with their defaults filled', () => {
      const config = validConfig(
        withGates(
          '- type: http',
          '  url: https://staging.example.com/version',
          '  headers:',
          '    Authorization: "Bearer ${env:STAGING_TOKEN}"',
          '    Accept: application/json',
          '  body:',
          '    jsonPath: $.build.commit',
          '    equals: "${revision}"',
          '- type: http',
          '  name: ready',
          '  url: "https://${environment}.example.com/ready?digest=${digest}"',
          '  method: HEAD',
          '  expectStatus: [200, 204]',
          '  timeoutSeconds: 3',
          '  retries: 5',
          '  retryDelaySeconds: 1',
          '- type: soak',
          '  duration: 1h30m',
          '- type: label',
          '  labels:',
          '    org.opencontainers.image.revision: "^[0-9a-f]{40}$"',
          '    org.opencontainers.image.source: ""',
          '  revision: true',
          '- type: label',
          '  name: signed',
          '  labels: { com.example.signed: "" }',
        ),
      );
      assert.deepEqual(config.environments[1]?.gates, [
        {
          type: 'http',
          name: 'http GET https://staging.example.com/version',
          url: 'https://staging.example.com/version',
          method: DEFAULT_HTTP_METHOD,
          headers: { Authorization: 'Bearer ${env:STAGING_TOKEN}', Accept: 'application/json' },
          expectStatus: [DEFAULT_HTTP_STATUS],
          body: { jsonPath: '$.build.commit', equals: '${revision}' },
          timeoutSeconds: DEFAULT_HTTP_TIMEOUT_SECONDS,
          retries: DEFAULT_HTTP_RETRIES,
          retryDelaySeconds: DEFAULT_HTTP_RETRY_DELAY_SECONDS,
        },
        {
          type: 'http',
          name: 'ready',
          url: 'https://${environment}.example.com/ready?digest=${digest}',
          method: 'HEAD',
          headers: {},
          expectStatus: [200, 204],
          timeoutSeconds: 3,
          retries: 5,
          retryDelaySeconds: 1,
        },
        { type: 'soak', name: 'soak 1h30m', duration: '1h30m', durationMs: 90 * 60_000 },
        {
          type: 'label',
          name: 'labels org.opencontainers.image.revision, org.opencontainers.image.source, revision in git',
          labels: { 'org.opencontainers.image.revision': '^[0-9a-f]{40}$', 'org.opencontainers.image.source': '' },
          revision: true,
        },
        { type: 'label', name: 'signed', labels: { 'com.example.signed': '' }, revision: false },
      ]);
    });

    it('accepts a body check of each kind, and a url read from a variable', () => {
      const config = validConfig(
        withGates(
          '- { type: http, url: "https://a.example.com/", body: { contains: "${digest}" } }',
          '- { type: http, url: "https://a.example.com/", body: { regex: "^ok$" } }',
          '- { type: http, url: "${env:STAGING_URL}/version", body: { jsonPath: "$[\'image.digest\']", equals: "${digest}" } }',
          '- { type: label, revision: true }',
        ),
      );
      assert.deepEqual(
        config.environments[1]?.gates.map((g) => (g.type === 'http' ? g.body : g.name)),
        [{ contains: '${digest}' }, { regex: '^ok$' }, { jsonPath: "$['image.digest']", equals: '${digest}' }, 'revision in git'],
      );
    });

    describe('secrets in headers', () => {
      for (const [header, value, suggestion] of [
        ['Authorization', '"Bearer eyJhbGciOi.abc"', 'Bearer ${env:NAME}'],
        ['Authorization', 'hunter2', '${env:NAME}'],
        ['X-Api-Key', '0123456789abcdef', '${env:NAME}'],
        ['PRIVATE-TOKEN', 'glpat-abcdefghijklmnopqrstu', '${env:NAME}'],
        ['Cookie', '"session=abc123"', '${env:NAME}'],
        ['X-Custom', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', '${env:NAME}'],
        ['X-Forwarded-Auth', '"Basic dXNlcjpwYXNz"', 'Basic ${env:NAME}'],
      ] as const) {
        it(`refuses ${header} written in clear, on its value, telling to use \${env:NAME}`, () => {
          const text = withGates('- type: http', '  url: https://staging.example.com/', '  headers:', `    ${header}: ${value}`);
          const d = onlyError(text);
          assertCovers(d, text, value);
          assert.equal(
            d.message,
            `environments[1].gates[0].headers${/^[A-Za-z_$][\w$-]*$/.test(header) ? `.${header}` : `["${header}"]`}: a secret written in clear in the config; write "${suggestion}" and set the variable NAME in the environment VS Code is started from, so the secret stays out of the repository`,
          );
          const secret = value.replace(/^"|"$/g, '').replace(/^(Bearer|Basic) /, '');
          assert.ok(!d.message.includes(secret), 'the message does not repeat the secret');
        });
      }

      it('accepts secrets read from variables, and ordinary headers in clear', () => {
        validConfig(
          withGates(
            '- type: http',
            '  url: https://staging.example.com/',
            '  headers:',
            '    Authorization: "Bearer ${env:TOKEN}"',
            '    X-Api-Key: "${env:API_KEY}"',
            '    Accept: application/json',
            '    X-Environment: "${environment}"',
            '    User-Agent: promotion-gate/1.0',
          ),
        );
      });

      it('reports unknown placeholders and bad variable names, on the value', () => {
        const text = withGates(
          '- type: http',
          '  url: https://staging.example.com/',
          '  headers:',
          '    X-Digest: "${sha}"',
          '    Authorization: "Bearer ${env:1TOKEN}"',
        );
        const errors = errorsOf(parsePromotionConfig(text));
        assert.equal(errors.length, 2, errors.map((e) => e.message).join('\n'));
        assertCovers(errors[0]!, text, '"${sha}"');
        assert.match(
          errors[0]!.message,
          /headers\.X-Digest: \$\{sha\} is not a placeholder; known ones are \$\{digest\}, \$\{revision\}, \$\{environment\}, \$\{tag\} and \$\{env:NAME\}/,
        );
        assertCovers(errors[1]!, text, '"Bearer ${env:1TOKEN}"');
        assert.match(errors[1]!.message, /headers\.Authorization: \$\{env:1TOKEN\}: an environment variable name is letters, digits and _/);
      });

      it('reports a header name that is not a token, on the name', () => {
        const text = withGates('- type: http', '  url: https://staging.example.com/', '  headers:', '    "X Bad": x');
        const d = onlyError(text);
        assertCovers(d, text, '"X Bad"');
        assert.match(d.message, /"X Bad" is not a valid name here: a header name is letters, digits/);
      });

      it('warns when a secret header would travel over plain http to another host', () => {
        const text = withGates(
          '- type: http',
          '  url: http://staging.example.com/version',
          '  headers: { Authorization: "Bearer ${env:T}" }',
          '- type: http',
          '  url: http://127.0.0.1:8080/version',
          '  headers: { Authorization: "Bearer ${env:T}" }',
        );
        const result = parsePromotionConfig(text);
        assert.ok(result.config, 'a warning only');
        const warnings = warningsOf(result);
        assert.equal(warnings.length, 1);
        assertCovers(warnings[0]!, text, 'http://staging.example.com/version');
        assert.match(warnings[0]!.message, /sends a secret header over plain http to staging\.example\.com; use https:\/\//);
      });
    });

    describe('urls', () => {
      for (const [url, reason] of [
        ['ftp://files.example.com/x', /the URL must start with http:\/\/ or https:\/\/, not ftp:\/\//],
        ['staging.example.com/version', /"staging\.example\.com\/version" is not a URL; write it in full, such as https:/],
        [
          'https://admin:hunter2@staging.example.com/',
          /holds a user name or password in clear; remove it and send an Authorization header with "\$\{env:NAME\}"/,
        ],
        ['"https://x.example.com/${commit}"', /\$\{commit\} is not a placeholder/],
      ] as const) {
        it(`refuses ${url}`, () => {
          const text = withGates('- type: http', `  url: ${url}`);
          const d = onlyError(text);
          assertCovers(d, text, url);
          assert.match(d.message, /^environments\[1\]\.gates\[0\]\.url: /);
          assert.match(d.message, reason);
        });
      }

      it('requires a url', () => {
        const text = withGates('- type: http', '  name: nowhere');
        const d = onlyError(text);
        assert.equal(d.range.startLine, positionOf(text, 'type: http').line);
        assert.match(d.message, /gates\[0\]: missing required property "url" \(an address such as "https:\/\/staging\.example\.com\/version"\)/);
      });
    });

    describe('body checks', () => {
      it('allows one check per gate, reported on the second one', () => {
        const text = withGates('- type: http', '  url: https://a.example.com/', '  body:', '    contains: ok', '    regex: ok');
        const d = onlyError(text);
        assertCovers(d, text, 'regex');
        assert.match(d.message, /body: one body check per gate, found contains and regex; add another http gate/);
      });

      it('pairs jsonPath with equals', () => {
        const text = withGates(
          '- type: http',
          '  url: https://a.example.com/',
          '  body: { jsonPath: $.commit }',
          '- type: http',
          '  url: https://a.example.com/',
          '  body: { equals: abc }',
        );
        const errors = errorsOf(parsePromotionConfig(text));
        assert.equal(errors.length, 2);
        assertCovers(errors[0]!, text, 'jsonPath');
        assert.match(errors[0]!.message, /gates\[0\]\.body: jsonPath needs equals, the value to expect, such as equals: "\$\{revision\}"/);
        assertCovers(errors[1]!, text, 'equals');
        assert.match(errors[1]!.message, /gates\[1\]\.body: equals needs a jsonPath naming the value to compare/);
      });

      it('asks for a check in an empty body', () => {
        const text = withGates('- type: http', '  url: https://a.example.com/', '  body: {}');
        const d = onlyError(text);
        assertCovers(d, text, 'body');
        assert.match(d.message, /body: say what the body must hold: contains, regex, or jsonPath with equals/);
      });

      it('compiles the regex and parses the JSON path, reporting where they go wrong', () => {
        const text = withGates(
          '- type: http',
          '  url: https://a.example.com/',
          '  body: { regex: "(ok" }',
          '- type: http',
          '  url: https://a.example.com/',
          '  body: { jsonPath: "$.items[*].version", equals: "1" }',
          '- type: http',
          '  url: https://a.example.com/',
          '  body: { jsonPath: "version", equals: "1" }',
        );
        const errors = errorsOf(parsePromotionConfig(text));
        assert.equal(errors.length, 3);
        assertCovers(errors[0]!, text, '"(ok"');
        assert.match(errors[0]!.message, /body\.regex: not a usable regular expression: missing closing \)/);
        assertCovers(errors[1]!, text, '"$.items[*].version"');
        assert.match(errors[1]!.message, /body\.jsonPath: unexpected "\[\*\]\.version" at character 8: wildcards and recursive descent are not supported/);
        assertCovers(errors[2]!, text, '"version"');
        assert.match(errors[2]!.message, /body\.jsonPath: a JSON path starts with "\$"/);
      });

      it('keeps variables out of equals and contains', () => {
        const text = withGates('- type: http', '  url: https://a.example.com/', '  body: { jsonPath: $.v, equals: "${env:EXPECTED}" }');
        const d = onlyError(text);
        assertCovers(d, text, '"${env:EXPECTED}"');
        assert.match(d.message, /body\.equals: \$\{env:EXPECTED\}: environment variables are allowed only in url and header values/);
      });

      it('refuses a body check on a HEAD request', () => {
        const text = withGates('- type: http', '  url: https://a.example.com/', '  method: HEAD', '  body: { contains: ok }');
        const d = onlyError(text);
        assertCovers(d, text, 'body');
        assert.match(d.message, /a HEAD request gets no body to check/);
      });
    });

    describe('http numbers and methods', () => {
      it('reads expectStatus as one status or a list, and says which entry is wrong', () => {
        const text = withGates(
          '- { type: http, url: "https://a.example.com/", expectStatus: "200" }',
          '- { type: http, url: "https://a.example.com/", expectStatus: [200, 99] }',
          '- { type: http, url: "https://a.example.com/", expectStatus: [] }',
        );
        const errors = errorsOf(parsePromotionConfig(text));
        assert.equal(errors.length, 3);
        assertCovers(errors[0]!, text, '"200"');
        assert.match(
          errors[0]!.message,
          /gates\[0\]\.expectStatus: expected a whole number \(a status code such as 200\) or a list of status codes, found the string "200"$/,
        );
        assertCovers(errors[1]!, text, '99');
        assert.match(errors[1]!.message, /gates\[1\]\.expectStatus\[1\]: expected a whole number at least 100, found the number 99/);
        assertCovers(errors[2]!, text, '[]', 0);
        assert.match(errors[2]!.message, /gates\[2\]\.expectStatus: expected at least one status code, found an empty list/);
      });

      it('checks method, retries and delays', () => {
        const text = withGates(
          '- type: http',
          '  url: https://a.example.com/',
          '  method: get',
          '  retries: 1.5',
          '  retryDelaySeconds: 0',
          '  timeoutSeconds: 0',
        );
        const errors = errorsOf(parsePromotionConfig(text));
        assert.deepEqual(
          errors.map((e) => e.message),
          [
            'environments[1].gates[0].method: expected "GET" or "HEAD" or "POST" or "PUT" or "PATCH" or "DELETE" or "OPTIONS", found the string "get"',
            'environments[1].gates[0].retries: expected a whole number (a number of retries such as 3), found the number 1.5',
            'environments[1].gates[0].retryDelaySeconds: expected a number greater than 0, found the number 0',
            'environments[1].gates[0].timeoutSeconds: expected a number greater than 0, found the number 0',
          ],
        );
      });
    });

    describe('soak', () => {
      it('refuses a soak gate on the first environment, on its type', () => {
        const text = yaml(
          'image: app',
          'environments:',
          '  - name: staging',
          '    tag: staging',
          '    gates:',
          '      - type: soak',
          '        duration: 30m',
          '  - name: production',
          '    tag: production',
        );
        const d = onlyError(text);
        assertCovers(d, text, 'soak');
        assert.match(
          d.message,
          /^environments\[0\]\.gates\[0\]: a soak gate measures how long the digest has been in the environment before this one, and this is the first environment/,
        );
      });

      for (const [duration, reason] of [
        ['90', /"90" has no unit; write 90s, 90m or 90h/],
        ['1.5h', /write 1h30m rather than 1\.5h/],
        ['30min', /"min" in "30min" is not a unit/],
        ['0m', /a soak of 0m always passes; give a duration above zero/],
      ] as const) {
        it(`refuses the duration ${duration}, on the value`, () => {
          const text = withGates('- type: soak', `  duration: "${duration}"`);
          const d = onlyError(text);
          assertCovers(d, text, `"${duration}"`);
          assert.match(d.message, /^environments\[1\]\.gates\[0\]\.duration: /);
          assert.match(d.message, reason);
        });
      }

      it('requires a duration, describing one', () => {
        const d = onlyError(withGates('- type: soak'));
        assert.match(d.message, /gates\[0\]: missing required property "duration" \(a duration such as "30m"\)/);
      });
    });

    describe('label', () => {
      it('compiles each label pattern, reporting on the pattern', () => {
        const text = withGates('- type: label', '  labels:', '    org.opencontainers.image.version: "^v[0-9"', '    org.opencontainers.image.source: ""');
        const d = onlyError(text);
        assertCovers(d, text, '"^v[0-9"');
        assert.match(d.message, /^environments\[1\]\.gates\[0\]\.labels\["org\.opencontainers\.image\.version"\]: not a usable regular expression: /);
      });

      it('needs labels or revision: true', () => {
        const text = withGates('- type: label', '  name: nothing', '- type: label', '  labels: {}', '  revision: false');
        const errors = errorsOf(parsePromotionConfig(text));
        assert.equal(errors.length, 2);
        assert.equal(errors[0]!.range.startLine, positionOf(text, 'type: label').line);
        assert.match(
          errors[0]!.message,
          /gates\[0\]: a label gate needs labels to require \(e\.g\. labels: \{ org\.opencontainers\.image\.revision: "" \}\) or revision: true/,
        );
      });

      it('wants label values as strings and revision as true or false', () => {
        const text = withGates('- type: label', '  labels: { com.example.build: 42 }', '  revision: yes');
        const errors = errorsOf(parsePromotionConfig(text));
        assert.equal(errors.length, 2);
        assertCovers(errors[0]!, text, '42');
        assert.match(errors[0]!.message, /labels\["com\.example\.build"\]: expected a string, found the number 42; put it in quotes/);
        assertCovers(errors[1]!, text, 'yes');
        assert.match(errors[1]!.message, /revision: expected true or false, found the string "yes"/);
      });
    });
  });

  describe('the schema', () => {
    it('knows exactly the gate types that have a normaliser', () => {
      assert.deepEqual([...gateTypes()].sort(), Object.keys(GATE_KINDS).sort());
    });

    it('describes every property for editor hovers', () => {
      const missing: string[] = [];
      const visit = (node: unknown, where: string): void => {
        if (typeof node !== 'object' || node === null) return;
        const schema = node as Record<string, unknown>;
        for (const [name, property] of Object.entries((schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {})) {
          const described = property.$ref !== undefined || (typeof property.description === 'string' && typeof property.markdownDescription === 'string');
          if (!described) missing.push(`${where}.${name}`);
          visit(property, `${where}.${name}`);
        }
        for (const [name, definition] of Object.entries((schema.definitions as Record<string, Record<string, unknown>> | undefined) ?? {})) {
          if (typeof definition.description !== 'string' || typeof definition.markdownDescription !== 'string') missing.push(`#${name}`);
          visit(definition, `#${name}`);
        }
      };
      visit(promotionSchema, '');
      assert.deepEqual(missing, []);
    });
  });
});
