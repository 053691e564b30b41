// What a confirmation or a *behind* row ships: the revisions of both digests (image labels, cached
// by digest) and the commits between them in the workspace's repository. A release: every image's
// revisions, each read from its own labels (an image of another commit shows as a part of its own).
import { environmentForComponent } from '../config/components';
import type { PromotionConfig } from '../config/types';
import { parseRepository, type Repository } from '../core/reference';
import type { ImageDetails } from '../images/imageDetails';
import { whatShips, whatShipsRelease, type ComponentShipEnds, type Shipped } from '../model/compare';
import type { EnvironmentRow } from '../model/snapshot';
import type { Confirmation } from '../promotion/promote';

export interface ShippedDeps {
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  readonly workspaceDir: () => string | undefined;
}

/** What an environment holds, as a ship end: a release's images each in its own repository. */
export interface Held {
  readonly name: string;
  readonly repository: Repository;
  readonly digest: string;
  /** A release: every image's digest (the fields above are the first image's). */
  readonly components?: readonly { readonly name: string; readonly repository: Repository; readonly digest: string }[];
}

/** For the confirmation: what `c.digest` (a release: every image's digest) brings to what the target holds now. */
export async function shippedByConfirmation(deps: ShippedDeps, c: Confirmation, signal?: AbortSignal): Promise<Shipped> {
  if (c.components && c.components.length > 1) {
    const ends = await Promise.all(
      c.components.map(async (m): Promise<ComponentShipEnds> => {
        const [source, target] = await Promise.all([
          m.digest ? deps.describe(parseRepository(m.sourceRepository), m.digest, signal) : undefined,
          m.previousDigest ? deps.describe(parseRepository(m.targetRepository), m.previousDigest, signal) : undefined,
        ]);
        return {
          name: m.name,
          from: { label: c.target.name, ...(target?.revision ? { revision: target.revision } : {}), empty: m.previousDigest === null },
          to: { label: c.sourceLabel, ...(source?.revision ? { revision: source.revision } : {}) },
        };
      }),
    );
    return whatShipsRelease(deps.workspaceDir(), ends, { ...(signal ? { signal } : {}) });
  }
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
export async function shippedBetween(deps: ShippedDeps, target: Held, source: Held, signal?: AbortSignal): Promise<Shipped> {
  const pairs = target.components && source.components ? target.components.map((t, i) => ({ name: t.name, t, s: source.components![i]! })) : undefined;
  const ends = await Promise.all(
    (pairs ?? [{ name: target.name, t: target, s: source }]).map(async ({ name, t, s }): Promise<ComponentShipEnds> => {
      const [from, to] = await Promise.all([deps.describe(t.repository, t.digest, signal), deps.describe(s.repository, s.digest, signal)]);
      return {
        name,
        from: { label: target.name, ...(from.revision ? { revision: from.revision } : {}) },
        to: { label: source.name, ...(to.revision ? { revision: to.revision } : {}) },
      };
    }),
  );
  return whatShipsRelease(deps.workspaceDir(), ends, { limit: 20, ...(signal ? { signal } : {}) });
}

/**
 * A row as a ship end (undefined: some tag of it holds nothing or was not read). A release's images
 * are named each with its repository and digest.
 */
export function heldBy(config: PromotionConfig | undefined, row: EnvironmentRow): Held | undefined {
  if (row.lookup.state !== 'present') return undefined;
  const held: Held = { name: row.env.name, repository: row.env.repository, digest: row.lookup.digest };
  if (!config?.components || !row.components) return held;
  const components = row.components.map((c) =>
    c.lookup.state === 'present'
      ? { name: c.name, repository: environmentForComponent(config, row.env, c.name).repository, digest: c.lookup.digest }
      : undefined,
  );
  return components.every((c) => c !== undefined) ? { ...held, components } : undefined;
}
