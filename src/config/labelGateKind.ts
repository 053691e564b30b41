// The label gate's checks beyond the schema, and its defaults.
import type { GateKind } from './gates';
import { compileWorkspacePattern } from './workspacePattern';
import type { LabelGateConfig } from './types';
import { formatPath } from './yamlSource';

const REVISION_LABEL = 'org.opencontainers.image.revision';

interface RawLabelGate {
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly revision?: boolean;
}

export const label: GateKind<'label'> = {
  check(gate, at, report) {
    const labels = isRecord(gate.labels) ? gate.labels : undefined;
    for (const [name, pattern] of Object.entries(labels ?? {})) {
      if (typeof pattern !== 'string' || !pattern) continue;
      const where = [...at, 'labels', name];
      const result = compileWorkspacePattern(pattern);
      if (!result.ok) report.error(where, 'value', `${formatPath(where)}: not a usable regular expression: ${result.problem}`);
    }
    if ((!labels || Object.keys(labels).length === 0) && gate.revision !== true) {
      report.error(at, 'head', `${formatPath(at)}: a label gate needs labels to require (e.g. labels: { ${REVISION_LABEL}: "" }) or revision: true`);
    }
  },
  normalise(gate): LabelGateConfig {
    const raw = gate as RawLabelGate;
    const labels = { ...raw.labels };
    const revision = raw.revision ?? false;
    return { type: 'label', name: raw.name ?? defaultName(Object.keys(labels), revision), labels, revision };
  },
};

function defaultName(labels: readonly string[], revision: boolean): string {
  const parts = labels.length ? [`label${labels.length > 1 ? 's' : ''} ${labels.join(', ')}`] : [];
  if (revision) parts.push('revision in git');
  return parts.join(', ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
