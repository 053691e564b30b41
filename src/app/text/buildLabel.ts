// How a person names a digest: the build they know (tag, short revision), the digest only as a fallback.
import { shortDigest } from '../../core/reference';

export interface BuildIdentity {
  /** The immutable build tag (usually the commit). */
  readonly tag?: string;
  /** org.opencontainers.image.revision */
  readonly revision?: string;
  /** org.opencontainers.image.title or description */
  readonly title?: string;
}

/** A long commit id as git shows it short; anything else as it is. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{12,64}$/i.test(revision) ? revision.slice(0, 7) : revision;
}

/** `c52a9f1`, `1.4.2 (rev 3f9c2ab)`, or the short digest when no build is known. */
export function buildLabel(build: BuildIdentity | undefined, digest: string | undefined): string {
  const tag = build?.tag;
  const rev = build?.revision ? shortRevision(build.revision) : undefined;
  if (tag && rev && !tag.startsWith(rev) && !rev.startsWith(tag)) return `${tag} (rev ${rev})`;
  if (tag) return tag;
  if (rev) return `rev ${rev}`;
  return digest ? shortDigest(digest) : '(no digest)';
}

/** The build tag a snapshot lists for a digest (the first, newest-first order), if any; a release's by any of its images' digests. */
export function buildTagOf(
  builds:
    | {
        readonly state: string;
        readonly rows?: readonly { readonly tag: string; readonly digest: string; readonly components?: readonly { readonly digest: string | null }[] }[];
      }
    | undefined,
  digest: string | undefined,
): string | undefined {
  if (!digest || builds?.state !== 'ok') return undefined;
  return builds.rows?.find((b) => b.digest === digest || b.components?.some((c) => c.digest === digest))?.tag;
}
