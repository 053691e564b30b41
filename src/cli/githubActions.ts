// GitHub Actions: failures as `::error::` annotations, promotions as a table in the step summary and
// as step outputs (digest, previous-digest, status, transport) for the steps after it.
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { shortDigest } from '../core/reference';
import type { PromotionOutcome } from '../promotion/promote';
import { escapeControls, inertData } from './inert';

export function onGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * A workflow command line: `%`, CR and LF escaped as the runner expects, and `:`/`,` in properties;
 * any other control character (ESC, bidi overrides…) escaped visibly, as in every line the CLI prints.
 */
export function errorAnnotation(message: string, title?: string): string {
  const prop = title ? ` title=${inertData(escapeData(title).replace(/:/g, '%3A').replace(/,/g, '%2C'))}` : '';
  return `::error${prop}::${inertData(escapeData(message))}`;
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function summaryTable(outcome: PromotionOutcome): string {
  const cell = (text: string): string => escapeControls(text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' '));
  const digest = (d: string | null | undefined): string => (d === undefined ? '—' : d === null ? 'empty' : `\`${shortDigest(d)}\``);
  // A blocked promotion stops before anything is written: its target is what it was.
  const after = outcome.finalDigest === undefined && outcome.status === 'blocked' ? 'unchanged' : digest(outcome.finalDigest);
  const gates = outcome.gates.map((g) => `${g.status === 'passed' ? '✓' : '✗'} ${cell(g.name)}`).join('<br>') || '—';
  return [
    `### ${outcome.mode === 'rollback' ? 'Rollback' : 'Promotion'} into ${cell(outcome.target)}: ${outcome.status}`,
    '',
    '| Source | Target | Digest | Before | After | Transport | Gates | Outcome |',
    '|---|---|---|---|---|---|---|---|',
    `| ${cell(outcome.sourceLabel)} | ${cell(outcome.target)} | ${digest(outcome.digest)} | ${digest(outcome.previousDigest)} | ${after} | ${outcome.transport} | ${gates} | ${outcome.status} |`,
    '',
    cell(outcome.message),
    '',
  ].join('\n');
}

/** Appends to $GITHUB_STEP_SUMMARY when it is set; a failure to write it never fails the promotion. */
export async function writeStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  try {
    await appendFile(file, markdown + '\n');
    return undefined;
  } catch (error) {
    return `the step summary ${file} could not be written: ${(error as Error).message}`;
  }
}

/** The step outputs of a promotion or rollback; an empty target's previous digest is empty. */
export function outcomeOutputs(outcome: PromotionOutcome): Record<string, string> {
  return { digest: outcome.digest ?? '', 'previous-digest': outcome.previousDigest ?? '', status: outcome.status, transport: outcome.transport };
}

/**
 * Outputs in $GITHUB_OUTPUT's format, each as `name<<delimiter`, the value, the delimiter (as
 * @actions/core writes them), so no value can end its line early or set another output.
 */
export function outputLines(values: Readonly<Record<string, string>>, delimiter = `ghadelimiter_${randomUUID()}`): string {
  return Object.entries(values)
    .map(([name, value]) => {
      if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`the output ${name} holds its own delimiter`);
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

/** Appends step outputs to $GITHUB_OUTPUT on GitHub Actions; a failure to write it never fails the promotion. */
export async function writeStepOutputs(values: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const file = env.GITHUB_OUTPUT;
  if (!onGitHubActions(env) || !file) return undefined;
  try {
    await appendFile(file, outputLines(values));
    return undefined;
  } catch (error) {
    return `the step outputs file ${file} could not be written: ${(error as Error).message}`;
  }
}
