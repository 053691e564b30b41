// The promotion config after parsing and validation: what the rest of the extension consumes.
import type { Repository } from '../core/reference';

export const DEFAULT_CONFIG_FILE = '.promotion.yaml';
/** Git-SHA-like tags are builds unless the config says otherwise. */
export const DEFAULT_TAG_PATTERN = '^[0-9a-f]{7,40}$';
export const DEFAULT_BUILD_LIMIT = 20;
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;

export interface PromotionConfig {
  /** The default repository, as written and parsed. */
  readonly image: string;
  readonly repository: Repository;
  readonly builds: BuildsConfig;
  /** In promotion order; at least one. */
  readonly environments: readonly EnvironmentConfig[];
}

export interface BuildsConfig {
  readonly tagPattern: RegExp;
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
  readonly gates: readonly GateConfig[];
}

export type GateConfig = CommandGateConfig | ApprovalGateConfig;

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
