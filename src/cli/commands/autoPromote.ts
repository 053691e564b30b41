// `promote --auto`: the environments in order; into each `auto: true` one, what the environment before
// holds, through the same runPromotion as `promote` (gates, soak and windows included), asking nobody.
// One line per step (a list with --json). The walk stops at the first step that did not end well.
import { runPromotion } from '../../app/runPromotion';
import type { EnvironmentConfig } from '../../config/types';
import { errorMessage } from '../../core/errors';
import { shortDigest } from '../../core/reference';
import { landedDigest, rolledBackFrom } from '../../history/queries';
import type { HistoryRecord } from '../../history/record';
import { describeHold, isHeld, readHold, type HoldDocument } from '../../records/holds';
import { lookupEnvironment } from '../../model/snapshot';
import type { PromotionPrompts } from '../../promotion/promote';
import type { CliContext } from '../context';
import { EXIT, exitForOutcome, type ExitCode } from '../exitCodes';
import type { Interrupt } from '../interrupt';

export type AutoStepResult = 'promoted' | 'nothing-to-do' | 'skipped' | 'held' | 'blocked' | 'failed' | 'cancelled';

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
  // Read fresh: a hold placed or a rollback recorded a moment ago must count (the hold team-wide, from the registry).
  const [{ records }, hold, sourceHold] = await Promise.all([
    ctx.app.history.read(ctx.workspaceDir),
    readHold(ctx.app.documents, target, signal),
    readHold(ctx.app.documents, previous, signal),
  ]);
  if (isHeld(hold))
    return {
      ...base,
      result: 'held',
      digest,
      message: `${target.name} is ${describeHold(hold)}; nothing is auto-promoted into it until the hold is released (image-promotion release ${target.name}).`,
      exitCode: EXIT.ok,
    };
  // The bad digest a hold names stays out, of that environment and of the ones after it.
  const named = [
    { env: target, hold: namedByHold(hold, digest) },
    { env: previous, hold: namedByHold(sourceHold, digest) },
  ].find((n) => n.hold && !promotedByPersonSince(records, target.name, digest, n.hold.at));
  if (named?.hold)
    return {
      ...base,
      result: 'skipped',
      digest,
      message: `${shortDigest(digest)} is the digest ${named.hold.by} held ${named.env.name} over at ${named.hold.at} (${named.hold.reason}); it is not auto-promoted into ${target.name} until a person promotes it (image-promotion promote ${target.name}).`,
      exitCode: EXIT.ok,
    };
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

/** The hold, in force or released since, when it names `digest` as the bad one. */
function namedByHold(hold: HoldDocument | undefined, digest: string): { by: string; at: string; reason: string } | undefined {
  const named = hold?.state === 'released' ? hold.released : hold;
  return named?.digest === digest ? named : undefined;
}

/** A person promoted `digest` into the environment after `since`: their choice stands. */
function promotedByPersonSince(records: readonly HistoryRecord[], environment: string, digest: string, since: string): boolean {
  return records.some((r) => r.target.environment === environment && r.kind === 'promotion' && !r.auto && landedDigest(r) === digest && r.time > since);
}
