// What a confirmation or a *behind* row ships: the revisions of both digests (image labels, cached
// by digest) and the commits between them in the workspace's repository.
import { parseRepository, type Repository } from '../core/reference';
import type { ImageDetails } from '../images/imageDetails';
import { whatShips, type Shipped } from '../model/compare';
import type { Confirmation } from '../promotion/promote';

export interface ShippedDeps {
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  readonly workspaceDir: () => string | undefined;
}

/** For the confirmation: what `c.digest` brings to what the target holds now. */
export async function shippedByConfirmation(deps: ShippedDeps, c: Confirmation, signal?: AbortSignal): Promise<Shipped> {
  const [source, target] = await Promise.all([
    c.build?.revision ? undefined : deps.describe(parseRepository(c.sourceRepository), c.digest, signal),
    c.currentTargetDigest ? deps.describe(c.target.repository, c.currentTargetDigest, signal) : undefined,
  ]);
  const revision = c.build?.revision ?? source?.revision;
  return whatShips(
    deps.workspaceDir(),
    { label: c.target.name, ...(target?.revision ? { revision: target.revision } : {}), empty: c.currentTargetDigest === null },
    { label: c.sourceLabel, ...(revision ? { revision } : {}) },
    { ...(signal ? { signal } : {}) },
  );
}

/** For a row's tooltip: what promoting the environment before into this one would ship. */
export async function shippedBetween(
  deps: ShippedDeps,
  target: { name: string; repository: Repository; digest: string },
  source: { name: string; repository: Repository; digest: string },
  signal?: AbortSignal,
): Promise<Shipped> {
  const [from, to] = await Promise.all([deps.describe(target.repository, target.digest, signal), deps.describe(source.repository, source.digest, signal)]);
  return whatShips(
    deps.workspaceDir(),
    { label: target.name, ...(from.revision ? { revision: from.revision } : {}) },
    { label: source.name, ...(to.revision ? { revision: to.revision } : {}) },
    { limit: 20, ...(signal ? { signal } : {}) },
  );
}
