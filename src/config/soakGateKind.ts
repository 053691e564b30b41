// The soak gate's checks beyond the schema, and its defaults.
import { durationProblem, parseDuration } from '../core/duration';
import type { GateKind } from './gates';
import type { SoakGateConfig } from './types';
import { formatPath } from './yamlSource';

interface RawSoakGate {
  readonly name?: string;
  readonly duration: string;
}

export const soak: GateKind<'soak'> = {
  check(gate, at, report, scope) {
    if (scope.environmentIndex === 0) {
      const where = [...at, 'type'];
      report.error(
        where,
        'value',
        `${formatPath(at)}: a soak gate measures how long the digest has been in the environment before this one, and this is the first environment; move the gate to a later environment or remove it`,
      );
    }
    if (typeof gate.duration === 'string' && gate.duration) {
      const where = [...at, 'duration'];
      const problem = durationProblem(gate.duration);
      if (problem) report.error(where, 'value', `${formatPath(where)}: ${problem}`);
      else if (parseDuration(gate.duration) === 0)
        report.error(where, 'value', `${formatPath(where)}: a soak of ${gate.duration} always passes; give a duration above zero, such as 30m`);
    }
  },
  normalise(gate): SoakGateConfig {
    const raw = gate as unknown as RawSoakGate;
    return { type: 'soak', name: raw.name ?? `soak ${raw.duration}`, duration: raw.duration, durationMs: parseDuration(raw.duration) };
  },
};
