import * as assert from 'node:assert/strict';
import { cliArguments } from '../../src/action/inputs';
import { outputLines } from '../../src/cli/githubActions';

/** Inputs as the runner passes them: INPUT_ and the name upper-cased, dashes kept. */
function inputs(values: Record<string, string>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]));
}

describe("the GitHub Action's inputs as the CLI's arguments", () => {
  it('maps each command with the inputs it takes, the environment after --', () => {
    assert.deepEqual(cliArguments(inputs({ command: 'status', yes: 'false' })), ['status']);
    assert.deepEqual(cliArguments(inputs({ command: 'history', config: 'deploy/.promotion.yaml' })), ['--config', 'deploy/.promotion.yaml', 'history']);
    assert.deepEqual(cliArguments(inputs({ command: 'history', environment: 'staging' })), ['history', '--', 'staging']);
    assert.deepEqual(cliArguments(inputs({ command: 'check', environment: 'staging', build: '3f9c2ab', transport: 'registry' })), [
      'check',
      '--build',
      '3f9c2ab',
      '--transport',
      'registry',
      '--',
      'staging',
    ]);
    assert.deepEqual(cliArguments(inputs({ command: 'promote', environment: 'production', 'approved-by': 'octo', yes: 'true' })), [
      'promote',
      '--approved-by',
      'octo',
      '--yes',
      '--',
      'production',
    ]);
    assert.deepEqual(
      cliArguments(inputs({ command: 'rollback', environment: '-x', yes: 'True' })),
      ['rollback', '--yes', '--', '-x'],
      'a name is never an option',
    );
    assert.deepEqual(cliArguments(inputs({ command: 'promote', environment: 'staging', yes: '' })), ['promote', '--', 'staging'], 'an empty yes is false');
  });

  it('refuses an input it cannot run, naming it and what it takes', () => {
    assert.throws(() => cliArguments(inputs({})), /The input command is empty; it takes status, check, promote, rollback, history\./);
    assert.throws(() => cliArguments(inputs({ command: 'deploy' })), /The input command is "deploy"/);
    assert.throws(() => cliArguments(inputs({ command: 'promote' })), /The command promote needs the input environment/);
    assert.throws(
      () => cliArguments(inputs({ command: 'check', environment: 'staging', 'approved-by': 'octo' })),
      /check does not take the input approved-by\./,
    );
    assert.throws(
      () => cliArguments(inputs({ command: 'status', environment: 'staging', build: 'abc' })),
      /status does not take the inputs environment, build\./,
    );
    assert.throws(() => cliArguments(inputs({ command: 'promote', environment: 'staging', yes: 'yes' })), /The input yes is "yes"; it takes true or false\./);
  });
});

describe('step outputs in the $GITHUB_OUTPUT file format', () => {
  it('writes each value between delimiter lines, so a newline cannot set another output', () => {
    assert.equal(outputLines({ digest: 'sha256:ab', status: 'a\nstatus=b' }, 'EOF1'), 'digest<<EOF1\nsha256:ab\nEOF1\nstatus<<EOF1\na\nstatus=b\nEOF1\n');
    assert.match(outputLines({ status: 'succeeded' }), /^status<<ghadelimiter_[0-9a-f-]{36}\nsucceeded\nghadelimiter_[0-9a-f-]{36}\n$/);
    assert.throws(() => outputLines({ status: 'x\nEOF1' }, 'EOF1'), /holds its own delimiter/);
  });
});
