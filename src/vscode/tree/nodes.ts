// The rows of both trees. Each node knows its digest (if any) so commands can act on it.
import type { EnvironmentConfig } from '../../config/types';
import type { Repository } from '../../core/reference';
import type { BuildRow, BuildsResult, EnvironmentRow } from '../../model/snapshot';

export interface EnvironmentNode {
  readonly kind: 'environment';
  readonly row: EnvironmentRow;
  /** The builds listed with the row, to name its digest by its build tag. */
  readonly builds?: BuildsResult;
  /** Shown from the last valid config while the current one has errors. */
  readonly stale?: boolean;
}

export interface BuildNode {
  readonly kind: 'build';
  readonly row: BuildRow;
  readonly repository: Repository;
  /** Where "Promote to Next Environment" sends it: the first environment. */
  readonly next?: EnvironmentConfig;
}

export interface MessageNode {
  readonly kind: 'message';
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly icon: 'error' | 'warning' | 'info' | 'loading' | 'engine' | 'engine-error';
  readonly command?: { readonly command: string; readonly title: string; readonly arguments?: unknown[] };
}

export type PromotionNode = EnvironmentNode | BuildNode | MessageNode;

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
