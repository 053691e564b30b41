// GitHub Actions: failures as `::error::` annotations, promotions as a table in the step summary.
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
