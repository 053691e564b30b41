// The person at a terminal, or a pipeline with none. Without a terminal nothing is asked: approval
// gates and protected environments need --yes with --approved-by, and that approver is recorded.
import { createInterface } from 'node:readline/promises';
import { confirmationDetailLines, confirmationTitle } from '../app/text/confirmationText';
import type { EnvironmentConfig } from '../config/types';
import type { Confirmation, MovedTarget, PromotionPrompts } from '../promotion/promote';
import { inertLine } from './inert';
import type { Output } from './output';

export interface PromptChoices {
  readonly yes: boolean;
  readonly approvedBy: string | undefined;
  /** stdin and stderr are a terminal. */
  readonly interactive: boolean;
}

/** Variables that name who approved when --approved-by is not given, first set wins. */
export const APPROVER_VARIABLES = ['IMAGE_PROMOTION_APPROVED_BY', 'GITHUB_ACTOR', 'GITLAB_USER_LOGIN'] as const;

export function approverFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of APPROVER_VARIABLES) if (env[name]?.trim()) return env[name]!.trim();
  return undefined;
}

/** Why a promotion that needs approval cannot get it here, or undefined when it can. */
export function approvalProblem(target: EnvironmentConfig, needsApproval: boolean, choices: PromptChoices): string | undefined {
  if (!needsApproval || choices.interactive || (choices.yes && choices.approvedBy)) return undefined;
  const missing = [choices.yes ? '' : '--yes', choices.approvedBy ? '' : '--approved-by NAME'].filter(Boolean).join(' and ');
  return `${target.name} needs approval and there is no terminal to ask: pass ${missing} (or set ${APPROVER_VARIABLES.join(', ')} for the approver). Nothing was promoted.`;
}

export class CliPrompts implements PromotionPrompts {
  private approver: string | undefined;

  constructor(
    private readonly choices: PromptChoices,
    private readonly out: Output,
  ) {}

  async confirm(c: Confirmation): Promise<boolean> {
    this.out.message([confirmationTitle(c), ...confirmationDetailLines(c)]);
    if (c.requireTypedName) {
      if (this.choices.yes && this.choices.approvedBy) {
        this.approver = this.choices.approvedBy;
        this.out.message(`Approved by ${this.approver} (--yes --approved-by).`);
        return true;
      }
      if (!this.choices.interactive) return false;
      return (await this.ask(`Type "${c.target.name}" to approve: `)) === c.target.name;
    }
    if (this.choices.yes || !this.choices.interactive) return true;
    return /^y(es)?$/i.test(await this.ask(c.mode === 'rollback' ? 'Roll back? [y/N] ' : 'Promote? [y/N] '));
  }

  async confirmMovedTarget(m: MovedTarget): Promise<boolean> {
    this.out.message(`${m.target.name} changed since it was read: it held ${m.seen ?? 'nothing (empty)'}, it now holds ${m.now ?? 'nothing (empty)'}.`);
    // Overwriting what nobody looked at is never assumed, not even with --yes.
    if (!this.choices.interactive) return false;
    return /^y(es)?$/i.test(await this.ask('Replace what it holds now? [y/N] '));
  }

  approvalReason(): string | undefined {
    return this.approver ? `approved by ${this.approver} (--yes --approved-by, no confirmation typed)` : undefined;
  }

  private async ask(question: string): Promise<string> {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return (await rl.question(inertLine(question))).trim();
    } finally {
      rl.close();
    }
  }
}
