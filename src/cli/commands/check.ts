// `check <environment>`: every gate of the promotion, run now, one line each; nothing is written.
import { runCheck } from '../../app/runCheck';
import { gateLines } from '../../app/text/confirmationText';
import { shortDigest } from '../../core/reference';
import type { CliContext } from '../context';
import { environmentNamed, sourceFor } from '../context';
import { EXIT, type ExitCode } from '../exitCodes';
import { writeStepOutputs } from '../githubActions';
import { approverFromEnv } from '../prompts';

export async function check(ctx: CliContext, environment: string, options: { build?: string }, signal: AbortSignal): Promise<ExitCode> {
  const target = environmentNamed(ctx.config, environment);
  const source = await sourceFor(ctx, target, options.build, signal);
  // The person who would promote from here, as promote knows them (its --approved-by aside): the CI's variables, else git.
  const promoter = approverFromEnv();
  const result = await runCheck(
    ctx.app,
    { config: ctx.config, source, target },
    { trusted: ctx.trusted, workspaceDir: ctx.workspaceDir, signal, ...(promoter ? { promoter } : {}) },
  );
  const heading = `${result.sourceLabel} → ${result.target}${result.digest ? ` (${shortDigest(result.digest)})` : ''}: ${result.problem ? 'could not check' : result.passed ? 'all gates pass' : 'blocked'}`;
  ctx.out.result([heading, ...result.gates.flatMap(gateLines)], result);
  const outputsProblem = await writeStepOutputs({ digest: result.digest ?? '', status: result.problem ? 'error' : result.passed ? 'passed' : 'blocked' });
  if (outputsProblem) ctx.out.message(outputsProblem);
  if (result.problem) {
    ctx.out.error(result.problem, `image-promotion check ${target.name}`);
    return EXIT.infrastructure;
  }
  if (!result.passed) {
    for (const g of result.gates.filter((gate) => gate.status !== 'passed')) ctx.out.error(`${g.name}: ${g.reason}`, `gate blocks ${target.name}`);
    return EXIT.blocked;
  }
  return EXIT.ok;
}
