// `hold <environment> --reason <text>` and `release <environment>`: a hold in the registry stops every
// promotion into the environment for the whole team (every editor and pipeline reads it).
import { holdEnvironment, identity, releaseEnvironment } from '../../app/holdActions';
import { failedWebhooks, webhooksFor } from '../../notify/sendWebhooks';
import type { CliContext } from '../context';
import { environmentNamed } from '../context';
import { CliError, EXIT, type ExitCode } from '../exitCodes';

export async function holdCommand(ctx: CliContext, environment: string, options: { reason?: string; by?: string }, signal: AbortSignal): Promise<ExitCode> {
  const env = environmentNamed(ctx.config, environment);
  const reason = options.reason?.trim();
  if (!reason) throw new CliError('hold needs --reason <text>: the team reads why the environment is held.', EXIT.usage);
  const by = await identity(ctx.workspaceDir, options.by);
  const { hold, message, notifications } = await holdEnvironment(ctx.app, env, { by, reason }, signal, webhooksFor(ctx.config, env.name));
  ctx.out.result(message, { environment: env.name, held: true, hold });
  // The process waits for the webhooks (each within its time limit) before it exits.
  for (const line of failedWebhooks((await notifications) ?? [])) ctx.out.message(line);
  return EXIT.ok;
}

export async function releaseCommand(ctx: CliContext, environment: string, options: { by?: string }, signal: AbortSignal): Promise<ExitCode> {
  const env = environmentNamed(ctx.config, environment);
  const by = await identity(ctx.workspaceDir, options.by);
  const { hold, message } = await releaseEnvironment(ctx.app, env, by, signal);
  ctx.out.result(message, { environment: env.name, held: false, released: hold !== undefined, ...(hold ? { hold } : {}) });
  return EXIT.ok;
}
