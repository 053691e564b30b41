// `promote --auto`: the environments in order; into each `auto: true` one, what the environment before
// holds, through the same runPromotion as `promote` (gates, soak and windows included), asking nobody.
// One line per step (a list with --json). The walk stops at the first step that did not end well.
import { runPromotion } from '../../app/runPromotion';
import type { EnvironmentConfig } from '../../config/types';
import { errorMessage } from '../../core/errors';
import { shortDigest } from '../../core/reference';
import { rolledBackFrom } from '../../history/queries';
import { lookupEnvironment } from '../../model/snapshot';
import type { PromotionPrompts } from '../../promotion/promote';
import type { CliContext } from '../context';
import { EXIT, exitForOutcome, type ExitCode } from '../exitCodes';
import type { Interrupt } from '../interrupt';

export type AutoStepResult = 'promoted' | 'nothing-to-do' | 'skipped' | 'blocked' | 'failed' | 'cancelled';

export interface AutoStep {
  readonly environment: string;
  readonly from: string;
  readonly result: AutoStepResult;
  readonly message: string;
  readonly digest?: string;
  readonly exitCode: ExitCode;
}

/** Auto environments are never protected nor approval-gated (the config refuses it): nothing to ask. */
const prompts: PromotionPrompts = {
  confirm: () => Promise.resolve(true),
  // Someone else moved the target meanwhile: theirs stands.
  confirmMovedTarget: () => Promise.resolve(false),
};

export async function autoPromoteCommand(ctx: CliContext, interrupt: Interrupt): Promise<ExitCode> {
  const { config, out } = ctx;
  const steps: AutoStep[] = [];
  let code: ExitCode = EXIT.ok;
  for (const [index, target] of config.environments.entries()) {
    if (!target.auto || index === 0) continue;
    const step = await stepInto(ctx, config.environments[index - 1]!, target, interrupt);
    steps.push(step);
    out.message(`${step.environment}: ${step.result}: ${step.message}`);
    if (step.exitCode !== EXIT.ok) {
      code = step.exitCode;
      break;
    }
  }
  if (!steps.length) out.message('No environment has auto: true; nothing to do.');
  out.result(
    steps.map((s) => `${s.environment}: ${s.result}${s.digest ? ` ${shortDigest(s.digest)}` : ''}`),
    { steps, exitCode: code },
  );
  return code;
}

async function stepInto(ctx: CliContext, previous: EnvironmentConfig, target: EnvironmentConfig, interrupt: Interrupt): Promise<AutoStep> {
  const base = { environment: target.name, from: previous.name };
  const signal = interrupt.signal;
  const [source, current] = await Promise.all([lookupEnvironment(ctx.app.registry, previous, signal), lookupEnvironment(ctx.app.registry, target, signal)]);
  for (const lookup of [source, current])
    if (lookup.state === 'error') return { ...base, result: 'failed', message: errorMessage(lookup.error), exitCode: EXIT.infrastructure };
  if (source.state !== 'present') return { ...base, result: 'nothing-to-do', message: `${previous.name} holds nothing to promote.`, exitCode: EXIT.ok };
  const digest = source.digest;
  const held = current.state === 'present' ? current.digest : null;
  if (held === digest) return { ...base, result: 'nothing-to-do', digest, message: `${target.name} already holds ${shortDigest(digest)}.`, exitCode: EXIT.ok };
  // Read fresh: a rollback recorded a moment ago must count.
  const { records } = await ctx.app.history.read(ctx.workspaceDir);
  const rollback = rolledBackFrom(records, target.name, digest);
  if (rollback)
    return {
      ...base,
      result: 'skipped',
      digest,
      message: `${shortDigest(digest)} was rolled back from ${target.name} at ${rollback.time}; it is not auto-promoted there again until a person promotes it (image-promotion promote ${target.name}).`,
      exitCode: EXIT.ok,
    };
  const { outcome, recordProblem, registryRecords } = await runPromotion(
    ctx.app,
    { config: ctx.config, source: { kind: 'environment', environment: previous, digest }, target, seenTargetDigest: held, auto: true },
    { trusted: ctx.trusted, workspaceDir: ctx.workspaceDir, prompts, progress: (m) => ctx.out.progress(`${target.name}: ${m}`), signal },
  );
  if (recordProblem) ctx.out.error(recordProblem, 'promotion not recorded');
  // The next step's gates may read this record (records: registry), and the process must not exit before it lands.
  await registryRecords;
  const exitCode = exitForOutcome(outcome, interrupt.interrupted());
  const result: AutoStepResult =
    outcome.status === 'succeeded'
      ? outcome.previousDigest === digest
        ? 'nothing-to-do'
        : 'promoted'
      : outcome.status === 'failed'
        ? 'failed'
        : outcome.status;
  return { ...base, result, digest, message: outcome.message, exitCode };
}
