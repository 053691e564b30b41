// Runs the GitHub Action as the runner does: `node <runs.main of action.yml>` in the workspace, each
// input as INPUT_<NAME> (upper-cased, dashes kept; action.yml's defaults for the rest), GITHUB_ACTIONS,
// and the step's outputs read back from its $GITHUB_OUTPUT file.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { makeTempDir } from '../harness';
import type { CliRun } from './support';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ActionRun extends CliRun {
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

export interface ActionYaml {
  readonly inputs: Record<string, { default?: string }>;
  readonly outputs: Record<string, unknown>;
  readonly runs: { using: string; main: string };
}

export const actionYaml = (): ActionYaml => parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYaml;

/** The outputs a step wrote, parsed as the runner parses `name<<delimiter` blocks (and `name=value` lines). */
export function readOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      assert.ok(end > i, `the output ${heredoc[1]} has no closing delimiter`);
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return outputs;
}

export function runAction(given: Record<string, string>, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ActionRun> {
  const action = actionYaml();
  const files = makeTempDir('action-files');
  const outputFile = path.join(files, 'output');
  const summaryFile = path.join(files, 'summary.md');
  writeFileSync(outputFile, '');
  const env: NodeJS.ProcessEnv = { ...options.env, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile };
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = given[name] ?? spec.default;
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const child = spawn(process.execPath, [path.join(ROOT, action.runs.main)], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        code,
        signal,
        stdout,
        stderr,
        outputs: readOutputs(readFileSync(outputFile, 'utf8')),
        summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '',
      }),
    );
  });
}
