// Digests the tool relies on are computed from the bytes. sha256 and sha512 are checked; a digest
// of any other algorithm, or a malformed one, is refused rather than trusted.
import { createHash, type Hash } from 'node:crypto';
import { PromotionError } from '../core/errors';

const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };
const DIGEST_SHAPE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** True for `algorithm:encoded`, whatever the algorithm (a reference that is not a tag). */
export function looksLikeDigest(reference: string): boolean {
  return reference.includes(':') && DIGEST_SHAPE.test(reference);
}

/** True for a sha256 or sha512 digest this tool can check. */
export function isCheckableDigest(digest: string): boolean {
  const [algorithm, hex] = digest.split(':');
  const length = HEX_LENGTH[algorithm ?? ''];
  return length !== undefined && hex !== undefined && hex.length === length && /^[0-9a-f]+$/.test(hex);
}

/** Throws unless `digest` is a sha256/sha512 digest: refused, never trusted unchecked. */
export function checkableDigest(digest: string, where: string): void {
  if (isCheckableDigest(digest)) return;
  const algorithm = digest.slice(0, digest.indexOf(':'));
  throw HEX_LENGTH[algorithm] !== undefined
    ? new PromotionError('protocol', `${where}: "${digest.slice(0, 140)}" is not a valid ${algorithm} digest`)
    : new PromotionError(
        'protocol',
        `${where}: the digest ${digest.slice(0, 80)} uses the algorithm "${algorithm}", which this tool cannot check; refused`,
        'Refer to the image by a sha256 or sha512 digest, or by tag.',
      );
}

/** A hash for a checkable digest's algorithm. */
export function hasherFor(digest: string): Hash {
  checkableDigest(digest, 'digest');
  return createHash(digest.slice(0, digest.indexOf(':')));
}

/** `algorithm:hex` of the bytes, with the algorithm of `like` (default sha256). */
export function digestOf(bytes: Uint8Array, like = 'sha256:'): string {
  const algorithm = like.slice(0, like.indexOf(':'));
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function hashed(hasher: Hash, digest: string): string {
  return `${digest.slice(0, digest.indexOf(':'))}:${hasher.digest('hex')}`;
}
