// `promote <environment>` and `rollback <environment>`: the whole verified promotion through the same
// runPromotion the extension calls, recorded, reported on stdout, summarised on GitHub Actions.
import { failedWebhooks } from '../../notify/sendWebhooks';
import { rollbackSource } from '../../app/rollbackSource';
import { runPromotion } from '../../app/runPromotion';
import { gateLines } from '../../app/text/confirmationText';
import type { EnvironmentConfig } from '../../config/types';
import { errorMessage } from '../../core/errors';
import { shortDigest } from '../../core/reference';
import { needsTypedApproval } from '../../gates/gate';
import { previousDigests } from '../../history/queries';
import { lookupEnvironment } from '../../model/snapshot';
import type { PromotionOutcome, PromotionRequest } from '../../promotion/promote';
import { recordWrittenLine, type RecordWrite } from '../../records/promotionRecords';
import type { CliContext } from '../context';
import { environmentNamed, sourceFor } from '../context';
import { CliError, EXIT, exitForOutcome, type ExitCode } from '../exitCodes';
import { outcomeOutputs, summaryTable, writeStepOutputs, writeStepSummary } from '../githubActions';
import type { Interrupt } from '../interrupt';
import { approvalProblem, CliPrompts, type PromptChoices } from '../prompts';

export interface PromoteOptions {
  readonly build?: string;
}

export interface RollbackOptions {
  readonly to?: string;
  readonly overrideGates?: boolean;
}

export async function promoteCommand(
  ctx: CliContext,
  environment: string,
  options: PromoteOptions,
  choices: PromptChoices,
  interrupt: Interrupt,
): Promise<ExitCode> {
  const target = environmentNamed(ctx.config, environment);
  const source = await sourceFor(ctx, target, options.build, interrupt.signal);
  return run(ctx, { config: ctx.config, source, target }, choices, interrupt);
}

export async function rollbackCommand(
  ctx: CliContext,
  environment: string,
  options: RollbackOptions,
  choices: PromptChoices,
  interrupt: Interrupt,
): Promise<ExitCode> {
  const target = environmentNamed(ctx.config, environment);
  const { records } = await ctx.app.history.read(ctx.workspaceDir);
  const current = await lookupEnvironment(ctx.app.registry, target, interrupt.signal);
  if (current.state === 'error') throw current.error;
  const held = previousDigests(records, target.name, current.state === 'present' ? current.digest : null);
  const file = ctx.app.history.file(ctx.workspaceDir);
  const chosen = options.to ? held.find((h) => h.digest === options.to) : held[0];
  if (!chosen) {
    const offered = held.map((h) => h.digest).join(', ');
    throw new CliError(
      options.to
        ? `${target.name} never held ${options.to} according to ${file}${offered ? `; it held ${offered}` : ''}. A rollback goes back only to a digest it held.`
        : `The promotion history (${file}) has no earlier digest of ${target.name} to roll back to.`,
      EXIT.usage,
    );
  }
  const request: PromotionRequest = {
    config: ctx.config,
    mode: 'rollback',
    overrideGates: !!options.overrideGates,
    source: rollbackSource(ctx.config, records, target, chosen.digest, `${target.name}'s earlier ${shortDigest(chosen.digest)}`),
    target,
  };
  return run(ctx, request, choices, interrupt);
}

async function run(ctx: CliContext, request: PromotionRequest, choices: PromptChoices, interrupt: Interrupt): Promise<ExitCode> {
  const { out } = ctx;
  const overriding = request.mode === 'rollback' && !!request.overrideGates && request.target.gates.some((g) => g.type !== 'approval');
  // Refused before anything runs: a pipeline cannot be asked, and gates need not run for nothing.
  const problem = approvalProblem(request.target, needsTypedApproval(request.target) || overriding, choices);
  if (problem) throw new CliError(problem, EXIT.blocked);
  // Through the engine only: an engine that is down is an engine error (3), not a gate saying no.
  if (ctx.app.promotion.transport?.() === 'engine') {
    const engine = await ctx.app.checkEngine(interrupt.signal);
    if (engine.state === 'error')
      throw new CliError(`The Docker engine at ${engine.address} does not answer: ${errorMessage(engine.error)}`, EXIT.infrastructure);
  }
  const prompts = new CliPrompts(choices, out);
  const { outcome, recordProblem, notifications, registryRecords } = await runPromotion(ctx.app, request, {
    trusted: ctx.trusted,
    workspaceDir: ctx.workspaceDir,
    prompts,
    progress: (message) => out.progress(message),
    signal: interrupt.signal,
    ...(choices.approvedBy ? { promoter: choices.approvedBy } : {}),
  });
  const code = exitForOutcome(outcome, interrupt.interrupted());
  // Text: "done" as soon as the move is verified and in the history file, the registry record's line
  // when it lands. JSON is one document: it waits for both.
  const records = out.json ? await registryRecords : undefined;
  out.result([outcome.message, ...outcome.gates.flatMap(gateLines)], {
    ...jsonOutcome(outcome),
    exitCode: code,
    recorded: !recordProblem,
    ...(records ? { registryRecords: records.map(jsonRecord) } : {}),
  });
  if (code !== EXIT.ok)
    out.error(
      outcome.status === 'cancelled' && !interrupt.interrupted() ? `${outcome.message} (not approved)` : outcome.message,
      titleFor(outcome, request.target),
    );
  if (recordProblem) out.error(recordProblem, 'promotion not recorded');
  // The process never exits before the record is written (a missing one was told through warn).
  for (const line of (records ?? (await registryRecords)).map(recordWrittenLine)) if (line && !out.json) out.result(line, undefined);
  for (const unwritten of [await writeStepSummary(summaryTable(outcome)), await writeStepOutputs(outcomeOutputs(outcome))])
    if (unwritten) out.message(unwritten);
  // After the result is out: the process waits for the webhooks (each within its time limit) before it exits.
  for (const line of failedWebhooks(await notifications)) out.message(line);
  return code;
}

function titleFor(outcome: PromotionOutcome, target: EnvironmentConfig): string {
  return `${outcome.mode === 'rollback' ? 'rollback' : 'promotion'} into ${target.name} ${outcome.status}`;
}

function jsonRecord(write: RecordWrite): Record<string, unknown> {
  return write.state === 'written' ? { state: write.state, where: write.where, path: write.path } : { state: write.state, reason: write.reason };
}

/** The outcome as scripts read it: the error as kind and message, not a class. */
function jsonOutcome(outcome: PromotionOutcome): Record<string, unknown> {
  const { error, ...rest } = outcome;
  return { ...rest, ...(error ? { error: { kind: error.kind, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } } : {}) };
}
