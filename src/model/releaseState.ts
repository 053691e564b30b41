// A release in the views: each environment's component tags, each build's component digests, and
// whether an environment holds one build's release or a mix. A build of a release is a tag present
// in every image; a tag missing from one is an incomplete build (listed, never promotable).
// A single-image config has none of this: its rows stay as they are.
import { componentsOf, environmentForComponent } from '../config/components';
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import type { RegistryClient } from '../registry/registryClient';
import type { DetailsStore } from '../images/detailsStore';
import type { BuildRow, BuildsResult } from './buildsList';
import { mapLimit } from './mapLimit';
import type { Relation } from './relations';

/** What one image's tag of an environment holds (the lookup shape of snapshot.ts). */
export interface ComponentLookup<L> {
  readonly name: string;
  readonly lookup: L;
}

type AnyLookup = { readonly state: 'present'; readonly digest: string } | { readonly state: 'absent' } | { readonly state: 'error' };

/** A build's digest in one image (null: the tag is missing there). */
export interface ComponentDigest {
  readonly name: string;
  readonly digest: string | null;
}

/**
 * `release`: every image's tag holds the digests of the build `build`. `mixed`: they do not all
 * belong to one build; `differs` names the images that are not the closest build's (`build`).
 * `empty`: no image's tag exists. `unknown`: an image could not be read, or no listed build matches.
 */
export type ReleaseState =
  | { readonly kind: 'release'; readonly build: string }
  | { readonly kind: 'mixed'; readonly differs: readonly string[]; readonly build?: string }
  | { readonly kind: 'empty' }
  | { readonly kind: 'unknown' };

/**
 * What an environment's workload should run: its tag's digest; a release's, every image's digest its
 * tags hold (each instance runs one of them). Null: its tags hold nothing.
 */
export function heldDigests(row: {
  readonly lookup: AnyLookup;
  readonly components?: readonly ComponentLookup<AnyLookup>[];
}): string | readonly string[] | null {
  if (!row.components) return row.lookup.state === 'present' ? row.lookup.digest : null;
  const digests = row.components.flatMap((c) => (c.lookup.state === 'present' ? [c.lookup.digest] : []));
  return digests.length ? digests : null;
}

/** Each image's tag of the environment, read side by side. */
export function lookupComponents<L>(
  config: PromotionConfig,
  env: EnvironmentConfig,
  lookup: (env: EnvironmentConfig) => Promise<L>,
): Promise<ComponentLookup<L>[]> {
  return Promise.all(componentsOf(config).map(async (c) => ({ name: c.name, lookup: await lookup(environmentForComponent(config, env, c.name)) })));
}

const CONCURRENCY = 16;

/**
 * The builds of the first image (listed, ordered and described as for one image) with each other
 * image's digest of the same tag, and the tags the other images have that the first lacks: both
 * incomplete. One tag listing per image, and one HEAD per shown build and image (a build tag does
 * not move: known ones come from the details store).
 */
export async function withComponentDigests(
  config: PromotionConfig,
  builds: BuildsResult,
  s: { registry: RegistryClient; store?: DetailsStore },
  signal?: AbortSignal,
): Promise<BuildsResult> {
  if (!config.components || builds.state !== 'ok') return builds;
  const [first, ...others] = componentsOf(config);
  const listed = await Promise.all(others.map((c) => s.registry.listTags(c.repository, signal).then((tags) => new Set(tags))));
  const rows = await mapLimit([...builds.rows], CONCURRENCY, async (row): Promise<BuildRow> => {
    const components: ComponentDigest[] = [{ name: first!.name, digest: row.digest }];
    for (const [i, c] of others.entries()) components.push({ name: c.name, digest: listed[i]!.has(row.tag) ? await digestOf(c.repository, row.tag) : null });
    return withMissing({ ...row, components });
  });
  // Tags that only other images have: incomplete builds too (the first image lacks them).
  const shown = new Set(rows.map((r) => r.tag));
  const extra = new Map<string, ComponentDigest[]>();
  others.forEach((_, i) => {
    for (const tag of listed[i]!) if (!shown.has(tag) && config.builds.tagPattern.test(tag)) extra.set(tag, []);
  });
  const extraRows = await mapLimit([...extra.keys()].sort().slice(0, config.builds.limit), CONCURRENCY, async (tag): Promise<BuildRow> => {
    const components: ComponentDigest[] = [{ name: first!.name, digest: null }];
    for (const [i, c] of others.entries()) components.push({ name: c.name, digest: listed[i]!.has(tag) ? await digestOf(c.repository, tag) : null });
    const some = components.find((c) => c.digest)!;
    return withMissing({ tag, digest: some.digest!, mediaType: '', heldBy: [], components });
  });
  void s.store?.flush();
  return { ...builds, rows: [...rows, ...extraRows] };

  async function digestOf(repository: PromotionConfig['repository'], tag: string): Promise<string | null> {
    const key = `${repository.registry}/${repository.path}`;
    const known = s.store?.getTag(key, tag);
    if (known) return known.digest;
    const found = await s.registry.resolve(repository, tag, signal);
    if (found) s.store?.putTag(key, tag, { digest: found.digest, mediaType: found.mediaType });
    return found?.digest ?? null;
  }
}

function withMissing(row: BuildRow): BuildRow {
  const missing = (row.components ?? []).filter((c) => c.digest === null).map((c) => c.name);
  return missing.length ? { ...row, missing } : row;
}

/** Complete builds only: an incomplete one is never what an environment holds as a release. */
export function releaseStateOf(components: readonly ComponentLookup<AnyLookup>[], builds: readonly BuildRow[]): ReleaseState {
  if (components.some((c) => c.lookup.state === 'error')) return { kind: 'unknown' };
  if (components.every((c) => c.lookup.state === 'absent')) return { kind: 'empty' };
  const held = new Map(components.map((c) => [c.name, c.lookup.state === 'present' ? c.lookup.digest : null]));
  let best: { build: string; differs: string[] } | undefined;
  for (const build of builds) {
    if (!build.components || build.missing?.length) continue;
    const differs = build.components.filter((c) => held.get(c.name) !== c.digest).map((c) => c.name);
    if (!differs.length) return { kind: 'release', build: build.tag };
    // Closest: fewest images differ; on a tie, the build the first image holds (the one the row leads with).
    const lead = components[0]!.name;
    const closer =
      !best || differs.length < best.differs.length || (differs.length === best.differs.length && best.differs.includes(lead) && !differs.includes(lead));
    if (differs.length < components.length && closer) best = { build: build.tag, differs };
  }
  if (best) return { kind: 'mixed', differs: best.differs, build: best.build };
  // No listed build matches any image: a mix when its images are not all there.
  const absent = components.filter((c) => c.lookup.state === 'absent').map((c) => c.name);
  return absent.length ? { kind: 'mixed', differs: absent } : { kind: 'unknown' };
}

/**
 * How a release stands against the environment before: in step when every image is; otherwise the
 * first image's relation that is not in step (one image ahead or behind is the release's answer).
 */
export function releaseRelation(relations: readonly Relation[]): Relation {
  return relations.find((r) => r !== 'in-step') ?? 'in-step';
}
