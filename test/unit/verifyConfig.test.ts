// verify: and onVerifyFailure: in the config: what parses, with its defaults, and each mistake as a
// diagnostic on its own line.
import * as assert from 'node:assert/strict';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { ConfigDiagnostic } from '../../src/config/types';
import { lineOf, staging } from './stagingConfigText';

function diagnostics(text: string, severity: ConfigDiagnostic['severity']): ConfigDiagnostic[] {
  return parsePromotionConfig(text).diagnostics.filter((d) => d.severity === severity);
}

describe('verify config', () => {
  it('parses http and command verify gates with their within, 2m by default, and onVerifyFailure', () => {
    const text = staging(
      'verify:',
      '  - type: http',
      '    url: http://127.0.0.1:8080/version',
      '    body: { contains: "${revision}" }',
      '    within: 5m',
      '  - type: command',
      '    run: [./smoke.sh]',
      'onVerifyFailure: rollback',
    );
    const result = parsePromotionConfig(text);
    assert.deepEqual(result.diagnostics, []);
    const env = result.config!.environments[1]!;
    assert.equal(env.onVerifyFailure, 'rollback');
    assert.deepEqual(
      env.verify!.map((g) => [g.type, g.name, g.within, g.withinMs]),
      [
        ['http', 'http GET http://127.0.0.1:8080/version', '5m', 300_000],
        ['command', 'command ./smoke.sh', '2m', 120_000],
      ],
    );
    assert.equal(result.config!.environments[0]!.verify, undefined);
    assert.equal(result.config!.environments[0]!.onVerifyFailure, undefined);
  });

  it('a malformed within is an error at its line', () => {
    const text = staging('verify:', '  - type: http', '    url: http://127.0.0.1/v', '    within: 5 minutes');
    const [error, ...more] = diagnostics(text, 'error');
    assert.deepEqual(more, []);
    assert.equal(error!.range.startLine, lineOf(text, '5 minutes'));
    assert.match(error!.message, /^environments\[1\]\.verify\[0\]\.within: .*minutes/);
    const zero = staging('verify:', '  - type: http', '    url: http://127.0.0.1/v', '    within: 0s');
    assert.match(diagnostics(zero, 'error')[0]!.message, /within 0s leaves no time to verify/);
  });

  it('a gate that cannot verify a move (soak, window, approval, label) is an error on its type', () => {
    for (const type of ['soak\n        duration: 5m', 'approval', 'label\n        labels: { a: "" }']) {
      const text = staging('verify:', `  - type: ${type}`);
      const errors = diagnostics(text, 'error');
      assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
      assert.equal(errors[0]!.range.startLine, lineOf(text, '- type:'));
      assert.match(errors[0]!.message, /cannot verify a move that already happened; verify takes http and command gates/);
    }
  });

  it('checks verify gates as gates: an absolute cwd is the same error as under gates', () => {
    const text = staging('verify:', '  - type: command', '    run: [./smoke.sh]', '    cwd: /etc');
    assert.match(diagnostics(text, 'error')[0]!.message, /^environments\[1\]\.verify\[0\]\.cwd: "\/etc" is an absolute path/);
  });

  it('within under gates is an error: those run once, before the move', () => {
    const text = staging('gates:', '  - type: http', '    url: http://127.0.0.1/v', '    within: 2m');
    const errors = diagnostics(text, 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.range.startLine, lineOf(text, 'within'));
    assert.match(errors[0]!.message, /within is for gates under verify/);
  });

  it('onVerifyFailure: rollback or hold without verify gates is a warning; an unknown action an error', () => {
    for (const action of ['rollback', 'hold']) {
      const text = staging(`onVerifyFailure: ${action}`);
      const result = parsePromotionConfig(text);
      assert.ok(result.config);
      assert.equal(result.diagnostics.length, 1);
      assert.equal(result.diagnostics[0]!.severity, 'warning');
      assert.equal(result.diagnostics[0]!.range.startLine, lineOf(text, 'onVerifyFailure'));
      assert.match(result.diagnostics[0]!.message, new RegExp(`onVerifyFailure: ${action} does nothing without verify gates`));
    }
    const hold = staging('verify:', '  - type: http', '    url: http://127.0.0.1/v', 'onVerifyFailure: hold');
    assert.deepEqual(diagnostics(hold, 'error'), []);
    assert.equal(parsePromotionConfig(hold).config?.environments[1]?.onVerifyFailure, 'hold');
    const pause = staging('verify:', '  - type: http', '    url: http://127.0.0.1/v', 'onVerifyFailure: pause');
    const errors = diagnostics(pause, 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.range.startLine, lineOf(pause, 'pause'));
    assert.match(errors[0]!.message, /expected "rollback" or "hold" or "report"/);
  });
});
