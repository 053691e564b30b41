// `auto: true` on an environment: `promote --auto` promotes into it without asking anyone, so nothing
// about it may need a person (protected, approval gates), and something must come before it.
import type { GateScope, Reporter } from './gates';
import { formatPath, type PathSegment } from './yamlSource';

export function checkAuto(env: Readonly<Record<string, unknown>>, at: readonly PathSegment[], report: Reporter, scope: GateScope): void {
  if (env.auto !== true) return;
  const where = [...at, 'auto'];
  if (scope.environmentIndex === 0)
    report.error(
      where,
      'key',
      `${formatPath(where)}: the first environment cannot be auto: promote --auto promotes what the environment before holds, and nothing comes before it`,
    );
  if (env.protected === true)
    report.error(
      where,
      'key',
      `${formatPath(where)}: a protected environment cannot be auto: promote --auto never asks anyone to type its name; remove auto or protected`,
    );
  const gates = Array.isArray(env.gates) ? env.gates : [];
  gates.forEach((gate: unknown, g) => {
    if (typeof gate === 'object' && gate !== null && (gate as Record<string, unknown>).type === 'approval') {
      const gateAt = [...at, 'gates', g, 'type'];
      report.error(
        gateAt,
        'value',
        `${formatPath(gateAt)}: an auto environment cannot have approval gates: promote --auto never asks anyone; remove auto or the approval gate`,
      );
    }
  });
}
