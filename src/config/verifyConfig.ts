// An environment's `verify:` gates and `onVerifyFailure:`: the checks beyond the schema, and the defaults.
// Verify gates are the same http and command gates as `gates:` (checked by the same GateKind), plus `within`.
import { durationProblem, parseDuration } from '../core/duration';
import { GATE_KINDS, isGateType, type GateScope, type Reporter } from './gates';
import { DEFAULT_VERIFY_WITHIN, type GateConfig, type VerifyFailureAction, type VerifyGateConfig } from './types';
import { formatPath, type PathSegment } from './yamlSource';

/** The gate types that can run again after the move: the others decide whether a move may happen at all. */
const VERIFY_TYPES: ReadonlySet<string> = new Set(['http', 'command']);

type RawGate = Record<string, unknown> & { readonly type: GateConfig['type'] };

export interface RawVerify {
  readonly verify?: readonly RawGate[];
  readonly onVerifyFailure?: VerifyFailureAction;
}

export function checkVerify(env: Readonly<Record<string, unknown>>, at: readonly PathSegment[], report: Reporter, scope: GateScope): void {
  if (Array.isArray(env.gates)) {
    env.gates.forEach((gate: unknown, g) => {
      if (!isRecord(gate) || gate.within === undefined) return;
      const where = [...at, 'gates', g, 'within'];
      report.error(
        where,
        'key',
        `${formatPath(where)}: within is for gates under verify, which run again after the move until it runs out; a gate under gates runs once before the move (an http gate retries with retries)`,
      );
    });
  }
  const verify = Array.isArray(env.verify) ? env.verify : [];
  verify.forEach((gate: unknown, g) => {
    if (!isRecord(gate)) return;
    const gateAt = [...at, 'verify', g];
    if (isGateType(gate.type) && !VERIFY_TYPES.has(gate.type)) {
      const where = [...gateAt, 'type'];
      report.error(
        where,
        'value',
        `${formatPath(where)}: a ${gate.type} gate cannot verify a move that already happened; verify takes http and command gates (put a ${gate.type} gate under gates, where it runs before the move)`,
      );
      return;
    }
    if (isGateType(gate.type)) GATE_KINDS[gate.type].check?.(gate, gateAt, report, scope);
    if (typeof gate.within === 'string' && gate.within) {
      const where = [...gateAt, 'within'];
      const problem = durationProblem(gate.within);
      if (problem) report.error(where, 'value', `${formatPath(where)}: ${problem}`);
      else if (parseDuration(gate.within) === 0)
        report.error(where, 'value', `${formatPath(where)}: within ${gate.within} leaves no time to verify; give a duration above zero, such as 2m`);
    }
  });
  if ((env.onVerifyFailure === 'rollback' || env.onVerifyFailure === 'hold') && verify.length === 0 && env.deploy === undefined) {
    const where = [...at, 'onVerifyFailure'];
    report.warning(
      where,
      'value',
      `${formatPath(where)}: onVerifyFailure: ${env.onVerifyFailure} does nothing without verify gates or deploy; add gates under verify, or remove it`,
    );
  }
}

/** Only called on an environment the schema and checkVerify accepted. */
export function normaliseVerify(env: RawVerify): { verify?: readonly VerifyGateConfig[]; onVerifyFailure?: VerifyFailureAction } {
  const verify = (env.verify ?? []).map((gate): VerifyGateConfig => {
    const normalised = GATE_KINDS[gate.type].normalise(gate);
    if (normalised.type !== 'http' && normalised.type !== 'command') throw new Error(`a ${normalised.type} gate was accepted under verify`);
    const within = typeof gate.within === 'string' ? gate.within : DEFAULT_VERIFY_WITHIN;
    return { ...normalised, within, withinMs: parseDuration(within) };
  });
  return { ...(verify.length ? { verify } : {}), ...(env.onVerifyFailure ? { onVerifyFailure: env.onVerifyFailure } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
