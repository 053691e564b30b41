// The rows of the trees. Each node knows its digest (if any) and its workspace folder, so commands act
// on that row in that folder's config.
import type { EnvironmentConfig } from '../../config/types';
import type { Repository } from '../../core/reference';
import type { BuildRow, BuildsResult, EnvironmentRow } from '../../model/snapshot';

/** The workspace folder a row belongs to (its URI as a string): commands act in that folder. */
export interface InFolder {
  readonly folder?: string;
}

/** A multi-root workspace's top-level row: one per folder with a config. */
export interface FolderNode {
  readonly kind: 'folder';
  readonly folder: string;
}

export interface EnvironmentNode extends InFolder {
  readonly kind: 'environment';
  readonly row: EnvironmentRow;
  /** The builds listed with the row, to name its digest by its build tag. */
  readonly builds?: BuildsResult;
  /** Shown from the last valid config while the current one has errors. */
  readonly stale?: boolean;
  /** Shown from the last refresh (an earlier session) until this session's first refresh answers. */
  readonly refreshing?: boolean;
}

export interface BuildNode extends InFolder {
  readonly kind: 'build';
  readonly row: BuildRow;
  readonly repository: Repository;
  /** Where "Promote to Next Environment" sends it: the first environment. */
  readonly next?: EnvironmentConfig;
}

export interface MessageNode extends InFolder {
  readonly kind: 'message';
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly icon: 'error' | 'warning' | 'info' | 'loading' | 'engine' | 'engine-error';
  readonly command?: { readonly command: string; readonly title: string; readonly arguments?: unknown[] };
}

export type PromotionNode = EnvironmentNode | BuildNode | MessageNode | FolderNode;

/** A node that stands for one digest in one repository. */
export function digestOf(node: PromotionNode | undefined): { digest: string; repository: Repository; label: string } | undefined {
  if (node?.kind === 'environment' && node.row.lookup.state === 'present') {
    return { digest: node.row.lookup.digest, repository: node.row.env.repository, label: node.row.env.name };
  }
  if (node?.kind === 'build') return { digest: node.row.digest, repository: node.repository, label: `build ${node.row.tag}` };
  return undefined;
}

/**
 * Context-value tokens matched by package.json menus:
 * `environment`|`build`, `digest` when the row has one, `next-staging`/`next-production`/`next-other`.
 */
export function contextValue(kind: 'environment' | 'build', hasDigest: boolean, next: EnvironmentConfig | undefined): string {
  const tokens: string[] = [kind];
  if (hasDigest) tokens.push('digest');
  if (next) {
    const name = next.name.toLowerCase();
    tokens.push(name === 'staging' || name === 'production' ? `next-${name}` : 'next-other');
  }
  return tokens.join(' ');
}
