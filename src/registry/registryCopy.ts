// Registry-side copy of one image (or a whole index, every platform) that keeps its digest, in two
// phases so the caller can re-read the target right before the tag moves:
//
//   const prepared = await prepareCopy(source, target, { registry });   // blobs, child manifests, extras
//   …re-read the target tag, ask the person if it moved…
//   const result = await prepared.commit();                             // PUT the tag, verify the digest
//
// How, by where the target is:
// - same repository: GET the manifest bytes (prepare), PUT them under the tag (commit): two
//   requests whatever the image size; signatures are already beside it.
// - another repository of the same registry: mount every blob (config and layers of every
//   platform, nested indexes too) from the source repository, PUT the child manifests by digest,
//   then the top manifest under the tag. A blob the registry will not mount is streamed.
// - another registry: HEAD each blob in the target (present ones are skipped); a missing one that
//   the blob location cache (blobLocations.ts) saw in another repository of the target registry is
//   mounted from there; the rest are streamed from source to target (hashed on the way); then the
//   manifests. A mount the registry refuses drops that location and the blob is streamed.
// For the last two, cosign tags (`sha256-<hex>.sig/.att/.sbom`) and OCI referrers of the image and
// of each child manifest are copied along (referrers API, else the `sha256-<hex>` tag schema).
import { CancelledError, isCancelled, PromotionError, throwIfAborted } from '../core/errors';
import type { Logger } from '../core/log';
import { repositoryName, shortDigest, type Repository } from '../core/reference';
import {
  cosignTags,
  isForeignLayer,
  mergeReferrersIndex,
  parseManifestRefs,
  referrersFallbackTag,
  type CosignKind,
  type Descriptor,
  type ManifestRefs,
} from './manifestRefs';
import type { BlobLocations } from './blobLocations';
import { describeMediaType, isIndexMediaType, MediaTypes } from './mediaTypes';
import type { Manifest, RegistryClient } from './registryClient';

export type CopyMode = 'same-repository' | 'cross-repository' | 'cross-registry';

export interface CopySource {
  readonly repository: Repository;
  readonly digest: string;
}

export interface CopyTarget {
  readonly repository: Repository;
  readonly tag: string;
}

export interface CopyProgress {
  readonly phase: 'manifests' | 'blobs' | 'extras' | 'tag';
  /** One line for a progress notification. */
  readonly message: string;
  /** Blob i of n (1-based) while blobs move. */
  readonly blob?: { readonly index: number; readonly count: number; readonly digest: string; readonly size: number; readonly bytes: number };
  /** Bytes uploaded so far (mounted and skipped blobs move none). */
  readonly bytesUploaded: number;
}

export interface CopyOptions {
  /** Reads the source (and writes the target when targetRegistry is not given). One HttpRegistryClient serves any number of registries. */
  readonly registry: RegistryClient;
  readonly targetRegistry?: RegistryClient;
  /** Copy signatures, attestations, SBOMs and OCI referrers along (default true; never needed within one repository). */
  readonly extras?: boolean;
  /** Blobs moved at once (default 3). */
  readonly concurrency?: number;
  /** Upload in PATCH chunks of this size instead of one streamed PUT per blob. */
  readonly chunkSize?: number;
  readonly onProgress?: (progress: CopyProgress) => void;
  /** Each signature, referrer or referrers tag as it lands in the target (before the tag moves): a cancelled copy can say what it wrote. */
  readonly onWritten?: (extra: CopiedExtra) => void;
  readonly signal?: AbortSignal;
  readonly log?: Logger;
  readonly now?: () => number;
  /**
   * Where blobs were seen: a blob the target lacks is mounted from another repository of the
   * target registry that held it. The copy records what it reads and writes here.
   */
  readonly blobLocations?: BlobLocations;
}

export type ExtraKind = 'signature' | 'attestation' | 'sbom' | 'referrer' | 'referrers-index';

export interface CopiedExtra {
  readonly kind: ExtraKind;
  /** The digest it belongs to (the image, or one of its platform manifests). */
  readonly subject: string;
  readonly digest: string;
  /** The tag it lives under (cosign tags, the referrers fallback tag). */
  readonly tag?: string;
  readonly artifactType?: string;
  /** 'present': the target had it already. */
  readonly status: 'copied' | 'present';
  /** What the target's tag held before it was replaced. */
  readonly replaced?: string;
  /** For the confirmation: "cosign signature sha256-….sig". */
  readonly description: string;
}

export interface CopyStats {
  /** Distinct blobs the image refers to (all platforms). */
  readonly blobs: number;
  readonly mounted: number;
  readonly uploaded: number;
  /** Already in the target (or foreign layers the registry does not hold). */
  readonly skipped: number;
  readonly bytesUploaded: number;
  /** Manifests PUT: child manifests, extras and (after commit) the tag. */
  readonly manifestsWritten: number;
}

/** What is copied where: the same before and after the tag moves. */
export interface CopyPlan {
  readonly mode: CopyMode;
  readonly source: CopySource;
  readonly target: CopyTarget;
  readonly digest: string;
  readonly mediaType: string;
  /** Child manifests of an index (0 for a single image). */
  readonly platforms: number;
  /** What came along (already in the target repository). */
  readonly extras: readonly CopiedExtra[];
}

export interface CopyResult extends CopyStats, CopyPlan {
  /** From the start of prepare to the end of commit (the wait in between included). */
  readonly durationMs: number;
}

export interface PreparedCopy extends CopyPlan {
  readonly stats: CopyStats;
  /**
   * PUT the manifest under the target tag and check the registry's Docker-Content-Digest equals
   * the source digest. Call after re-reading the target; once it succeeded, never again. On
   * PromotionError 'verification' the tag HAS moved (to what the registry made of the bytes): the
   * caller puts it back (promotion restores the previous manifest).
   */
  commit(signal?: AbortSignal): Promise<CopyResult>;
}

export interface CopyImageOptions extends CopyOptions {
  /** Runs between prepare and commit, e.g. to re-read the target; throw to stop before the tag moves. */
  readonly beforeCommit?: (prepared: PreparedCopy) => Promise<void> | void;
}

export function copyMode(source: Repository, target: Repository): CopyMode {
  if (source.registry !== target.registry) return 'cross-registry';
  return source.path === target.path ? 'same-repository' : 'cross-repository';
}

/** Prepare and commit in one go; `beforeCommit` runs in between. */
export async function copyImage(source: CopySource, target: CopyTarget, options: CopyImageOptions): Promise<CopyResult> {
  const prepared = await prepareCopy(source, target, options);
  await options.beforeCommit?.(prepared);
  throwIfAborted(options.signal);
  return prepared.commit();
}

/** One line: "a cosign signature and 2 OCI referrers", or "" when nothing came along. */
export function describeExtras(extras: readonly Pick<CopiedExtra, 'kind'>[]): string {
  const counts = new Map<string, number>();
  const names: Record<ExtraKind, [string, string]> = {
    signature: ['cosign signature', 'cosign signatures'],
    attestation: ['cosign attestation', 'cosign attestations'],
    sbom: ['cosign SBOM', 'cosign SBOMs'],
    referrer: ['OCI referrer', 'OCI referrers'],
    'referrers-index': ['referrers tag', 'referrers tags'],
  };
  for (const e of extras) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  const parts = (Object.keys(names) as ExtraKind[])
    .filter((k) => counts.get(k))
    .map((k) => {
      const n = counts.get(k)!;
      return n === 1 ? `${/^[aeiou]/i.test(names[k][0]) ? 'an' : 'a'} ${names[k][0]}` : `${n} ${names[k][1]}`;
    });
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

interface Discovered {
  readonly cosign: { readonly tag: string; readonly kind: CosignKind; readonly manifest: Manifest }[];
  readonly referrers: readonly Descriptor[];
  /** The source's `sha256-<hex>` index, when it has no referrers API. */
  readonly fallback?: Manifest;
}

/** What would come along with an image (nothing is copied): for the confirmation, before anything moves. */
export interface FoundExtra {
  readonly kind: Exclude<ExtraKind, 'referrers-index'>;
  readonly subject: string;
  readonly digest: string;
  readonly tag?: string;
  readonly artifactType?: string;
  readonly description: string;
}

/**
 * Signatures, attestations, SBOMs and OCI referrers of the image and of its platform manifests in
 * the source repository (one level: referrers of referrers are found when copying).
 */
export async function findExtras(source: CopySource, options: Pick<CopyOptions, 'registry' | 'signal'>): Promise<FoundExtra[]> {
  const copier = new Copier(source.repository, source.repository, 'same-repository', options);
  const top = await options.registry.getManifest(source.repository, source.digest, options.signal);
  if (!top) throw new PromotionError('not-found', `${repositoryName(source.repository)}@${shortDigest(source.digest)} does not exist`);
  const refs = parseManifestRefs(top.bytes, top.mediaType);
  const subjects = [source.digest, ...refs.manifests.map((m) => m.digest)];
  const found = await pool(subjects, 4, options.signal, async (subject) => {
    const { cosign, referrers } = await copier.discoverExtras(subject);
    return [
      ...cosign.map((c): FoundExtra => ({ kind: c.kind, subject, digest: c.manifest.digest, tag: c.tag, description: `${COSIGN_NAMES[c.kind]} ${c.tag}` })),
      ...referrers.map((d): FoundExtra => ({
        kind: 'referrer',
        subject,
        digest: d.digest,
        ...(d.artifactType ? { artifactType: d.artifactType } : {}),
        description: referrerDescription(d),
      })),
    ];
  });
  return found.flat();
}

const COSIGN_NAMES: Record<CosignKind, string> = { signature: 'cosign signature', attestation: 'cosign attestation', sbom: 'cosign SBOM' };

function referrerDescription(d: Descriptor): string {
  return `OCI referrer ${d.artifactType ?? describeMediaType(d.mediaType)} ${shortDigest(d.digest)}`;
}

interface Node {
  readonly manifest: Manifest;
  readonly refs: ManifestRefs;
  readonly children: readonly Node[];
}

interface MutableStats {
  blobs: number;
  mounted: number;
  uploaded: number;
  skipped: number;
  bytesUploaded: number;
  manifestsWritten: number;
}

const MAX_DEPTH = 4;
/** Known locations tried per blob before it is streamed (skopeo tries up to 5). */
const MAX_MOUNT_TRIES = 3;
const MAX_EXTRA_DEPTH = 3;

export async function prepareCopy(source: CopySource, target: CopyTarget, options: CopyOptions): Promise<PreparedCopy> {
  const now = options.now ?? Date.now;
  const started = now();
  const mode = copyMode(source.repository, target.repository);
  const copier = new Copier(source.repository, target.repository, mode, options);
  const from = `${repositoryName(source.repository)}@${shortDigest(source.digest)}`;
  const to = `${repositoryName(target.repository)}:${target.tag}`;
  copier.progress('manifests', `Reading ${from}…`);
  const [top] = await Promise.all([copier.src.getManifest(source.repository, source.digest, options.signal), options.blobLocations?.load()]);
  if (!top) throw new PromotionError('not-found', `${from} does not exist (the manifest ${source.digest} is not in ${repositoryName(source.repository)})`);
  if (top.digest !== source.digest)
    throw new PromotionError('protocol', `${source.repository.registry} answered ${source.digest} with the manifest ${top.digest}`);
  const refs = parseManifestRefs(top.bytes, top.mediaType);
  const mediaType = refs.mediaType;
  let extras: CopiedExtra[] = [];
  if (mode !== 'same-repository') {
    const tree = await copier.readTree({ ...top, mediaType }, refs, 0);
    await copier.copyTree(tree, { skipTop: true });
    if (options.extras !== false) extras = await copier.copyExtras(digestsOf(tree));
  }
  const st = copier.stats;
  options.log?.info(
    mode === 'same-repository'
      ? `copy ${from} → ${to} (same repository) prepared: ${describeMediaType(mediaType)}, ${top.bytes.length} bytes of manifest to write under the tag`
      : `copy ${from} → ${to} (${mode}) prepared: ${describeMediaType(mediaType)}; ${st.blobs} blobs (${st.mounted} mounted, ${st.uploaded} uploaded, ${st.skipped} already there), ${st.bytesUploaded} bytes sent, ${st.manifestsWritten} manifests written${extras.length ? `; came along: ${describeExtras(extras)}` : ''}`,
  );
  let state: 'ready' | 'committing' | 'done' = 'ready';
  const plan: CopyPlan = { mode, source, target, digest: source.digest, mediaType, platforms: refs.manifests.length, extras };
  const prepared: PreparedCopy = {
    ...plan,
    get stats(): CopyStats {
      return { ...copier.stats };
    },
    commit: async (signal = options.signal) => {
      if (state !== 'ready') throw new PromotionError('internal', `the copy to ${to} was already ${state === 'done' ? 'committed' : 'being committed'}`);
      state = 'committing';
      try {
        const result = await commit(signal);
        state = 'done';
        return result;
      } catch (error) {
        state = 'ready'; // the caller may try again (after a network error, say)
        throw error;
      }
    },
  };
  const commit = async (signal: AbortSignal | undefined): Promise<CopyResult> => {
    throwIfAborted(signal);
    copier.progress('tag', `Writing ${to}…`);
    const written = await copier.dst.writeManifest(target.repository, target.tag, { mediaType, bytes: top.bytes }, signal);
    copier.stats.manifestsWritten++;
    // No Docker-Content-Digest in the answer: ask (never assume).
    const landed = written.reportedDigest ?? (await copier.dst.resolve(target.repository, target.tag, signal))?.digest;
    if (landed !== source.digest) {
      options.log?.error(`copy ${from} → ${to}: the registry reports ${landed ?? 'no digest'}, not ${source.digest}`);
      throw new PromotionError(
        'verification',
        `${to} was written but the registry reports ${landed ?? 'no digest'} for it, not ${source.digest}`,
        'The target registry changed the manifest; the digest is not the one that was validated.',
      );
    }
    const durationMs = now() - started;
    options.log?.info(`copy ${from} → ${to}: ${to} holds ${source.digest} (verified, ${durationMs} ms)`);
    void options.blobLocations?.flush(); // not awaited: the result does not depend on it, and it never throws
    return { ...copier.stats, ...plan, durationMs };
  };
  return prepared;
}

function digestsOf(node: Node): string[] {
  return [node.manifest.digest, ...node.children.flatMap(digestsOf)];
}

class Copier {
  readonly src: RegistryClient;
  readonly dst: RegistryClient;
  readonly stats: MutableStats = { blobs: 0, mounted: 0, uploaded: 0, skipped: 0, bytesUploaded: 0, manifestsWritten: 0 };
  /** Blobs handled already (an index's platforms share layers; extras share the empty config). */
  private readonly blobsDone = new Map<string, Promise<void>>();
  private blobIndex = 0;

  constructor(
    private readonly from: Repository,
    private readonly to: Repository,
    private readonly mode: CopyMode,
    private readonly options: CopyOptions,
  ) {
    this.src = options.registry;
    this.dst = options.targetRegistry ?? options.registry;
  }

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  progress(phase: CopyProgress['phase'], message: string, blob?: CopyProgress['blob']): void {
    this.options.onProgress?.({ phase, message, bytesUploaded: this.stats.bytesUploaded, ...(blob ? { blob } : {}) });
  }

  /** The manifest and, for an index, every child manifest (read by digest), depth first. */
  async readTree(manifest: Manifest, refs: ManifestRefs, depth: number): Promise<Node> {
    if (refs.kind === 'image') return { manifest, refs, children: [] };
    if (depth >= MAX_DEPTH) throw new PromotionError('protocol', `indexes nested more than ${MAX_DEPTH} deep in ${repositoryName(this.from)}`);
    const children = await pool(refs.manifests, 4, this.signal, async (d) => {
      const child = await this.src.getManifest(this.from, d.digest, this.signal);
      if (!child)
        throw new PromotionError(
          'not-found',
          `the index ${shortDigest(manifest.digest)} in ${repositoryName(this.from)} names the manifest ${d.digest}, which the registry does not have; it cannot be copied whole`,
        );
      const childRefs = parseManifestRefs(child.bytes, child.mediaType || d.mediaType);
      return this.readTree({ ...child, mediaType: childRefs.mediaType }, childRefs, depth + 1);
    });
    return { manifest, refs, children };
  }

  /** Blobs of the whole tree, then child manifests by digest (children before parents), then the top unless skipTop. */
  async copyTree(node: Node, how: { skipTop?: boolean; tag?: string }): Promise<void> {
    const blobs = new Map<string, Descriptor>();
    const collect = (n: Node): void => {
      for (const b of n.refs.blobs) {
        if (!blobs.has(b.digest)) blobs.set(b.digest, b);
        // The source holds every blob of a manifest it holds (foreign layers aside).
        if (!isForeignLayer(b)) this.options.blobLocations?.record(b.digest, this.from);
      }
      n.children.forEach(collect);
    };
    collect(node);
    const fresh = [...blobs.values()].filter((b) => !this.blobsDone.has(b.digest));
    this.stats.blobs += fresh.length;
    const count = this.stats.blobs;
    this.progress('blobs', `Copying ${fresh.length} blob${fresh.length === 1 ? '' : 's'}…`);
    await pool([...blobs.values()], this.options.concurrency ?? 3, this.signal, (b) => {
      let done = this.blobsDone.get(b.digest);
      if (!done) {
        done = this.copyBlob(b, ++this.blobIndex, count);
        this.blobsDone.set(b.digest, done);
      }
      return done;
    });
    const writeManifests = async (n: Node, isTop: boolean): Promise<void> => {
      // Children before their index; siblings are independent: side by side.
      await pool(n.children, 4, this.signal, (child) => writeManifests(child, false));
      if (isTop && how.skipTop) return;
      await this.putManifest(n.manifest, isTop && how.tag ? how.tag : n.manifest.digest);
    };
    this.progress('manifests', `Writing manifests to ${repositoryName(this.to)}…`);
    await writeManifests(node, true);
  }

  private async putManifest(manifest: Manifest, reference: string): Promise<{ subjectDigest: string | undefined }> {
    throwIfAborted(this.signal);
    const written = await this.dst.writeManifest(this.to, reference, { mediaType: manifest.mediaType, bytes: manifest.bytes }, this.signal);
    this.stats.manifestsWritten++;
    if (written.reportedDigest && written.reportedDigest !== manifest.digest) {
      throw new PromotionError('verification', `${repositoryName(this.to)} stored the manifest ${manifest.digest} as ${written.reportedDigest}`);
    }
    return { subjectDigest: written.subjectDigest };
  }

  private async copyBlob(d: Descriptor, index: number, count: number): Promise<void> {
    throwIfAborted(this.signal);
    const info = { index, count, digest: d.digest, size: d.size, bytes: 0 };
    const locations = this.options.blobLocations;
    const mounted = (): void => {
      locations?.record(d.digest, this.to);
      this.stats.mounted++;
      this.progress('blobs', `Blob ${index} of ${count} mounted (${shortDigest(d.digest)})`, { ...info, bytes: d.size });
    };
    if (this.mode === 'cross-repository') {
      if (await this.dst.mountBlob(this.to, d.digest, this.from, this.signal)) return mounted();
    }
    if (await this.dst.blobExists(this.to, d.digest, this.signal)) {
      locations?.record(d.digest, this.to);
      this.stats.skipped++;
      this.progress('blobs', `Blob ${index} of ${count} already there (${shortDigest(d.digest)})`, { ...info, bytes: d.size });
      return;
    }
    if (await this.mountFromKnown(d)) return mounted();
    if (isForeignLayer(d) && !(await this.src.blobExists(this.from, d.digest, this.signal))) {
      // A foreign layer lives at its URLs, not in the registry; the manifest stays valid without it.
      this.stats.skipped++;
      return;
    }
    const reader = await this.src.openBlob(this.from, d.digest, this.signal);
    const size = reader.size >= 0 ? reader.size : d.size;
    if (d.size >= 0 && reader.size >= 0 && reader.size !== d.size) {
      await reader.cancel();
      throw new PromotionError('protocol', `the blob ${d.digest} in ${repositoryName(this.from)} has ${reader.size} bytes, but the manifest says ${d.size}`);
    }
    let last = 0;
    try {
      await this.dst.uploadBlob(this.to, d.digest, size, reader.stream, {
        verifiedSource: reader.digest === d.digest,
        ...(this.signal ? { signal: this.signal } : {}),
        ...(this.options.chunkSize ? { chunkSize: this.options.chunkSize } : {}),
        onBytes: (sent) => {
          this.stats.bytesUploaded += sent - last;
          last = sent;
          this.progress('blobs', `Blob ${index} of ${count}: ${formatBytes(sent)} of ${formatBytes(size)}`, { ...info, bytes: sent });
        },
      });
    } finally {
      await reader.cancel();
    }
    locations?.record(d.digest, this.to);
    this.stats.uploaded++;
  }

  /**
   * Mounts a blob the target lacks from another repository of the target registry where it was
   * seen (newest first, a few tries). A refusal — the registry opened an upload instead (it no
   * longer has the blob there), or 401/403/404 (the repository is gone, or these credentials may
   * not pull from it) — forgets that location; any other failure (a cut connection) just ends the
   * tries. Either way the blob is then streamed: a mount only ever saves bytes, and the manifests'
   * digests are checked as before.
   */
  private async mountFromKnown(d: Descriptor): Promise<boolean> {
    const locations = this.options.blobLocations;
    if (!locations) return false;
    const except = this.mode === 'cross-repository' ? [this.to, this.from] : [this.to];
    for (const candidate of locations.candidates(d.digest, this.to.registry, except).slice(0, MAX_MOUNT_TRIES)) {
      const where = `${shortDigest(d.digest)} from ${repositoryName(candidate)}`;
      try {
        if (await this.dst.mountBlob(this.to, d.digest, candidate, this.signal)) {
          this.options.log?.debug(`copy into ${repositoryName(this.to)}: mounted ${where} (seen there before)`);
          return true;
        }
        this.options.log?.debug(`copy into ${repositoryName(this.to)}: ${repositoryName(candidate)} no longer holds ${shortDigest(d.digest)}; forgotten`);
        locations.forget(d.digest, candidate);
      } catch (error) {
        if (isCancelled(error)) throw error;
        const refused = error instanceof PromotionError && (error.kind === 'unauthorized' || error.kind === 'denied' || error.kind === 'not-found');
        this.options.log?.debug(
          `copy into ${repositoryName(this.to)}: mounting ${where} failed (${(error as Error).message})${refused ? '; forgotten' : ''}; streaming it instead`,
        );
        if (!refused) return false;
        locations.forget(d.digest, candidate);
      }
    }
    return false;
  }

  /** Signatures, attestations, SBOMs and referrers of the given digests (and of those, a few levels down). */
  async copyExtras(subjects: readonly string[]): Promise<CopiedExtra[]> {
    const copied: CopiedExtra[] = [];
    const visited = new Set<string>();
    let level = [...new Set(subjects)];
    for (let depth = 0; depth < MAX_EXTRA_DEPTH && level.length; depth++) {
      level.forEach((d) => visited.add(d));
      this.progress('extras', depth === 0 ? 'Looking for signatures and referrers…' : 'Looking for referrers of referrers…');
      const found = await pool(level, 4, this.signal, (subject) => this.copyExtrasOf(subject));
      const next: string[] = [];
      for (const list of found) {
        copied.push(...list);
        for (const e of list) if (e.kind !== 'referrers-index' && !visited.has(e.digest)) next.push(e.digest);
      }
      level = [...new Set(next)];
    }
    return copied;
  }

  /** What lives beside `subject` in the source: cosign tags, and referrers (API, else the fallback tag). */
  async discoverExtras(subject: string): Promise<Discovered> {
    // All side by side, one round trip: the cosign tags, the referrers API and the fallback tag
    // (needed whenever the API is missing, as in Distribution 2.8; a registry with the API answers
    // one request more, in the same round trip).
    const [found, listed, fallbackRead] = await Promise.all([
      Promise.all(cosignTags(subject).map(async ({ tag, kind }) => ({ tag, kind, manifest: await this.src.getManifest(this.from, tag, this.signal) }))),
      this.src.listReferrers(this.from, subject, this.signal),
      this.src.getManifest(this.from, referrersFallbackTag(subject), this.signal),
    ]);
    const cosign: Discovered['cosign'] = found.flatMap(({ tag, kind, manifest }) => (manifest ? [{ tag, kind, manifest }] : []));
    const fallback = listed === undefined ? fallbackRead : undefined;
    const referrers: Descriptor[] =
      listed ??
      (fallback && isIndexMediaType(fallback.mediaType || MediaTypes.ociIndex) ? [...parseManifestRefs(fallback.bytes, fallback.mediaType).manifests] : []);
    return { cosign, referrers, ...(fallback ? { fallback } : {}) };
  }

  private async copyExtrasOf(subject: string): Promise<CopiedExtra[]> {
    const out: CopiedExtra[] = [];
    const { cosign, referrers, fallback } = await this.discoverExtras(subject);
    const fallbackTag = referrersFallbackTag(subject);
    const push = (e: CopiedExtra): void => {
      out.push(e);
      if (e.status === 'copied') this.options.onWritten?.(e);
    };
    for (const { tag, kind, manifest } of cosign) push(await this.copyTagged(manifest, tag, kind, subject));
    if (!referrers.length) return out;
    const available: Descriptor[] = [];
    for (const d of referrers) {
      const present = await this.dst.resolve(this.to, d.digest, this.signal);
      if (!present) {
        const manifest = await this.src.getManifest(this.from, d.digest, this.signal);
        if (!manifest) continue; // listed but gone (deleted since): nothing to copy, nor to list
        const refs = parseManifestRefs(manifest.bytes, manifest.mediaType);
        const tree = await this.readTree({ ...manifest, mediaType: refs.mediaType }, refs, 0);
        await this.copyTree(tree, {});
      }
      push({
        kind: 'referrer',
        subject,
        digest: d.digest,
        ...(d.artifactType ? { artifactType: d.artifactType } : {}),
        status: present ? 'present' : 'copied',
        description: referrerDescription(d),
      });
      available.push(d);
    }
    // A target without the referrers API finds them through the fallback tag: keep it up to date.
    const targetListed = await this.dst.listReferrers(this.to, subject, this.signal);
    if (targetListed === undefined) {
      const existing = await this.dst.getManifest(this.to, fallbackTag, this.signal);
      let bytes: Buffer | undefined;
      if (!existing && fallback && available.length === referrers.length)
        bytes = fallback.bytes; // verbatim: the same digest as in the source
      else if (available.length) {
        const merged = mergeReferrersIndex(existing?.bytes, available);
        if (merged.added > 0 || !existing) bytes = merged.bytes;
      }
      if (bytes) {
        const mediaType = existing?.mediaType || fallback?.mediaType || MediaTypes.ociIndex;
        const digest = await this.dst.putManifest(this.to, fallbackTag, { mediaType, bytes }, this.signal);
        this.stats.manifestsWritten++;
        push({
          kind: 'referrers-index',
          subject,
          digest,
          tag: fallbackTag,
          status: 'copied',
          ...(existing ? { replaced: existing.digest } : {}),
          description: `referrers tag ${fallbackTag}`,
        });
      } else if (existing) {
        out.push({
          kind: 'referrers-index',
          subject,
          digest: existing.digest,
          tag: fallbackTag,
          status: 'present',
          description: `referrers tag ${fallbackTag}`,
        });
      }
    }
    return out;
  }

  private async copyTagged(manifest: Manifest, tag: string, kind: CosignKind, subject: string): Promise<CopiedExtra> {
    const description = `${COSIGN_NAMES[kind]} ${tag}`;
    const existing = await this.dst.resolve(this.to, tag, this.signal);
    if (existing?.digest === manifest.digest) return { kind, subject, digest: manifest.digest, tag, status: 'present', description };
    const refs = parseManifestRefs(manifest.bytes, manifest.mediaType);
    const tree = await this.readTree({ ...manifest, mediaType: refs.mediaType }, refs, 0);
    await this.copyTree(tree, { tag });
    if (existing) this.options.log?.warn(`${repositoryName(this.to)}:${tag} held ${existing.digest}; replaced by the source's ${manifest.digest}`);
    return { kind, subject, digest: manifest.digest, tag, status: 'copied', ...(existing ? { replaced: existing.digest } : {}), description };
  }
}

/**
 * Runs fn over items with at most `limit` at once, in order of start. The first failure stops
 * new starts and is thrown once the running ones settle; so does the caller's signal.
 */
async function pool<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      if (signal?.aborted) {
        failure = { error: new CancelledError() };
        return;
      }
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

function formatBytes(n: number): string {
  if (n < 0) return '?';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
