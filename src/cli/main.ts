// image-promotion: the command-line front end on the same core as the extension (src/app).
// Arguments by commander; exit codes in exitCodes.ts; results on stdout, messages on stderr.
// The core (config parser, registry client, undici) loads only once a command runs: `--help`,
// `--version` and usage errors answer without it.
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import { errorMessage, PromotionError } from '../core/errors';
import type { CliContext, CommonOptions } from './context';
import { CliError, EXIT, exitForFailure, type ExitCode } from './exitCodes';
import { cancelOnSignals, type Interrupt } from './interrupt';
import { Output } from './output';
import { quietLibraryWarnings } from './processWarnings';
import { approverFromEnv, APPROVER_VARIABLES, type PromptChoices } from './prompts';

/** Set by esbuild from package.json (importing the JSON would make tsc copy package.json into out/). */
declare const IMAGE_PROMOTION_VERSION: string | undefined;
const version = typeof IMAGE_PROMOTION_VERSION === 'string' ? IMAGE_PROMOTION_VERSION : '0.0.0-dev';

const EXIT_HELP = `
Exit codes:
  0    done, or nothing to move
  1    blocked by a gate (or an approval not given)
  2    usage or config error
  3    registry, engine or credential error
  4    verification mismatch: the target did not end up with the source digest (it was put back)
  5    moved, but the environment's verify gates failed afterwards (rolled back with onVerifyFailure: rollback)
  130  interrupted (Ctrl+C or SIGTERM): cancelled, the target untouched or put back, and recorded`;

/** --by, else the CI's approver variables (choices.approvedBy); the git identity is the command's fallback. */
function byOf(command: Command, choices: PromptChoices): { by?: string } {
  const by = command.opts<{ by?: string }>().by ?? choices.approvedBy;
  return by ? { by } : {};
}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = new Command('image-promotion')
    .description('Promote one container image digest from environment to environment, gated and verified (the same rules as the VS Code extension).')
    .version(version)
    .option('-c, --config <file>', 'the promotion config (default: .promotion.yaml in the current folder); its folder is the workspace folder')
    .option('--json', 'results as JSON on stdout, for scripts')
    .option('-v, --verbose', "the core's log on stderr")
    .option('--docker-host <address>', 'Docker engine (default: DOCKER_HOST, else the Docker context, else the platform socket)')
    .option('--insecure-registry <host:port>', 'a registry reached over plain HTTP (repeatable; loopback always is)', (value: string, all: string[] = []) => [
      ...all,
      value,
    ])
    .option(
      '--ca-file <pem>',
      "a certificate authority to trust for registries besides Node's own (repeatable; also IMAGE_PROMOTION_CA_FILES, and NODE_EXTRA_CA_CERTS)",
      (value: string, all: string[] = []) => [...all, value],
    )
    .option('--timeout <seconds>', 'limit for one registry or engine lookup', '15')
    .option('--history-file <path>', "the history file, relative to the config's folder (default: .promotion/history.jsonl)")
    .addOption(
      new Option('--records <where>', 'where promotion records go and are read from (default: both, as imagePromotion.records)').choices([
        'registry',
        'file',
        'both',
      ]),
    )
    .option(
      '--signing-key <file>',
      'sign each promotion and rollback that moves a tag as a cosign-layout attestation (P-256 PEM or cosign.key with COSIGN_PASSWORD; default: IMAGE_PROMOTION_SIGNING_KEY)',
    )
    .option('--restricted', "as VS Code's Restricted Mode: command gates and http gates with secrets do not run")
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError()
    .exitOverride();

  const transportOption = (): Option => new Option('--transport <how>', 'how the digest travels').choices(['auto', 'engine', 'registry']).default('auto');
  const approvalOptions = (command: Command): Command =>
    command
      .option('-y, --yes', 'do not ask; with --approved-by also approves approval gates and protected environments')
      .option('--approved-by <name>', `who approves (recorded); default: ${APPROVER_VARIABLES.join(', ')}`);

  const act = (command: Command, fn: (ctx: CliContext, interrupt: Interrupt, choices: PromptChoices) => Promise<ExitCode>) => async (): Promise<void> => {
    const options = command.optsWithGlobals<CommonOptions & { yes?: boolean; approvedBy?: string }>();
    const out = new Output(!!options.json, !!options.verbose);
    const interrupt = cancelOnSignals(out);
    let ctx: CliContext | undefined;
    try {
      const { openContext } = await import('./context');
      ctx = await openContext(options, out);
      const choices: PromptChoices = {
        yes: !!options.yes,
        approvedBy: options.approvedBy ?? approverFromEnv(),
        interactive: !!process.stdin.isTTY && !!process.stderr.isTTY,
      };
      code = await fn(ctx, interrupt, choices);
    } catch (error) {
      code =
        error instanceof CliError
          ? error.code
          : interrupt.interrupted()
            ? EXIT.interrupted
            : exitForFailure(error instanceof PromotionError ? error.kind : undefined);
      const message = errorMessage(error);
      out.error(error instanceof CliError ? error.lines : message, `image-promotion ${command.name()}`);
      if (out.json) out.result('', { error: { message, ...(error instanceof PromotionError ? { kind: error.kind } : {}) }, exitCode: code });
      if (!(error instanceof CliError || error instanceof PromotionError) && options.verbose) out.message(((error as Error).stack ?? '').split('\n'));
    } finally {
      interrupt.dispose();
      await ctx?.app.blobLocations.flush(); // before the process exits; never throws
    }
  };

  const statusCommand = program.command('status').description("each environment's digest and state, the builds, and who promoted what last");
  statusCommand.action(act(statusCommand, async (ctx, i) => (await import('./commands/status')).status(ctx, i.signal)));

  const checkCommand = program
    .command('check <environment>')
    .description('run the gates of a promotion into <environment> without promoting, one line each')
    .option('--build <tag|digest>', 'the build to check (default: what the environment before holds)')
    .addOption(transportOption());
  checkCommand.action(act(checkCommand, async (ctx, i) => (await import('./commands/check')).check(ctx, checkCommand.args[0]!, checkCommand.opts(), i.signal)));

  const promote = approvalOptions(
    program
      .command('promote [environment]')
      .description('the whole verified promotion into <environment>')
      .option('--build <tag|digest>', 'the build to promote (default: what the environment before holds; required for the first)')
      .option('--auto', 'instead of one environment: into each auto: true environment, in order, what the one before holds, when its gates pass')
      .addOption(transportOption()),
  );
  promote.action(
    act(promote, async (ctx, i, choices) => {
      const options = promote.opts<{ auto?: boolean; build?: string }>();
      const environment = promote.args[0];
      if (options.auto) {
        if (environment !== undefined || options.build !== undefined)
          throw new CliError('promote --auto walks every auto environment: give no environment and no --build.', EXIT.usage);
        return (await import('./commands/autoPromote')).autoPromoteCommand(ctx, i);
      }
      if (environment === undefined) throw new CliError('promote needs an environment (or --auto).', EXIT.usage);
      return (await import('./commands/promote')).promoteCommand(ctx, environment, options, choices, i);
    }),
  );

  const historyCommand = program.command('history [environment]').description('recorded attempts, newest first');
  historyCommand.action(act(historyCommand, async (ctx) => (await import('./commands/history')).history(ctx, historyCommand.args[0])));

  const rollback = approvalOptions(
    program
      .command('rollback <environment>')
      .description('move <environment> back to a digest it held before (default: the most recent one)')
      .option('--to <digest>', 'the earlier digest to go back to')
      .option('--override-gates', "skip the environment's gates (needs approval; recorded)")
      .addOption(transportOption()),
  );
  rollback.action(
    act(rollback, async (ctx, i, choices) => (await import('./commands/promote')).rollbackCommand(ctx, rollback.args[0]!, rollback.opts(), choices, i)),
  );

  const verifyCommand = program
    .command('verify <environment>')
    .description('check that the digest <environment> holds carries signed promotion attestations into it and every environment before it')
    .option('--digest <digest>', 'the digest to check (default: what <environment> holds now)')
    .option('--key <file>', 'the public key (PEM, as cosign.pub) promotion attestations are signed with (default: promotionKeys in the config)');
  verifyCommand.action(
    act(verifyCommand, async (ctx, i) => (await import('./commands/verify')).verify(ctx, verifyCommand.args[0]!, verifyCommand.opts(), i.signal)),
  );

  const holdCommand = program
    .command('hold <environment>')
    .description('stop every promotion into <environment> for the whole team (a hold in its registry) until it is released; rollbacks still go through')
    .option('--reason <text>', 'why (shown to everyone)')
    .option('--by <name>', `who holds it (default: ${APPROVER_VARIABLES.join(', ')}, else the git identity)`);
  holdCommand.action(
    act(holdCommand, async (ctx, i, choices) =>
      (await import('./commands/hold')).holdCommand(
        ctx,
        holdCommand.args[0]!,
        { ...holdCommand.opts<{ reason?: string; by?: string }>(), ...byOf(holdCommand, choices) },
        i.signal,
      ),
    ),
  );

  const releaseCommand = program
    .command('release <environment>')
    .description("release <environment>'s hold: promotions into it go through again")
    .option('--by <name>', `who releases it (default: ${APPROVER_VARIABLES.join(', ')}, else the git identity)`);
  releaseCommand.action(
    act(releaseCommand, async (ctx, i, choices) =>
      (await import('./commands/hold')).releaseCommand(ctx, releaseCommand.args[0]!, byOf(releaseCommand, choices), i.signal),
    ),
  );

  const approveCommand = program
    .command('approve <environment>')
    .description('approve a build for <environment> ahead of its promotion (stored in the registry; approval gates count distinct approvers)')
    .option('--build <tag|digest>', 'the build approved')
    .option('--approved-by <name>', `who approves (default: ${APPROVER_VARIABLES.join(', ')}, else the git identity)`)
    .option(
      '--key <file>',
      'sign the approval with this private key (P-256 PEM or cosign.key with COSIGN_PASSWORD; default: the signing key, --signing-key or IMAGE_PROMOTION_SIGNING_KEY); approval gates whose from lists public keys count only signed approvals',
    );
  approveCommand.action(
    act(approveCommand, async (ctx, i, choices) =>
      (await import('./commands/approve')).approveCommand(
        ctx,
        approveCommand.args[0]!,
        { ...approveCommand.opts<{ build?: string; key?: string }>(), ...(choices.approvedBy ? { by: choices.approvedBy } : {}) },
        i.signal,
      ),
    ),
  );

  const policyCommand = program
    .command('policy <kind>')
    .description(
      'print the admission policy (kyverno: a Kyverno ClusterPolicy; sigstore: a policy-controller ClusterImagePolicy) admitting only images signed as promoted into --environment',
    )
    .requiredOption('--environment <name>', 'the environment whose cluster the policy is for')
    .option('--key <file>', 'the public key (PEM, as cosign.pub) promotion attestations are signed with (default: the one promotionKeys entry)');
  policyCommand.action(act(policyCommand, async (ctx) => (await import('./commands/policy')).policy(ctx, policyCommand.args[0]!, policyCommand.opts())));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return code;
}

/**
 * Runs the command line as its own process: the loader (src/cli/loader.ts, dist/cli.js) calls it, and
 * so does running this file itself. `atExit` runs just before the process exits (the loader saves its
 * code cache there).
 */
export function runAsProcess(argv: readonly string[], atExit: () => void = () => undefined): void {
  liftoffOnly();
  quietLibraryWarnings();
  const exit = (code: number): never => {
    atExit();
    process.exit(code);
  };
  main(argv).then(
    (code) => process.stdout.write('', () => exit(code)),
    (error: unknown) => {
      new Output(false, false).message(`image-promotion: ${errorMessage(error)}`);
      exit(EXIT.infrastructure);
    },
  );
}

/**
 * A command reads a handful of responses and exits. Once undici's HTTP parser (llhttp, WebAssembly)
 * is warm, V8 recompiles it with its optimising compiler in the background, and a process cannot
 * exit until that compile is done: 0.1 to 2.6 s after the output here, on a loaded machine. The
 * baseline compiler's code parses a command's responses as fast (bodies are not parsed byte by
 * byte). Its own process only: the extension shares the host's, and leaves V8 as it is.
 */
export function liftoffOnly(): void {
  setFlagsFromString('--liftoff-only');
}

if (require.main === module) runAsProcess(process.argv.slice(2));
