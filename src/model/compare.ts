// Two environments side by side — build, revision, created, platforms, size, labels — and the commits
// that moving the later one to what the earlier one holds would ship. A release (`images:`) is compared
// image by image, and what it ships is said per image (grouped when images share their revisions).
// Plain TypeScript: the editor renders it, a CLI could print it.
import { componentsOf, environmentForComponent } from '../config/components';
import type { EnvironmentConfig, PromotionConfig } from '../config/types';
import { errorMessage, PromotionError } from '../core/errors';
import type { Repository } from '../core/reference';
import { commitsBetween, short, type CommitRange } from '../git/commitRange';
import type { ImageDetails } from '../images/imageDetails';
import type { RegistryClient } from '../registry/registryClient';
import type { ComponentLookup } from './releaseState';
import type { Lookup } from './snapshot';

/** The commits one image's move ships, or why they cannot be listed. */
export type ImageShipped = CommitRange | { readonly kind: 'note'; readonly note: 'no-revision' | 'empty'; readonly message: string };

/** Images of a release whose moves ship the same commits (same revisions on both sides). */
export interface ShippedPart {
  readonly images: readonly string[];
  readonly shipped: ImageShipped;
}

/**
 * What a move ships: one image's commits, or a release's, part by part (one part when every image
 * goes between the same two revisions, as images built from one commit do).
 */
export type Shipped = ImageShipped | { readonly kind: 'release'; readonly parts: readonly ShippedPart[] };

/** One image of a release and both ends of its move. */
export interface ComponentShipEnds {
  readonly name: string;
  readonly from: ShipEnd;
  readonly to: ShipEnd;
}

export interface ShipEnd {
  /** "production", "staging", "build 3f9c2ab". */
  readonly label: string;
  readonly revision?: string;
  /** The environment holds nothing yet. */
  readonly empty?: boolean;
}

export interface ShipOptions {
  readonly limit?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Commits between what `from` holds and what `to` would bring, read in the workspace's repository. */
export async function whatShips(dir: string | undefined, from: ShipEnd, to: ShipEnd, options: ShipOptions = {}): Promise<ImageShipped> {
  if (!to.revision)
    return {
      kind: 'note',
      note: 'no-revision',
      message: `the image of ${to.label} carries no org.opencontainers.image.revision label, so its commits cannot be listed`,
    };
  if (from.empty) return { kind: 'note', note: 'empty', message: `${from.label} is empty: everything up to ${short(to.revision)} arrives` };
  if (!from.revision)
    return {
      kind: 'note',
      note: 'no-revision',
      message: `the image ${from.label} holds carries no org.opencontainers.image.revision label, so the commits between them cannot be listed`,
    };
  if (!dir) return { kind: 'note', note: 'not-a-repository', message: 'no workspace folder is open, so the commits between the builds cannot be listed' };
  return commitsBetween(
    dir,
    from.revision,
    to.revision,
    { limit: options.limit ?? 200, timeoutMs: options.timeoutMs ?? 10_000, ...(options.signal ? { signal: options.signal } : {}) },
    { from: from.label, to: to.label },
  );
}

/**
 * What a release's move ships: the images that go between the same revisions share one part (git is
 * asked once per part). A single image is `whatShips` itself.
 */
export async function whatShipsRelease(dir: string | undefined, components: readonly ComponentShipEnds[], options: ShipOptions = {}): Promise<Shipped> {
  if (components.length === 1) return whatShips(dir, components[0]!.from, components[0]!.to, options);
  const groups = new Map<string, ComponentShipEnds[]>();
  for (const c of components) {
    const key = JSON.stringify([c.from.empty === true, c.from.revision ?? null, c.to.revision ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const parts = await Promise.all(
    [...groups.values()].map(async (group) => ({ images: group.map((c) => c.name), shipped: await whatShips(dir, group[0]!.from, group[0]!.to, options) })),
  );
  return { kind: 'release', parts };
}

/** Each part of what ships, with the images it concerns (none named for a single image). */
export function shippedParts(shipped: Shipped): readonly { readonly images?: readonly string[]; readonly shipped: ImageShipped }[] {
  return shipped.kind === 'release' ? shipped.parts : [{ shipped }];
}

export interface ImageSize {
  /** Compressed bytes (config and layers) as the manifests declare them; for an index, of every platform. */
  readonly total: number;
  readonly platforms?: readonly { readonly platform: string; readonly bytes: number }[];
}

export interface ComparedSide {
  readonly env: EnvironmentConfig;
  readonly state: 'present' | 'absent' | 'error';
  readonly digest?: string;
  readonly error?: string;
  readonly buildTag?: string;
  readonly details?: ImageDetails;
  readonly size?: ImageSize;
}

export interface CompareRow {
  readonly label: string;
  readonly left: string;
  readonly right: string;
  readonly same: boolean;
}

export interface Comparison {
  /** The later environment in promotion order: what it holds now (a release: its first image). */
  readonly left: ComparedSide;
  /** The earlier environment: what would arrive in the later one (a release: its first image). */
  readonly right: ComparedSide;
  readonly rows: readonly CompareRow[];
  readonly shipped: Shipped;
  /** A release (`images:`): every image side by side, the first included. */
  readonly components?: readonly ComparedComponent[];
}

/** One image of a release in both environments. */
export interface ComparedComponent {
  readonly name: string;
  readonly left: ComparedSide;
  readonly right: ComparedSide;
  readonly rows: readonly CompareRow[];
}

export interface CompareServices {
  readonly registry: RegistryClient;
  readonly describe: (repo: Repository, digest: string, signal?: AbortSignal) => Promise<ImageDetails>;
  /** The build tag the builds list knows a digest by. */
  readonly buildTagOf: (digest: string) => string | undefined;
  /** The workspace folder (the git repository the images are built from, if it is one). */
  readonly workspaceDir: string | undefined;
  /** The config the environments come from: a release's images are compared each in its own repository. */
  readonly config?: PromotionConfig;
}

/** An environment as the snapshot read it: its tag, and a release's tag in every image. */
export interface ComparedEnvironment {
  readonly env: EnvironmentConfig;
  readonly lookup: Lookup;
  readonly components?: readonly ComponentLookup<Lookup>[];
}

const MAX_PLATFORMS = 16;

export async function compareEnvironments(
  services: CompareServices,
  later: ComparedEnvironment,
  earlier: ComparedEnvironment,
  signal?: AbortSignal,
): Promise<Comparison> {
  const config = services.config;
  if (config?.components && later.components && earlier.components) return compareReleases(services, config, later, earlier, signal);
  const [left, right] = await Promise.all([side(services, later, signal), side(services, earlier, signal)]);
  const shipped = await shippedBetweenSides(services, [{ name: left.env.name, left, right }], signal);
  return { left, right, rows: compareRows(left, right), shipped };
}

/** Every image of a release side by side; what ships is said per image (grouped by revisions). */
async function compareReleases(
  services: CompareServices,
  config: PromotionConfig,
  later: ComparedEnvironment,
  earlier: ComparedEnvironment,
  signal?: AbortSignal,
): Promise<Comparison> {
  const lookupOf = (at: ComparedEnvironment, name: string): Lookup =>
    at.components!.find((c) => c.name === name)?.lookup ?? { state: 'error', error: new PromotionError('internal', `${name} was not read`) };
  const components = await Promise.all(
    componentsOf(config).map(async (c): Promise<ComparedComponent> => {
      const [left, right] = await Promise.all([
        side(services, { env: environmentForComponent(config, later.env, c.name), lookup: lookupOf(later, c.name) }, signal),
        side(services, { env: environmentForComponent(config, earlier.env, c.name), lookup: lookupOf(earlier, c.name) }, signal),
      ]);
      return { name: c.name, left, right, rows: compareRows(left, right) };
    }),
  );
  const first = components[0]!;
  const shipped = await shippedBetweenSides(services, components, signal);
  return { left: first.left, right: first.right, rows: first.rows, shipped, components };
}

/** What moving each image from `left` to `right` ships; a side that is empty or unreadable is a note. */
async function shippedBetweenSides(
  services: CompareServices,
  sides: readonly { readonly name: string; readonly left: ComparedSide; readonly right: ComparedSide }[],
  signal?: AbortSignal,
): Promise<Shipped> {
  const named = (s: { name: string }) => (sides.length > 1 ? ` (${s.name})` : '');
  const notThere = sides.find((s) => s.right.state !== 'present');
  if (notThere)
    return {
      kind: 'note',
      note: 'empty',
      message: `${notThere.right.env.name}${named(notThere)} ${notThere.right.state === 'absent' ? 'is empty' : `could not be read (${notThere.right.error})`}: nothing would arrive from it`,
    };
  const unread = sides.find((s) => s.left.state === 'error');
  if (unread) return { kind: 'note', note: 'failed', message: `${unread.left.env.name}${named(unread)} could not be read (${unread.left.error})` };
  return whatShipsRelease(
    services.workspaceDir,
    sides.map(({ name, left, right }) => ({
      name,
      from: { label: left.env.name, ...(left.details?.revision ? { revision: left.details.revision } : {}), empty: left.state === 'absent' },
      to: { label: right.env.name, ...(right.details?.revision ? { revision: right.details.revision } : {}) },
    })),
    { ...(signal ? { signal } : {}) },
  );
}

async function side(services: CompareServices, at: ComparedEnvironment, signal?: AbortSignal): Promise<ComparedSide> {
  const { env, lookup } = at;
  if (lookup.state === 'absent') return { env, state: 'absent' };
  if (lookup.state === 'error') return { env, state: 'error', error: errorMessage(lookup.error) };
  const digest = lookup.digest;
  const [details, size] = await Promise.all([
    services.describe(env.repository, digest, signal).catch(() => undefined),
    imageSize(services.registry, env.repository, digest, signal).catch(() => undefined),
  ]);
  const buildTag = services.buildTagOf(digest);
  return { env, state: 'present', digest, ...(buildTag ? { buildTag } : {}), ...(details ? { details } : {}), ...(size ? { size } : {}) };
}

export function compareRows(left: ComparedSide, right: ComparedSide): CompareRow[] {
  const row = (label: string, of: (s: ComparedSide) => string): CompareRow => {
    const l = of(left);
    const r = of(right);
    return { label, left: l, right: r, same: l === r };
  };
  const held = (s: ComparedSide, value: string | undefined): string =>
    s.state === 'absent' ? 'empty' : s.state === 'error' ? `not read: ${s.error}` : (value ?? '—');
  const rows = [
    row('Build', (s) => held(s, s.buildTag)),
    row('Revision', (s) => held(s, s.details?.revision)),
    row('Created', (s) => held(s, s.details?.created)),
    row('Platforms', (s) => held(s, s.details?.platforms.join(', ') || undefined)),
    row('Size', (s) => held(s, s.size ? formatBytes(s.size.total) : undefined)),
    row('Digest', (s) => held(s, s.digest)),
  ];
  const keys = [...new Set([...Object.keys(left.details?.labels ?? {}), ...Object.keys(right.details?.labels ?? {})])].sort();
  for (const key of keys) rows.push(row(`Label ${key}`, (s) => held(s, s.details?.labels[key])));
  return rows;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 10 ? 0 : 1)} ${units[unit]}`;
}

interface SizedManifest {
  config?: { size?: number };
  layers?: { size?: number }[];
  manifests?: { digest: string; platform?: { os?: string; architecture?: string; variant?: string } }[];
}

/** What pulling the image costs, from the manifests alone (no blob is read). */
export async function imageSize(registry: RegistryClient, repo: Repository, digest: string, signal?: AbortSignal): Promise<ImageSize | undefined> {
  const manifest = await registry.getManifest(repo, digest, signal);
  if (!manifest) return undefined;
  const json = JSON.parse(manifest.bytes.toString('utf8')) as SizedManifest;
  if (!Array.isArray(json.manifests)) return { total: ownSize(json) };
  const children = json.manifests.filter((m) => m.platform && m.platform.os !== 'unknown').slice(0, MAX_PLATFORMS);
  const platforms = await Promise.all(
    children.map(async (m) => {
      const child = await registry.getManifest(repo, m.digest, signal);
      const bytes = child ? ownSize(JSON.parse(child.bytes.toString('utf8')) as SizedManifest) : 0;
      return { platform: [m.platform!.os, m.platform!.architecture, m.platform!.variant].filter(Boolean).join('/'), bytes };
    }),
  );
  return { total: platforms.reduce((sum, p) => sum + p.bytes, 0), platforms };
}

function ownSize(m: SizedManifest): number {
  return (m.config?.size ?? 0) + (m.layers ?? []).reduce((sum, l) => sum + (l.size ?? 0), 0);
}
