// What the CLI prints is inert: a hostile corpus of values (terminal escapes, CR/LF/TAB inside a
// value, DEL, C1, bidi overrides, workflow commands) goes through the CLI's Output in every mode and
// comes out with no raw control character and no line a GitHub runner would read as a command,
// escaped visibly (nothing dropped); --json stays the exact same JSON value.
import * as assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { errorAnnotation, summaryTable } from '../../src/cli/githubActions';
import { escapeControls, inertLine } from '../../src/cli/inert';
import { Output } from '../../src/cli/output';

const ESC = '\u001b';
const CORPUS: readonly string[] = [
  'plain ✓ text, ünïcödé, 日本語',
  `${ESC}[31mred${ESC}[0m`,
  `${ESC}]8;;https://evil.example/${ESC}\\click me${ESC}]8;;${ESC}\\`,
  `${ESC}]8;;https://evil.example/\u0007bell-terminated link${ESC}]8;;\u0007`,
  `${ESC}[2J${ESC}[H cleared screen`,
  'progress\rOVERWRITTEN',
  'alice\n::error title=Injected::pwned',
  '::error title=Injected::at the start',
  '   ::warning::indented',
  '\t::add-mask::secret',
  '\r\n::set-output name=x::y',
  'tab\there, nul\u0000, bell\u0007, backspace\u0008, DEL\u007f',
  'C1 CSI \u009b31m and NEL \u0085 and ST \u009c',
  'bidi \u202aLRE \u202bRLE \u202cPDF \u202dLRO \u202eRLO \u2066LRI \u2067RLI \u2068FSI \u2069PDI',
  'txt.\u202eexe.sh',
  'line\u2028separator\u2029paragraph',
  '%0A::error::percent-encoded already',
  'legacy form anywhere: ##[error]Injected and ##[add-mask]x',
];

/** Any character that must never reach a terminal raw. */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function capture(): { stream: NodeJS.WritableStream & { isTTY?: boolean }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = true;
  return { stream, text: () => text };
}

/** The runner reads a workflow command at the start of a line, after leading white space. */
function commandLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((l) => l.trimStart().startsWith('::'));
}

function assertInert(text: string, what: string): void {
  assert.doesNotMatch(text.replace(/\n/g, ''), RAW, `${what}: a raw control character: ${JSON.stringify(text)}`);
  assert.deepEqual(commandLines(text), [], `${what}: a line starts a workflow command: ${JSON.stringify(text)}`);
  assert.doesNotMatch(text, /##\[/, `${what}: the runner's older command form: ${JSON.stringify(text)}`);
}

describe('inert CLI output', () => {
  it('escapes each control character visibly, in place, and breaks a leading ::', () => {
    assert.equal(inertLine(`a${ESC}[31mb`), 'a\\x1b[31mb');
    assert.equal(inertLine('alice\n::error::x'), 'alice\\n::error::x');
    assert.equal(inertLine('x\ry\tz\u0000\u007f\u009b'), 'x\\ry\\tz\\x00\\x7f\\x9b');
    assert.equal(inertLine('txt.\u202eexe \u2066'), 'txt.\\u202eexe \\u2066');
    assert.equal(inertLine('::error title=Injected::pwned'), '\\x3a:error title=Injected::pwned');
    assert.equal(inertLine('  ::warning::x'), '  \\x3a:warning::x');
    assert.equal(inertLine('a :: b ::c'), 'a :: b ::c', 'a :: not at the start is text');
    assert.equal(inertLine('plain ✓ ünïcödé 日本語'), 'plain ✓ ünïcödé 日本語');
    assert.equal(inertLine('x ##[error]y'), 'x #\\x23[error]y');
  });

  for (const mode of ['result', 'message', 'error', 'progress', 'log'] as const) {
    it(`every corpus value through Output.${mode}: no raw control, no workflow command, nothing dropped`, () => {
      const out = capture();
      const err = capture();
      const output = new Output(false, true, { stdout: out.stream, stderr: err.stream }, {});
      for (const value of CORPUS) {
        if (mode === 'result') output.result([`value: ${value}`, value], { value });
        else if (mode === 'message') output.message([value, `… ${value}`]);
        else if (mode === 'error') output.error(value, value);
        else if (mode === 'progress') output.progress(value);
        else output.logger().warn(value);
      }
      const text = out.text() + err.text();
      assertInert(text, mode);
      // Escaped in place; a leading :: broken where the value starts a line.
      for (const value of CORPUS)
        assert.ok(text.includes(escapeControls(value)) || text.includes(inertLine(value)), `${mode}: ${JSON.stringify(value)} is shown`);
    });
  }

  it('a single string is one line: a line break inside a value cannot start a line of its own', () => {
    const err = capture();
    new Output(false, false, { stdout: capture().stream, stderr: err.stream }, {}).message('who: alice\n::error title=Injected::pwned');
    assert.equal(err.text(), 'who: alice\\n::error title=Injected::pwned\n');
  });

  it('lines the CLI composes (a config error and its diagnostics) print as lines, each inert, and annotate as one', () => {
    const err = capture();
    const output = new Output(false, false, { stdout: capture().stream, stderr: err.stream }, { GITHUB_ACTIONS: 'true' });
    output.error(['.promotion.yaml has errors:', `.promotion.yaml:2:3: bad value "${ESC}[31m"`], 'usage');
    assert.equal(
      err.text(),
      '.promotion.yaml has errors:\n.promotion.yaml:2:3: bad value "\\x1b[31m"\n::error title=usage::.promotion.yaml has errors:%0A.promotion.yaml:2:3: bad value "\\x1b[31m"\n',
    );
  });

  it('--json: the same JSON value, C1 and bidi as \\u escapes, no line starting a workflow command', () => {
    const out = capture();
    const value = { records: CORPUS.map((v, i) => ({ i, who: { name: v }, [v]: v })), top: CORPUS };
    new Output(true, false, { stdout: out.stream, stderr: capture().stream }, {}).result(['ignored'], value);
    const text = out.text();
    assertInert(text, 'json');
    assert.deepEqual(JSON.parse(text), value);
    assert.match(text, /\\u009b/);
    assert.match(text, /\\u202e/);
    for (const v of CORPUS) {
      const s = capture();
      new Output(true, false, { stdout: s.stream, stderr: capture().stream }, {}).result('', v);
      assertInert(s.text(), `json of ${JSON.stringify(v)}`);
      assert.equal(JSON.parse(s.text()), v);
    }
  });

  it("on GitHub Actions the CLI's own annotation is the one workflow command, its data and title escaped", () => {
    const err = capture();
    const output = new Output(false, false, { stdout: capture().stream, stderr: err.stream }, { GITHUB_ACTIONS: 'true' });
    for (const value of CORPUS) output.error(`failed: ${value}`, `into prod: ${value}`);
    const lines = err.text().split('\n').filter(Boolean);
    const commands = commandLines(err.text());
    assert.equal(commands.length, CORPUS.length, 'one annotation per error, nothing else');
    for (const c of commands) {
      assert.match(c, /^::error title=[^:,\n\r]*::[^\n\r]*$/, c);
      assert.doesNotMatch(c, RAW, c);
      assert.doesNotMatch(c, /##\[/, c);
    }
    assert.equal(lines.length, 2 * CORPUS.length);
  });

  it('annotations escape per the workflow-command rules, and other control characters visibly', () => {
    assert.equal(errorAnnotation('100% bad\nsecond line\r', 'into prod: a, b'), '::error title=into prod%3A a%2C b::100%25 bad%0Asecond line%0D');
    assert.equal(errorAnnotation(`x${ESC}[31m\u202ey`, `t${ESC}`), '::error title=t\\x1b::x\\x1b[31m\\u202ey');
    assert.equal(escapeControls('%0A'), '%0A', 'percent sequences are the runner’s, left alone');
  });

  it('the step summary table carries no raw control character', () => {
    const table = summaryTable({
      status: 'failed',
      mode: 'promotion',
      message: CORPUS.join(' | '),
      sourceLabel: `build ${ESC}[31mx`,
      sourceRepository: 'r/a',
      target: 'prod\u202e',
      gates: [{ name: `g${ESC}]8;;x\u0007`, type: 'command', status: 'failed', reason: 'r', durationMs: 1 }],
      durationMs: 1,
      transport: 'registry',
    });
    assert.doesNotMatch(table.replace(/\n/g, ''), RAW);
  });
});
