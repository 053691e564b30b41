// Verification after the move: the environment's `verify:` gates, run through the same gate runner as
// its `gates:` (runConfiguredGates: each attempt with the gate's own time limit and the promotion's
// cancellation), each retried with growing pauses until it passes or its `within` runs out.
import type { VerifyGateConfig } from '../config/types';
import { formatDuration } from '../core/duration';
import { sleep as abortableSleep } from '../gates/abortable';
import { UNTRUSTED_REASON as COMMAND_UNTRUSTED_REASON } from '../gates/commandGate';
import { failed, type GateContext, type GateResult } from '../gates/gate';
import { untrustedHttpGateProblem } from '../gates/httpGate';
import { runConfiguredGates, type GateRunner } from '../gates/runGates';

/** Before the second attempt; doubled before each next one, up to MAX_PAUSE_MS (and never past `within`). */
export const FIRST_PAUSE_MS = 2_000;
export const MAX_PAUSE_MS = 30_000;

export interface VerificationResult {
  readonly passed: boolean;
  /** Each gate's last attempt, its reason saying how many attempts it took. */
  readonly gates: readonly GateResult[];
}

export interface VerificationClock {
  readonly now: () => number;
  /** Rejects with CancelledError when the signal fires. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface VerificationInput {
  readonly gates: readonly VerifyGateConfig[];
  /** The promotion's gate context: the promoted digest, the target, trust, the signal. */
  readonly context: GateContext;
  readonly runner?: GateRunner;
  readonly clock?: VerificationClock;
  /** "Verifying staging (1/2, until 12:04:10)…" as gates pass. */
  readonly progress?: (message: string) => void;
}

export const realClock: VerificationClock = { now: Date.now, sleep: abortableSleep };

/** The pause before attempt `attempt` (2 for the first retry), bounded by the time left. */
export function pauseBefore(attempt: number, leftMs: number): number {
  const growing = Math.min(FIRST_PAUSE_MS * 2 ** Math.max(0, attempt - 2), MAX_PAUSE_MS);
  return Math.max(0, Math.min(growing, leftMs));
}

/** Every verify gate at once; rejects with CancelledError when the promotion is cancelled. */
export async function runVerification(input: VerificationInput): Promise<VerificationResult> {
  const clock = input.clock ?? realClock;
  const started = clock.now();
  const until = started + Math.max(0, ...input.gates.map((g) => g.withinMs));
  const target = input.context.target.name;
  let done = 0;
  const tell = (): void => input.progress?.(`Verifying ${target} (${done}/${input.gates.length}, until ${clockTime(until)})…`);
  tell();
  const gates = await Promise.all(
    input.gates.map(async (gate) => {
      const result = await untilPassed(gate, input, clock);
      if (result.status === 'passed') {
        done++;
        tell();
      }
      return result;
    }),
  );
  return { passed: gates.every((g) => g.status === 'passed'), gates };
}

async function untilPassed(gate: VerifyGateConfig, input: VerificationInput, clock: VerificationClock): Promise<GateResult> {
  const started = clock.now();
  const deadline = started + gate.withinMs;
  const { context } = input;
  // Waiting cannot make a gate runnable in Restricted Mode: say so at once rather than after `within`.
  const untrusted = context.trusted ? undefined : gate.type === 'command' ? COMMAND_UNTRUSTED_REASON : untrustedHttpGateProblem(gate);
  if (untrusted) return failed(gate.name, gate.type, untrusted);
  for (let attempt = 1; ; attempt++) {
    const [result] = await runConfiguredGates([gate], context, input.runner);
    const spent = clock.now() - started;
    const tries = attempt === 1 ? 'at the first attempt' : `after ${attempt} attempts in ${formatDuration(spent)}`;
    if (result!.status === 'passed') return { ...result!, reason: `${result!.reason} (${tries})`, durationMs: spent };
    const left = deadline - clock.now();
    if (left <= 0)
      return { ...result!, reason: `did not pass within ${gate.within} (${attempt} attempt${attempt === 1 ? '' : 's'}): ${result!.reason}`, durationMs: spent };
    const pause = pauseBefore(attempt + 1, left);
    context.log.info(`[${gate.name}] verification attempt ${attempt} ${result!.status}: ${result!.reason}; again in ${formatDuration(pause)}`);
    await clock.sleep(pause, context.signal);
  }
}

/** HH:MM:SS on the local clock: when the person can expect an answer. */
function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}
