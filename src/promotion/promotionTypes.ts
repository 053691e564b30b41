// What a promotion is asked (request), what it needs (services, environment) and what it says at the end (outcome).
import type { EnvironmentConfig, PromotionConfig, VerifyFailureAction } from '../config/types';
import type { PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import type { Repository } from '../core/reference';
import type { CredentialProvider } from '../credentials/credentials';
import type { ImageEngine } from '../engine/engine';
import type { StoredApproval } from '../gates/approvalCount';
import type { GateResult, HistoryView, SourceEvidence } from '../gates/gate';
import type { GateRunner } from '../gates/runGates';
import type { ImageDetails } from '../images/imageDetails';
import type { Shipped } from '../model/compare';
import type { ReadAttestations } from '../evidence/verifyChain';
import type { BlobLocations } from '../registry/blobLocations';
import type { RegistryClient } from '../registry/registryClient';
import type { RuntimeServices } from '../runtime/runtimeServices';
import type { HoldDocument } from '../records/holds';
import type { HistoryComponent } from '../history/record';
import type { TargetLocks } from './targetLocks';
import type { Transport, TransportSetting } from './transport';

/** A release: each image's digest by its name (the source's `digest` is the first image's). */
export type ComponentDigests = Readonly<Record<string, string>>;

export type PromotionSource =
  | {
      readonly kind: 'environment';
      readonly environment: EnvironmentConfig;
      /** the digest the user picked */ readonly digest?: string;
      readonly digests?: ComponentDigests;
    }
  | { readonly kind: 'build'; readonly tag: string; readonly digest?: string; readonly digests?: ComponentDigests }
  /** A digest by itself (a rollback's earlier digest), in the repository it lives in; a release's: one per image. */
  | { readonly kind: 'digest'; readonly digest: string; readonly repository: Repository; readonly label: string; readonly digests?: ComponentDigests };

export interface PromotionRequest {
  readonly config: PromotionConfig;
  readonly source: PromotionSource;
  readonly target: EnvironmentConfig;
  /** The target digest the user saw (null: empty). Undefined when they were shown none. */
  readonly seenTargetDigest?: string | null;
  /** A rollback takes a digest the target held before instead of the promotion order. */
  readonly mode?: 'promotion' | 'rollback';
  /** Rollback only: skip the configured gates. The confirmation then needs the name typed. */
  readonly overrideGates?: boolean;
  /** The build the person knows the digest as, recorded in the history. */
  readonly build?: { readonly tag?: string; readonly revision?: string };
  /** Made by `promote --auto`, not by a person (recorded: a rolled-back digest waits for a person). */
  readonly auto?: boolean;
}

export interface Confirmation {
  readonly mode: 'promotion' | 'rollback';
  readonly sourceLabel: string;
  readonly target: EnvironmentConfig;
  readonly digest: string;
  readonly sourceRepository: string;
  readonly targetRepository: string;
  readonly currentTargetDigest: string | null;
  readonly gates: readonly GateResult[];
  /** Protected, approval-gated, or gates overridden: the person types the environment name. */
  readonly requireTypedName: boolean;
  readonly transport: Transport;
  readonly transportReason: string;
  readonly platforms: readonly string[];
  /** Signatures, attestations and referrers that travel with the image (registry-side copies). */
  readonly extras?: string;
  readonly overriddenGates?: readonly string[];
  /** The build the person knows the digest as (from the request). */
  readonly build?: { readonly tag?: string; readonly revision?: string };
  /** The commits this move ships (filled in by the editor before it asks; model/compare.ts). */
  readonly shipped?: Shipped;
  /** A release: every image's move (the fields above are the first image's). */
  readonly components?: readonly ComponentMoveSummary[];
}

/**
 * One image of a release: what moves, from where to where, what its tag held before and holds at the
 * end (read back; undefined: could not read, or never read) — as its history line keeps it, and how.
 */
export interface ComponentMoveSummary extends HistoryComponent {
  readonly transport?: Transport;
}

export interface MovedTarget {
  readonly target: EnvironmentConfig;
  readonly seen: string | null;
  readonly now: string | null;
}

export interface PromotionPrompts {
  confirm(confirmation: Confirmation): Promise<boolean>;
  /** The target changed since the user looked: overwrite what they did not see? */
  confirmMovedTarget(moved: MovedTarget): Promise<boolean>;
  /** How the approval of a confirmed promotion is recorded, when not by typing the name (the CLI's --approved-by). */
  approvalReason?(target: EnvironmentConfig): string | undefined;
}

export interface PromotionServices {
  readonly registry: RegistryClient;
  readonly engine: () => Promise<ImageEngine>;
  readonly credentials: CredentialProvider;
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  readonly locks: TargetLocks;
  readonly log: Logger;
  readonly gateRunner?: GateRunner;
  /** `auto` unless the user chose otherwise. */
  readonly transport?: () => TransportSetting;
  /** Where blobs were seen, so a registry-side copy can mount what the target registry holds elsewhere. */
  readonly blobLocations?: BlobLocations;
  readonly now?: () => number;
  /** Reads an environment's signed attestations of a digest (the order gate with promotionKeys). */
  readonly attestations?: ReadAttestations;
  /** Signatures and attestations in a repository (signature gates read the source's). */
  readonly evidence?: (repo: Repository) => SourceEvidence;
  /** What environments run and how they are redeployed (runs:, deploy:). */
  readonly runtime?: RuntimeServices;
  /** The environment's hold as the registry has it now (undefined: never held); absent: holds are not read. */
  readonly readHold?: (env: EnvironmentConfig, signal?: AbortSignal) => Promise<HoldDocument | undefined>;
  /** The approvals given ahead for a digest into an environment (records/approvals.ts); absent: none are read. */
  readonly readApprovals?: (env: EnvironmentConfig, digest: string, signal?: AbortSignal) => Promise<readonly StoredApproval[]>;
}

export interface PromotionEnvironment {
  readonly trusted: boolean;
  readonly workspaceDir: string | undefined;
  readonly prompts: PromotionPrompts;
  readonly progress: (message: string) => void;
  readonly signal?: AbortSignal;
  /** What the promotion history knows (soak gates, rollback); undefined when none is kept. */
  readonly history?: HistoryView;
  /**
   * The history while it is still being read (with the registry's records: requests of their own),
   * beside the lock and the lookups; awaited before the gates that read it (a rollback's
   * held-before, soak), and then counts as `history`; the other promotions do not wait for it.
   */
  readonly historyLater?: Promise<HistoryView | undefined>;
  /**
   * The history file: a promotion locks a file beside it for its whole run, so that other windows
   * and processes cannot promote into the same environment meanwhile. Undefined: no such lock.
   */
  readonly historyFile?: string;
  /** Told right before the tag is written, so a process that dies mid-write leaves a trace. */
  readonly journal?: PromotionJournal;
  /** Who is promoting (`Name <email>`, or the --approved-by name): an approval gate's own confirmation. */
  readonly promoter?: string;
}

export interface StartedWrite {
  readonly digest: string;
  /** A release: every image's digest and what it held. */
  readonly components?: readonly ComponentMoveSummary[];
  readonly previousDigest: string | null;
  readonly transport: Transport;
  readonly gates: readonly GateResult[];
}

export interface PromotionJournal {
  started(write: StartedWrite): Promise<void>;
}

export type PromotionStatus = 'succeeded' | 'blocked' | 'failed' | 'cancelled';

export interface PromotionOutcome {
  readonly status: PromotionStatus;
  readonly mode: 'promotion' | 'rollback';
  /** One line for the user. */
  readonly message: string;
  readonly sourceLabel: string;
  readonly sourceRepository: string;
  readonly target: string;
  readonly digest?: string;
  readonly previousDigest?: string | null;
  /** What the target holds at the end, read back from the registry (undefined: could not read). */
  readonly finalDigest?: string | null;
  readonly gates: readonly GateResult[];
  readonly durationMs: number;
  readonly transport: Transport;
  readonly overriddenGates?: readonly string[];
  readonly error?: PromotionError;
  /** The environment's verify gates after the move (absent: it has none, or nothing moved). */
  readonly verification?: VerificationOutcome;
  /** A release (`images:`): every image's move; the fields above are the first image's. */
  readonly components?: readonly ComponentMoveSummary[];
}

/** What the verify gates said after the move, and what was done about a failure. */
export interface VerificationOutcome {
  /** `cancelled`: stopped during verification; the moved, verified digest stays. */
  readonly status: 'passed' | 'failed' | 'cancelled';
  readonly gates: readonly GateResult[];
  readonly onFailure: VerifyFailureAction;
  /** After a failed verification with `rollback`: how putting the previous digest back ended. */
  readonly rollback?: VerificationRollback;
}

export interface VerificationRollback {
  /** `nothing`: the target was empty before; there was nothing to put back. */
  readonly status: PromotionStatus | 'nothing';
  readonly message: string;
  /** What the target holds after it, read back (null: empty; absent: could not read). */
  readonly finalDigest?: string | null;
}
