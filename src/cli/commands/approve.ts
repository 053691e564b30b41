// `approve <environment> --build <tag|digest>`: an approval given ahead of the promotion, stored in the
// registry on that digest for that environment (identity: --approved-by, the CI's variables, else git).
import { approveBuild, releaseDigestsOf } from '../../app/approvalActions';
import { identity } from '../../app/holdActions';
import type { CliContext } from '../context';
import { environmentNamed, sourceFor } from '../context';
import { CliError, EXIT, type ExitCode } from '../exitCodes';

export async function approveCommand(ctx: CliContext, environment: string, options: { build?: string; by?: string }, signal: AbortSignal): Promise<ExitCode> {
  const env = environmentNamed(ctx.config, environment);
  if (!options.build) throw new CliError('approve needs --build <tag|digest>: an approval is of one build for one environment.', EXIT.usage);
  const source = await sourceFor(ctx, env, options.build, signal);
  const digest = source.digest!;
  // A release's approval names every image's digest of the build (stored on the first's).
  const components = ctx.config.components ? await releaseDigestsOf(ctx.app.registry, ctx.config, options.build, signal) : undefined;
  const by = await identity(ctx.workspaceDir, options.by);
  const { approvals, message } = await approveBuild(ctx.app, env, digest, by, signal, components);
  ctx.out.result(message, { environment: env.name, digest, by, approvals, ...(components ? { components } : {}) });
  return EXIT.ok;
}
