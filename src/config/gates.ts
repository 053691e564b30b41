// One entry per gate type: the checks the schema cannot express, and the normaliser that fills defaults.
// Adding a gate type: a `oneOf` entry in promotion.schema.json, its config type in types.ts, and an entry here
// (the mapped type below makes the compiler ask for it); the larger kinds live in <type>GateKind.ts.
import * as path from 'node:path';
import { checkApproverKeys } from './approverKeys';
import { isKeyEntry } from '../evidence/approvalSignature';
import { http } from './httpGateKind';
import { label } from './labelGateKind';
import { signature } from './signatureGateKind';
import { soak } from './soakGateKind';
import { releaseWindow } from './windowGateKind';
import { DEFAULT_COMMAND_TIMEOUT_SECONDS, type ApprovalGateConfig, type CommandGateConfig, type GateConfig } from './types';
import { formatPath, type PathSegment, type Target } from './yamlSource';

export type GateType = GateConfig['type'];

/** Where the checks put their diagnostics. */
export interface Reporter {
  error(path: readonly PathSegment[], target: Target, message: string): void;
  warning(path: readonly PathSegment[], target: Target, message: string): void;
}

/** Where a gate sits, for checks that depend on its environment's place in the promotion order. */
export interface GateScope {
  /** Index of the gate's environment in `environments`: 0 for the first, which has none before it. */
  readonly environmentIndex: number;
  /** Reads a key file the config names (relative to the workspace folder); absent while only the text is known. */
  readonly files?: ConfigFiles;
}

/** The files a config names, read while it is checked so that a missing one is an error at its line. */
export interface ConfigFiles {
  /** The text of `file` (relative to the workspace folder). Throws an Error saying why it cannot be read. */
  readKey(file: string): string;
}

export interface GateKind<T extends GateType> {
  /**
   * Checks beyond the schema. Runs even when the schema found problems elsewhere, so it must not
   * assume the gate is valid: look at each field's type before using it.
   */
  check?(gate: Readonly<Record<string, unknown>>, at: readonly PathSegment[], report: Reporter, scope: GateScope): void;
  /** The gate with defaults filled; only called on a gate the schema and `check` accepted. */
  normalise(gate: Readonly<Record<string, unknown>>): Extract<GateConfig, { type: T }>;
}

interface RawCommandGate {
  readonly name?: string;
  readonly run: readonly string[];
  readonly timeoutSeconds?: number;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

interface RawApprovalGate {
  readonly name?: string;
  readonly count?: number;
  readonly from?: readonly string[];
  readonly allowSelf?: boolean;
}

/** Shell syntax that, without a shell, reaches the program as a literal argument. */
const SHELL_OPERATORS = new Set(['&&', '||', '|', ';', '>', '>>', '<', '2>&1', '&']);

const command: GateKind<'command'> = {
  check(gate, at, report) {
    const run = gate.run;
    if (Array.isArray(run) && typeof run[0] === 'string') {
      const program = run[0];
      const first = [...at, 'run', 0];
      if (!program.trim()) {
        report.error(
          first,
          'value',
          `${formatPath(first)}: the program to run is empty; the first element of run is the program (e.g. "./scripts/smoke-test.sh")`,
        );
      } else if (run.length === 1 && looksLikeACommandLine(program)) {
        const words = program.trim().split(/\s+/);
        report.warning(
          first,
          'value',
          `${formatPath(first)}: "${program}" runs as one program name, since no shell splits it into words; to pass arguments write run: [${words.map((w) => JSON.stringify(w)).join(', ')}]`,
        );
      }
      run.forEach((arg, i) => {
        if (i > 0 && typeof arg === 'string' && SHELL_OPERATORS.has(arg.trim())) {
          const where = [...at, 'run', i];
          report.warning(
            where,
            'value',
            `${formatPath(where)}: "${arg}" reaches the program as an argument because run uses no shell; to use a shell write run: ["sh", "-c", "…"]`,
          );
        }
      });
    }
    const cwd = gate.cwd;
    if (typeof cwd === 'string' && (path.posix.isAbsolute(cwd) || path.win32.isAbsolute(cwd))) {
      const where = [...at, 'cwd'];
      report.error(where, 'value', `${formatPath(where)}: "${cwd}" is an absolute path; cwd is relative to the workspace folder (e.g. "scripts")`);
    } else if (typeof cwd === 'string' && cwd.split(/[\\/]/).includes('..')) {
      const where = [...at, 'cwd'];
      report.error(
        where,
        'value',
        `${formatPath(where)}: "${cwd}" has a ".." segment, which may lead out of the workspace folder; cwd is a folder inside it (e.g. "scripts")`,
      );
    }
  },
  normalise(gate): CommandGateConfig {
    const raw = gate as unknown as RawCommandGate;
    return {
      type: 'command',
      name: raw.name ?? `command ${raw.run[0]}`,
      run: [...raw.run],
      timeoutSeconds: raw.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS,
      ...(raw.cwd !== undefined ? { cwd: raw.cwd } : {}),
      ...(raw.env !== undefined ? { env: { ...raw.env } } : {}),
    };
  },
};

const approval: GateKind<'approval'> = {
  check(gate, at, report, scope) {
    if (typeof gate.count === 'number' && Number.isInteger(gate.count) && gate.count < 1) {
      const where = [...at, 'count'];
      report.error(where, 'value', `${formatPath(where)}: count ${gate.count} asks for no approver at all; give 1 or more, or remove the approval gate`);
    }
    if (Array.isArray(gate.from)) {
      const seen = new Map<string, number>();
      gate.from.forEach((name, i) => {
        if (typeof name !== 'string') return;
        const key = name.trim().toLowerCase();
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else report.error([...at, 'from', i], 'value', `${formatPath([...at, 'from', i])}: "${name}" is already listed (from[${first}]); each approver once`);
      });
      checkApproverKeys(gate.from, at, report, scope.files);
      if (typeof gate.count === 'number' && gate.count > seen.size && seen.size > 0) {
        const where = [...at, 'count'];
        report.error(
          where,
          'value',
          `${formatPath(where)}: count ${gate.count} needs more approvers than the ${seen.size} that from allows; lower count or add names`,
        );
      }
    }
  },
  normalise(gate): ApprovalGateConfig {
    const raw = gate as unknown as RawApprovalGate;
    const count = raw.count ?? 1;
    return {
      type: 'approval',
      name: raw.name ?? (count > 1 ? `approval by ${count}` : 'approval'),
      count,
      allowSelf: raw.allowSelf ?? true,
      ...(raw.from?.some(isKeyEntry) ? { keys: raw.from.map((f) => f.trim()) } : raw.from ? { from: raw.from.map((f) => f.trim()) } : {}),
    };
  },
};

export const GATE_KINDS: { readonly [T in GateType]: GateKind<T> } = { command, approval, http, soak, label, window: releaseWindow, signature };

export function isGateType(value: unknown): value is GateType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(GATE_KINDS, value);
}

/** `./smoke.sh --quick`, `make test && ./smoke.sh`: a command line written as one argv element. */
function looksLikeACommandLine(program: string): boolean {
  const words = program.trim().split(/\s+/);
  if (words.length < 2) return false;
  return words.slice(1).some((w) => w.startsWith('-') || SHELL_OPERATORS.has(w)) || /\$\(|`/.test(program);
}
