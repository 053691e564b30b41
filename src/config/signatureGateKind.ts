// The signature gate's checks beyond the schema: keys given as PEM text are checked now (a key file
// only when the gate runs: it may not exist where the config is edited), and each condition names a
// path and exactly one usable check.
import { errorMessage } from '../core/errors';
import { isInlineKey, verifyingKeyFrom } from '../evidence/keys';
import type { GateKind } from './gates';
import { jsonPathProblem } from './jsonPath';
import type { PredicateCondition, SignatureGateConfig } from './types';
import { compileWorkspacePattern } from './workspacePattern';
import { formatPath } from './yamlSource';

interface RawSignatureGate {
  readonly name?: string;
  readonly keys: readonly string[];
  readonly predicateType?: string;
  readonly conditions?: readonly PredicateCondition[];
}

const CHECKS = ['equals', 'matches', 'atMost'] as const;

export const signature: GateKind<'signature'> = {
  check(gate, at, report) {
    const keys = gate.keys;
    if (Array.isArray(keys) && keys.length === 0)
      report.error([...at, 'keys'], 'value', `${formatPath([...at, 'keys'])}: a signature gate needs at least one public key (a PEM file or the PEM text)`);
    if (Array.isArray(keys)) {
      keys.forEach((key, i) => {
        if (typeof key !== 'string' || !isInlineKey(key)) return;
        const where = [...at, 'keys', i];
        try {
          verifyingKeyFrom(key, formatPath(where));
        } catch (error) {
          report.error(where, 'value', errorMessage(error));
        }
      });
    }
    const conditions = gate.conditions;
    if (!Array.isArray(conditions)) return;
    conditions.forEach((condition: unknown, i) => {
      if (typeof condition !== 'object' || condition === null) return;
      const c = condition as Record<string, unknown>;
      const where = [...at, 'conditions', i];
      if (typeof c.path === 'string') {
        const problem = jsonPathProblem(c.path);
        if (problem) report.error([...where, 'path'], 'value', `${formatPath([...where, 'path'])}: ${problem}`);
      }
      const given = CHECKS.filter((k) => c[k] !== undefined);
      if (given.length !== 1)
        report.error(
          where,
          'head',
          `${formatPath(where)}: a condition needs exactly one of equals, matches or atMost${given.length ? ` (it has ${given.join(' and ')})` : ''}`,
        );
      if (typeof c.matches === 'string') {
        const result = compileWorkspacePattern(c.matches);
        if (!result.ok)
          report.error([...where, 'matches'], 'value', `${formatPath([...where, 'matches'])}: not a usable regular expression: ${result.problem}`);
      }
    });
  },
  normalise(gate): SignatureGateConfig {
    const raw = gate as unknown as RawSignatureGate;
    return {
      type: 'signature',
      name: raw.name ?? (raw.predicateType ? `attestation ${raw.predicateType}` : 'signature'),
      keys: [...raw.keys],
      ...(raw.predicateType !== undefined ? { predicateType: raw.predicateType } : {}),
      conditions: (raw.conditions ?? []).map((c) => ({ ...c })),
    };
  },
};
