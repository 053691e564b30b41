// A gate is a check that must pass before a digest moves into an environment.
import type { Repository } from '../core/reference';
import type { EnvironmentConfig } from '../config/types';
import type { Logger } from '../core/log';
import type { ImageDetails } from '../images/imageDetails';
import type { ReadEnvelopes, ReadLayers } from '../evidence/registryAttestations';

export type GateStatus = 'passed' | 'failed' | 'error';

export interface GateResult {
  readonly name: string;
  /** `builtin`, or the configured gate's type. */
  readonly type: string;
  readonly status: GateStatus;
  /** One line a person can act on. */
  readonly reason: string;
  readonly durationMs: number;
  /** Supporting lines for a details view and the history: a command's last output, a response excerpt, what is missing. */
  readonly details?: readonly string[];
}

/** What a configured gate knows about the promotion it guards. */
export interface GateContext {
  readonly sourceDigest: string;
  /** `registry/path` the digest is promoted from. */
  readonly sourceImage: string;
  /** Source environment name, or undefined for a build. */
  readonly sourceEnvironment?: string;
  readonly target: EnvironmentConfig;
  /** The environment before the target in promotion order (undefined for the first). */
  readonly previousEnvironment?: EnvironmentConfig;
  readonly workspaceDir: string | undefined;
  readonly trusted: boolean;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** Platforms, creation time and labels of the source digest (read from the registry, cached). */
  readonly image?: () => Promise<ImageDetails>;
  /** What the promotion history knows; undefined when no history is kept. */
  readonly history?: HistoryView;
  /** The clock, so time-based gates can be tested. */
  readonly now?: () => number;
  /** cosign's signatures and attestations of a digest in the source repository (signature gates). */
  readonly evidence?: SourceEvidence;
  /**
   * A release (`images:`): every image the promotion moves, in the config's order. `sourceDigest` and
   * `sourceImage` are the first's; `${digest:<name>}` and `DIGEST_<NAME>` read these.
   */
  readonly components?: readonly ComponentFact[];
}

/** One image of a release, as gates and the redeploy see it. */
export interface ComponentFact {
  readonly name: string;
  readonly digest: string;
  /** `registry/path` the digest is promoted from. */
  readonly sourceImage: string;
  /** The repository the environment's tag of this image is in (what a redeployed workload pulls). */
  readonly repository: Repository;
}

export interface SourceEvidence {
  signatures(digest: string, signal?: AbortSignal): Promise<ReadLayers>;
  attestations(digest: string, signal?: AbortSignal): Promise<ReadEnvelopes>;
}

/** The part of the promotion history gates read. */
export interface HistoryView {
  /** When `digest` last arrived in `environment` by a successful promotion or rollback (ms since epoch). */
  arrivedAt(environment: string, digest: string): number | undefined;
  /** When the history last saw `environment` holding `digest`, arrived by it or read before a write (rollback evidence). */
  heldAt?(environment: string, digest: string): number | undefined;
}

export function passed(name: string, type: string, reason: string, durationMs = 0, details?: readonly string[]): GateResult {
  return { name, type, status: 'passed', reason, durationMs, ...(details?.length ? { details } : {}) };
}

export function failed(name: string, type: string, reason: string, durationMs = 0, details?: readonly string[]): GateResult {
  return { name, type, status: 'failed', reason, durationMs, ...(details?.length ? { details } : {}) };
}

/** The gate could not decide (a tool or a service missing, not a check that said no). */
export function errored(name: string, type: string, reason: string, durationMs = 0, details?: readonly string[]): GateResult {
  return { name, type, status: 'error', reason, durationMs, ...(details?.length ? { details } : {}) };
}

export function allPassed(results: readonly GateResult[]): boolean {
  return results.every((r) => r.status === 'passed');
}

/** Approval is given in the confirmation by typing the environment's name. */
export function needsTypedApproval(env: EnvironmentConfig): boolean {
  return env.protected || env.gates.some((g) => g.type === 'approval');
}
