// One line of the promotion history: what was attempted, by whom, what the gates said, how it ended.
// Versioned so an older extension reading a newer file skips what it cannot understand.
import { randomUUID } from 'node:crypto';
import type { GateResult, GateStatus } from '../gates/gate';

export const HISTORY_RECORD_VERSION = 1;

export type HistoryKind = 'promotion' | 'rollback';
/**
 * `started` is written right before the tag moves and paired with the attempt's end record (its
 * `started` field); a start with no end is shown as `interrupted`: the process died mid-write.
 */
export type HistoryOutcome = 'succeeded' | 'blocked' | 'failed' | 'cancelled' | 'started' | 'interrupted';
export type HistoryTransport = 'engine' | 'registry';

export interface Who {
  /** git `user.name` in the workspace, when set. */
  readonly name?: string;
  /** git `user.email` in the workspace, when set. */
  readonly email?: string;
  /** The OS account that ran the promotion. */
  readonly user: string;
}

export interface HistorySource {
  /** As the user saw it: `staging`, `build 3f9c2ab`. */
  readonly label: string;
  readonly environment?: string;
  /** The build tag the digest is known by (a build source's own tag, or the build an environment held). */
  readonly buildTag?: string;
  /** The image's org.opencontainers.image.revision, when it carries one. */
  readonly revision?: string;
  /** `registry/path`. */
  readonly repository: string;
}

export interface HistoryTarget {
  readonly environment: string;
  readonly tag: string;
  /** `registry/path`. */
  readonly repository: string;
}

export interface HistoryOverride {
  /** Who typed the environment name to go past the failed gates. */
  readonly by: string;
  readonly gates: readonly string[];
}

/** A gate result as recorded, with its supporting lines capped (they can be a command's output). */
export type HistoryGateResult = GateResult & { readonly details?: readonly string[] };

const MAX_DETAIL_LINES = 20;
const MAX_DETAIL_CHARS = 400;

export interface HistoryRecord {
  readonly v: 1;
  readonly id: string;
  /** When the attempt started (ISO 8601). */
  readonly time: string;
  readonly durationMs: number;
  readonly kind: HistoryKind;
  readonly who: Who;
  /** The target repository name: what a reader filters by. */
  readonly image: string;
  readonly source: HistorySource;
  readonly target: HistoryTarget;
  /** The digest being promoted (absent when it was never resolved). */
  readonly digest?: string;
  /** What the target held before (null: empty; absent: never read). */
  readonly previousDigest?: string | null;
  /** What the target held at the end, read back (null: empty; absent: could not read). */
  readonly finalDigest?: string | null;
  readonly transport: HistoryTransport;
  readonly gates: readonly HistoryGateResult[];
  readonly outcome: HistoryOutcome;
  readonly message: string;
  readonly override?: HistoryOverride;
  /** On an end record: the id of the `started` record of the same attempt. */
  readonly started?: string;
  /** On a `started` record: the process writing, to tell a running attempt from a dead one. */
  readonly process?: { readonly pid: number; readonly host: string };
  /** Made by `promote --auto` rather than by a person (added later in v1: older readers skip it). */
  readonly auto?: true;
  /** The environment's verify gates after the move (added later in v1: older readers skip it). */
  readonly verification?: HistoryVerification;
  /**
   * A release: every image's digests (added later in v1: older readers skip it). `digest`,
   * `previousDigest` and `finalDigest` above are the first image's.
   */
  readonly components?: readonly HistoryComponent[];
}

/** One image of a release attempt: its repositories and digests, as the top-level fields are for the first. */
export interface HistoryComponent {
  readonly name: string;
  readonly sourceRepository: string;
  readonly targetRepository: string;
  readonly digest?: string;
  readonly previousDigest?: string | null;
  readonly finalDigest?: string | null;
}

/** What the verify gates said after the move, and whether a failure was to be rolled back. */
export interface HistoryVerification {
  readonly status: 'passed' | 'failed' | 'cancelled';
  readonly gates: readonly HistoryGateResult[];
  readonly onFailure: 'rollback' | 'hold' | 'report';
}

/** The facts of a finished attempt. PromotionOutcome has this shape; so will a rollback's outcome. */
export interface AttemptFacts {
  readonly status: HistoryOutcome;
  readonly message: string;
  readonly digest?: string;
  readonly previousDigest?: string | null;
  readonly finalDigest?: string | null;
  readonly gates: readonly GateResult[];
  readonly durationMs: number;
  readonly transport: HistoryTransport;
  readonly verification?: {
    readonly status: HistoryVerification['status'];
    readonly gates: readonly GateResult[];
    readonly onFailure: HistoryVerification['onFailure'];
  };
  readonly components?: readonly HistoryComponent[];
}

/** What the attempt was asked to do: plain values, so the history does not depend on the request types. */
export interface AttemptInputs {
  readonly kind?: HistoryKind;
  readonly source: HistorySource;
  readonly target: HistoryTarget;
  readonly override?: HistoryOverride;
  /** For tests; a random UUID otherwise. */
  readonly id?: string;
  /** The id of the attempt's `started` record, when one was written. */
  readonly startedId?: string;
  /** Made by `promote --auto`. */
  readonly auto?: boolean;
}

/** Builds the record of an attempt that ended at `endedAt` (ms since epoch). */
export function recordFromOutcome(outcome: AttemptFacts, inputs: AttemptInputs, who: Who, endedAt: number = Date.now()): HistoryRecord {
  const durationMs = Math.max(0, Math.round(outcome.durationMs));
  return {
    v: HISTORY_RECORD_VERSION,
    id: inputs.id ?? randomUUID(),
    time: new Date(endedAt - durationMs).toISOString(),
    durationMs,
    kind: inputs.kind ?? 'promotion',
    who: copyWho(who),
    image: inputs.target.repository,
    source: { ...inputs.source },
    target: { environment: inputs.target.environment, tag: inputs.target.tag, repository: inputs.target.repository },
    ...(outcome.digest !== undefined ? { digest: outcome.digest } : {}),
    ...(outcome.previousDigest !== undefined ? { previousDigest: outcome.previousDigest } : {}),
    ...(outcome.finalDigest !== undefined ? { finalDigest: outcome.finalDigest } : {}),
    transport: outcome.transport,
    gates: outcome.gates.map(gateForRecord),
    outcome: outcome.status,
    message: outcome.message,
    ...(inputs.override ? { override: { by: inputs.override.by, gates: [...inputs.override.gates] } } : {}),
    ...(inputs.startedId ? { started: inputs.startedId } : {}),
    ...(inputs.auto ? { auto: true as const } : {}),
    ...(outcome.components ? { components: outcome.components.map(componentForRecord) } : {}),
    ...(outcome.verification
      ? {
          verification: {
            status: outcome.verification.status,
            gates: outcome.verification.gates.map(gateForRecord),
            onFailure: outcome.verification.onFailure,
          },
        }
      : {}),
  };
}

/** The record written right before the tag moves (its end record names it in `started`). */
export function startedRecord(
  write: {
    digest: string;
    previousDigest: string | null;
    transport: HistoryTransport;
    gates: readonly GateResult[];
    components?: readonly HistoryComponent[];
  },
  inputs: AttemptInputs & { readonly id: string },
  who: Who,
  process: { pid: number; host: string },
  at: number = Date.now(),
): HistoryRecord {
  return {
    ...recordFromOutcome(
      { ...write, status: 'started', message: `writing ${write.digest} into ${inputs.target.environment}`, durationMs: 0 },
      { ...inputs, startedId: '' },
      who,
      at,
    ),
    process: { pid: process.pid, host: process.host },
  };
}

/** A start nobody ended, as the history shows it. */
export function interruptedRecord(start: HistoryRecord): HistoryRecord {
  const { process: _process, ...rest } = start;
  return {
    ...rest,
    outcome: 'interrupted',
    message: `Interrupted: the process ended while writing ${start.digest ? start.digest : 'the digest'} into ${start.target.environment} (it held ${start.previousDigest ?? 'nothing'} before). The registry shows what it holds now.`,
  };
}

/** Copied field by field, as gates are. */
function componentForRecord(c: HistoryComponent): HistoryComponent {
  return {
    name: c.name,
    sourceRepository: c.sourceRepository,
    targetRepository: c.targetRepository,
    ...(c.digest !== undefined ? { digest: c.digest } : {}),
    ...(c.previousDigest !== undefined ? { previousDigest: c.previousDigest } : {}),
    ...(c.finalDigest !== undefined ? { finalDigest: c.finalDigest } : {}),
  };
}

/** Copied field by field: a gate result object may carry more than the record promises. */
function gateForRecord(gate: HistoryGateResult): HistoryGateResult {
  const details = gate.details?.slice(0, MAX_DETAIL_LINES).map((d) => (d.length > MAX_DETAIL_CHARS ? `${d.slice(0, MAX_DETAIL_CHARS)}…` : d));
  if (details && gate.details!.length > MAX_DETAIL_LINES) details.push(`… ${gate.details!.length - MAX_DETAIL_LINES} more lines`);
  return { name: gate.name, type: gate.type, status: gate.status, reason: gate.reason, durationMs: gate.durationMs, ...(details?.length ? { details } : {}) };
}

/** When the attempt finished (ms since epoch): what "arrived at" means. */
export function finishedAt(record: HistoryRecord): number {
  return Date.parse(record.time) + record.durationMs;
}

export type ParsedLine = { readonly record: HistoryRecord; readonly reason?: undefined } | { readonly record?: undefined; readonly reason: string };

/**
 * Validates one line. Strict about the fields the record promises (a wrong shape is skipped, not
 * half-used); forgiving about what it cannot control: surrounding whitespace or a CR from a
 * checkout with CRLF line endings, and fields a later v1 writer may add (kept, unused). Never throws.
 * Checks the parsed object in place rather than copying it: reading 50k lines stays fast.
 */
export function parseRecord(line: string): ParsedLine {
  const text = isSpace(line.charCodeAt(0)) || isSpace(line.charCodeAt(line.length - 1)) ? line.trim() : line;
  if (!text) return { reason: 'empty line' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `not JSON (${(error as Error).message})${text.startsWith('{') && !text.endsWith('}') ? ', probably a truncated line' : ''}` };
  }
  if (!isObject(value)) return { reason: 'not a JSON object' };
  if (typeof value.v === 'number' && Number.isInteger(value.v) && value.v > HISTORY_RECORD_VERSION) {
    return { reason: `written by a newer version of the extension (v ${value.v}); update to read it` };
  }
  if (value.v !== HISTORY_RECORD_VERSION) return { reason: `unknown record version ${JSON.stringify(value.v)}` };
  try {
    checkRecord(value);
    return { record: value as unknown as HistoryRecord };
  } catch (error) {
    return { reason: (error as Error).message };
  }
}

type Json = Record<string, unknown>;

const KINDS: readonly HistoryKind[] = ['promotion', 'rollback'];
const TRANSPORTS: readonly HistoryTransport[] = ['engine', 'registry'];
const OUTCOMES: readonly HistoryOutcome[] = ['succeeded', 'blocked', 'failed', 'cancelled', 'started', 'interrupted'];
const GATE_STATUSES: readonly GateStatus[] = ['passed', 'failed', 'error'];
const VERIFICATION_STATUSES: readonly HistoryVerification['status'][] = ['passed', 'failed', 'cancelled'];

/** Throws saying which field is wrong. */
function checkRecord(o: Json): void {
  str(o, 'id');
  if (Number.isNaN(Date.parse(str(o, 'time')))) throw new Error(`time is not a date: ${JSON.stringify(o.time)}`);
  if (typeof o.durationMs !== 'number' || !(o.durationMs >= 0) || o.durationMs === Infinity) throw new Error('durationMs is not a non-negative number');
  oneOf(o, 'kind', KINDS);
  const who = obj(o, 'who');
  optStr(who, 'name', 'who.name');
  optStr(who, 'email', 'who.email');
  str(who, 'user', 'who.user');
  str(o, 'image');
  const source = obj(o, 'source');
  str(source, 'label', 'source.label');
  optStr(source, 'environment', 'source.environment');
  optStr(source, 'buildTag', 'source.buildTag');
  optStr(source, 'revision', 'source.revision');
  str(source, 'repository', 'source.repository');
  const target = obj(o, 'target');
  str(target, 'environment', 'target.environment');
  str(target, 'tag', 'target.tag');
  str(target, 'repository', 'target.repository');
  optStr(o, 'digest');
  digestOrNull(o, 'previousDigest');
  digestOrNull(o, 'finalDigest');
  oneOf(o, 'transport', TRANSPORTS);
  if (!Array.isArray(o.gates)) throw new Error('gates is not an array');
  o.gates.forEach((gate, i) => checkGate(gate, i));
  oneOf(o, 'outcome', OUTCOMES);
  str(o, 'message');
  if (o.override !== undefined) {
    const override = obj(o, 'override');
    str(override, 'by', 'override.by');
    if (!Array.isArray(override.gates) || !override.gates.every((g) => typeof g === 'string')) throw new Error('override.gates is not a list of names');
  }
  optStr(o, 'started');
  if (o.auto !== undefined && o.auto !== true) throw new Error('auto is not true');
  if (o.verification !== undefined) {
    const verification = obj(o, 'verification');
    oneOf(verification, 'status', VERIFICATION_STATUSES, 'verification.status');
    oneOf(verification, 'onFailure', ['rollback', 'hold', 'report'], 'verification.onFailure');
    if (!Array.isArray(verification.gates)) throw new Error('verification.gates is not an array');
    verification.gates.forEach((gate, i) => checkGate(gate, i, 'verification.gates'));
  }
  if (o.components !== undefined) {
    if (!Array.isArray(o.components)) throw new Error('components is not an array');
    o.components.forEach((c: unknown, i) => {
      const where = `components[${i}]`;
      if (!isObject(c)) throw new Error(`${where} is not an object`);
      str(c, 'name', `${where}.name`);
      str(c, 'sourceRepository', `${where}.sourceRepository`);
      str(c, 'targetRepository', `${where}.targetRepository`);
      optStr(c, 'digest', `${where}.digest`);
      digestOrNull(c, 'previousDigest');
      digestOrNull(c, 'finalDigest');
    });
  }
  if (o.process !== undefined) {
    const p = obj(o, 'process');
    if (typeof p.pid !== 'number') throw new Error('process.pid is not a number');
    str(p, 'host', 'process.host');
  }
}

function checkGate(value: unknown, index: number, list = 'gates'): void {
  const where = `${list}[${index}]`;
  if (!isObject(value)) throw new Error(`${where} is not an object`);
  str(value, 'name', `${where}.name`);
  str(value, 'type', `${where}.type`);
  oneOf(value, 'status', GATE_STATUSES, `${where}.status`);
  str(value, 'reason', `${where}.reason`);
  if (typeof value.durationMs !== 'number' || !Number.isFinite(value.durationMs)) throw new Error(`${where}.durationMs is not a number`);
  if (value.details !== undefined && (!Array.isArray(value.details) || !value.details.every((d) => typeof d === 'string'))) {
    throw new Error(`${where}.details is not a list of lines`);
  }
}

function copyWho(who: Who): Who {
  return { ...(who.name ? { name: who.name } : {}), ...(who.email ? { email: who.email } : {}), user: who.user };
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a || code === 0xfeff;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(o: Json, key: string): Json {
  const value = o[key];
  if (!isObject(value)) throw new Error(`${key} is not an object`);
  return value;
}

function str(o: Json, key: string, where = key): string {
  const value = o[key];
  if (typeof value !== 'string') throw new Error(`${where} is ${value === undefined ? 'missing' : 'not a string'}`);
  return value;
}

function optStr(o: Json, key: string, where = key): void {
  const value = o[key];
  if (value !== undefined && typeof value !== 'string') throw new Error(`${where} is not a string`);
}

function digestOrNull(o: Json, key: string): void {
  const value = o[key];
  if (value !== undefined && value !== null && typeof value !== 'string') throw new Error(`${key} is neither a digest nor null`);
}

function oneOf<T extends string>(o: Json, key: string, allowed: readonly T[], where = key): void {
  const value = o[key];
  if (!allowed.includes(value as T)) throw new Error(`${where} is ${JSON.stringify(value)}, not one of ${allowed.join(', ')}`);
}
