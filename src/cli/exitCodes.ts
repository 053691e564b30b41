// The CLI's exit codes (documented in docs/ci.md): scripts and pipelines branch on them.
import type { FailureKind } from '../core/errors';
import type { PromotionOutcome } from '../promotion/promote';

export const EXIT = {
  /** Done, or nothing to move. */
  ok: 0,
  /** A gate said no (including an approval that was not given). */
  blocked: 1,
  /** Bad arguments or a bad config file. */
  usage: 2,
  /** The registry, the engine or the credentials failed. */
  infrastructure: 3,
  /** The target ended up with another digest than the source (it was put back). */
  verification: 4,
  /** The move happened but the environment's verify gates failed afterwards (and it was rolled back, if the config says so). */
  verifyFailed: 5,
  /** Ctrl+C or SIGTERM: cancelled as the extension's Cancel does. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitForFailure(kind: FailureKind | undefined): ExitCode {
  if (kind === 'verification') return EXIT.verification;
  if (kind === 'config') return EXIT.usage;
  if (kind === 'refused') return EXIT.blocked;
  if (kind === 'cancelled') return EXIT.interrupted;
  return EXIT.infrastructure;
}

/** `interrupted`: a signal arrived while it ran (a cancelled outcome without one was a refused approval). */
export function exitForOutcome(outcome: PromotionOutcome, interrupted: boolean): ExitCode {
  if (outcome.verification?.status === 'failed') return EXIT.verifyFailed;
  switch (outcome.status) {
    case 'succeeded':
      return EXIT.ok;
    case 'blocked':
      return EXIT.blocked;
    case 'cancelled':
      return interrupted ? EXIT.interrupted : EXIT.blocked;
    case 'failed':
      return exitForFailure(outcome.error?.kind);
  }
}

/** A failure the CLI reports before or outside a promotion, with the exit code it means. */
export class CliError extends Error {
  /** The message as printed: one line, or the lines it was given (each printed inert). */
  readonly lines: readonly string[];
  constructor(
    message: string | readonly string[],
    readonly code: ExitCode,
  ) {
    super(typeof message === 'string' ? message : message.join('\n'));
    this.lines = typeof message === 'string' ? [message] : message;
  }
}
