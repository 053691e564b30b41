// The promotion config after parsing and validation: what the rest of the extension consumes.
import type { Repository } from '../core/reference';
import type { WindowEntry } from './windowEntry';
import type { WorkspacePattern } from './workspacePattern';

export const DEFAULT_CONFIG_FILE = '.promotion.yaml';
/** Git-SHA-like tags are builds unless the config says otherwise. */
export const DEFAULT_TAG_PATTERN = '^[0-9a-f]{7,40}$';
export const DEFAULT_BUILD_LIMIT = 20;
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;
export const DEFAULT_HTTP_METHOD = 'GET';
export const DEFAULT_HTTP_STATUS = 200;
/** Per attempt. */
export const DEFAULT_HTTP_TIMEOUT_SECONDS = 10;
export const DEFAULT_HTTP_RETRIES = 0;
/** Before the first retry; doubled before each next one, up to MAX_HTTP_RETRY_DELAY_SECONDS. */
export const DEFAULT_HTTP_RETRY_DELAY_SECONDS = 2;
export const MAX_HTTP_RETRY_DELAY_SECONDS = 30;
/** How long a verify gate is retried after the move when it says nothing else. */
export const DEFAULT_VERIFY_WITHIN = '2m';
/** What a failed verification does: put the previous digest back (and hold), hold the environment, or only say so. */
export const VERIFY_FAILURE_ACTIONS = ['rollback', 'hold', 'report'] as const;
export type VerifyFailureAction = (typeof VERIFY_FAILURE_ACTIONS)[number];

export interface PromotionConfig {
  /** The default repository, as written and parsed. */
  readonly image: string;
  readonly repository: Repository;
  /**
   * `images:` — the images of a release, promoted together (absent: the single `image`, a release of
   * one; see components.ts). With it, `image`/`repository` and every environment's are the first one's.
   */
  readonly components?: readonly ComponentConfig[];
  readonly builds: BuildsConfig;
  /** In promotion order; at least one. */
  readonly environments: readonly EnvironmentConfig[];
  /** Public key files (as written, relative to the config's folder) that sign promotion attestations. */
  readonly promotionKeys?: readonly string[];
  /** Webhooks told about every environment's promotions (absent: none). */
  readonly notify?: readonly WebhookConfig[];
}

/** One image of a release: its name in views and records, and its repository. */
export interface ComponentConfig {
  readonly name: string;
  readonly image: string;
  readonly repository: Repository;
}

/**
 * The outcomes a webhook can listen to: an attempt's outcome, `rolled-back` for a rollback that succeeded,
 * `approval-needed` for a promotion blocked only for want of approvals, `held` for a hold placed.
 */
export const NOTIFY_OUTCOMES = ['succeeded', 'failed', 'blocked', 'cancelled', 'rolled-back', 'approval-needed', 'held'] as const;
export type NotifyOutcome = (typeof NOTIFY_OUTCOMES)[number];
export const WEBHOOK_FORMATS = ['json', 'slack', 'teams'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export const DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 10;

/** A POST after each recorded attempt it listens to. `url` and header values may hold `${env:NAME}`. */
export interface WebhookConfig {
  readonly url: string;
  readonly format: WebhookFormat;
  readonly on: readonly NotifyOutcome[];
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
}

export interface BuildsConfig {
  /** Compiled with RE2 (linear time): it runs on every listed tag. */
  readonly tagPattern: WorkspacePattern;
  /** How many builds the tree shows, newest first. */
  readonly limit: number;
}

export interface EnvironmentConfig {
  readonly name: string;
  readonly tag: string;
  /** `image` of the environment when set, else the config's `image`. */
  readonly image: string;
  readonly repository: Repository;
  /** Promotion into it requires typing its name. */
  readonly protected: boolean;
  /** `promote --auto` promotes into it, without asking, when its gates pass (absent: false). */
  readonly auto?: boolean;
  readonly gates: readonly GateConfig[];
  /** Gates run after the tag moved and was verified, each retried until its `within` (absent: none). */
  readonly verify?: readonly VerifyGateConfig[];
  /** What a verification that fails does (absent: `report`). */
  readonly onVerifyFailure?: VerifyFailureAction;
  /** Webhooks told about this environment's promotions, besides the config-wide ones (absent: none). */
  readonly notify?: readonly WebhookConfig[];
  /** Where its workload runs, to read the digests it really runs (absent: not read). */
  readonly runs?: RuntimeConfig;
  /** How it is redeployed after its tag moved (absent: not redeployed; needs `runs`). */
  readonly deploy?: DeployConfig;
}

/** How long a redeploy may take to land everywhere `runs` looks, when `deploy.within` says nothing else. */
export const DEFAULT_DEPLOY_WITHIN = '5m';

/** Where an environment's workload runs: the digests it reports are what the environment really runs. */
export type RuntimeConfig =
  /** The containers carrying all `labels` on an engine (`host`: an address or `context:<name>`; absent: the promotions' engine). */
  | { readonly kind: 'docker'; readonly host?: string; readonly labels: Readonly<Record<string, string>> }
  /** Pods matching `selector` in `namespace`, through the kubeconfig's `context` (absent: its current one). */
  | {
      readonly kind: 'kubernetes';
      readonly context?: string;
      readonly namespace: string;
      readonly selector: string;
      /** Only this container of each pod (absent: the containers running the environment's repository). */
      readonly container?: string;
    }
  /** A version endpoint: the digest is the value at `jsonPath` of its JSON answer. */
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly jsonPath: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly timeoutSeconds: number;
    };

export type DeployAction =
  /** Recreate the labelled containers with the promoted digest and their own configuration. */
  | { readonly kind: 'docker'; readonly host?: string; readonly labels: Readonly<Record<string, string>> }
  /** argv, no shell, trusted workspaces only; DIGEST, IMAGE_REF, … in its environment as command gates get. */
  | { readonly kind: 'command'; readonly run: readonly string[]; readonly timeoutSeconds: number; readonly cwd?: string }
  /** One http request, as an http gate makes (placeholders, ${env:NAME}, same-origin redirects). */
  | { readonly kind: 'webhook'; readonly request: HttpGateConfig };

export interface DeployConfig {
  readonly action: DeployAction;
  /** As written, e.g. `5m`: how long the redeploy may take until `runs` reports the digest everywhere. */
  readonly within: string;
  readonly withinMs: number;
}

export type GateConfig = CommandGateConfig | ApprovalGateConfig | HttpGateConfig | SoakGateConfig | LabelGateConfig | WindowGateConfig | SignatureGateConfig;

/** A gate of `verify:`: the same http and command gates, retried after the move until `within` runs out. */
export type VerifyGateConfig = (CommandGateConfig | HttpGateConfig) & {
  /** As written, e.g. `2m`. */
  readonly within: string;
  readonly withinMs: number;
};

interface GateBase {
  /** Shown in confirmations and logs; defaults to a description of the gate. */
  readonly name: string;
}

export interface CommandGateConfig extends GateBase {
  readonly type: 'command';
  /** argv; run without a shell. */
  readonly run: readonly string[];
  readonly timeoutSeconds: number;
  /** Relative to the workspace folder. */
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ApprovalGateConfig extends GateBase {
  readonly type: 'approval';
  /** Distinct approvers needed (default 1). */
  readonly count: number;
  /** Names or e-mails whose approvals count (absent: anyone's, or only the keys' when `keys` is set). */
  readonly from?: readonly string[];
  /**
   * The public keys of `from` (a `.pub`/`.pem` file relative to the workspace folder, or PEM text):
   * when present, only approvals signed by one of them count, one per key.
   */
  readonly keys?: readonly string[];
  /** The promoter's own confirmation counts as one approval (default true). */
  readonly allowSelf: boolean;
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * A request whose answer must be as expected. `url`, header values and `body.contains`/`body.equals`
 * may hold `${digest}`, `${revision}`, `${environment}` and `${tag}`; `url` and header values also
 * `${env:NAME}` (see placeholders.ts).
 */
export interface HttpGateConfig extends GateBase {
  readonly type: 'http';
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  /** Any of these passes the status check. */
  readonly expectStatus: readonly number[];
  readonly body?: HttpBodyCheck;
  /** Per attempt, reading the body included. */
  readonly timeoutSeconds: number;
  /** Attempts after the first. */
  readonly retries: number;
  /** Before the first retry, doubled before each next one (capped at MAX_HTTP_RETRY_DELAY_SECONDS). */
  readonly retryDelaySeconds: number;
}

/** Exactly one check on the response body. */
export type HttpBodyCheck =
  | { readonly contains: string }
  /** An RE2 regular expression (see workspacePattern.ts), unanchored unless written with ^ and $. */
  | { readonly regex: string }
  /** The value at the path (see jsonPath.ts) must equal `equals` after placeholders. */
  | { readonly jsonPath: string; readonly equals: string };

/** The digest must have been in the previous environment for at least `duration`. */
export interface SoakGateConfig extends GateBase {
  readonly type: 'soak';
  /** As written, e.g. `30m`, `1h30m`. */
  readonly duration: string;
  readonly durationMs: number;
}

/** Labels the image config must carry, and whether its revision label must be a commit of the workspace. */
export interface LabelGateConfig extends GateBase {
  readonly type: 'label';
  /** Label → RE2 regular expression its value must match; `''` when present is enough. */
  readonly labels: Readonly<Record<string, string>>;
  /** The `org.opencontainers.image.revision` commit must exist in the workspace's git repository. */
  readonly revision: boolean;
}

/** One check on an attestation's predicate: the value at `path` equals, matches (RE2) or is at most. */
export interface PredicateCondition {
  /** A JSON path into the predicate, as http gates' (`$.builder.id`). */
  readonly path: string;
  readonly equals?: string | number | boolean;
  readonly matches?: string;
  readonly atMost?: number;
}

/** The source digest must carry a cosign signature or attestation by one of `keys`. */
export interface SignatureGateConfig extends GateBase {
  readonly type: 'signature';
  /** ECDSA P-256 public keys: a PEM file relative to the workspace folder, or the PEM text itself. */
  readonly keys: readonly string[];
  /** Only attestations of this predicate type count (signatures then do not). */
  readonly predicateType?: string;
  /** Checked on the attestation's predicate (only attestations count when there are any). */
  readonly conditions: readonly PredicateCondition[];
}

/** Promotion only at allowed times: inside an `allow` entry (any time when there is none) and outside every `deny` entry. */
export interface WindowGateConfig extends GateBase {
  readonly type: 'window';
  /** IANA name; the recurring spans are read on its wall clock. */
  readonly timezone: string;
  /** Undefined: every time not denied is allowed. */
  readonly allow?: readonly WindowEntry[];
  readonly deny: readonly WindowEntry[];
}

/** 0-based, like VS Code positions. */
export interface SourceRange {
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface ConfigDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly range: SourceRange;
}

export interface ParsedConfig {
  /** Present only when there are no errors (warnings allowed). */
  readonly config?: PromotionConfig;
  readonly diagnostics: readonly ConfigDiagnostic[];
}
