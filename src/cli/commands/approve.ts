// `approve <environment> --build <tag|digest>`: an approval given ahead of the promotion, stored in the
// registry on that digest for that environment (identity: --approved-by, the CI's variables, else git).
import { approveBuild, releaseDigestsOf } from '../../app/approvalActions';
import { loadSigningKey } from '../../evidence/keys';
import { identity } from '../../app/holdActions';
import type { CliContext } from '../context';
import { environmentNamed, sourceFor } from '../context';
import { CliError, EXIT, type ExitCode } from '../exitCodes';

export async function approveCommand(
  ctx: CliContext,
  environment: string,
  options: { build?: string; by?: string; key?: string },
  signal: AbortSignal,
): Promise<ExitCode> {
  const env = environmentNamed(ctx.config, environment);
  if (!options.build) throw new CliError('approve needs --build <tag|digest>: an approval is of one build for one environment.', EXIT.usage);
  // The key first: a bad key or password stops before anything is written (PromotionError 'config': exit 2).
  const key = options.key
    ? await loadSigningKey(options.key, { password: process.env.COSIGN_PASSWORD, warn: (message) => ctx.out.error(message, 'approval key') })
    : await ctx.app.attestations.signingKey();
  const source = await sourceFor(ctx, env, options.build, signal);
  const digest = source.digest!;
  // A release's approval names every image's digest of the build (stored on the first's).
  const components = ctx.config.components ? await releaseDigestsOf(ctx.app.registry, ctx.config, options.build, signal) : undefined;
  const by = await identity(ctx.workspaceDir, options.by);
  const { approvals, message } = await approveBuild(ctx.app, env, digest, by, signal, components, {
    ...(key ? { key } : {}),
    workspaceDir: ctx.workspaceDir,
  });
  ctx.out.result(message, {
    environment: env.name,
    digest,
    by,
    ...(key ? { keyId: key.keyId } : {}),
    // The signatures stay in the registry: the JSON says who approved and whether it is signed.
    approvals: approvals.map(({ signature, ...a }) => ({ ...a, signed: signature !== undefined })),
    ...(components ? { components } : {}),
  });
  return EXIT.ok;
}
