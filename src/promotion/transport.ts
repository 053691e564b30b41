// Which way a digest travels: through the local Docker engine (pull, tag, push) or registry-side
// (the manifest bytes themselves, blobs mounted or streamed). Only the second never changes a digest.
import { MediaTypes } from '../registry/mediaTypes';

export type TransportSetting = 'auto' | 'engine' | 'registry';
export type Transport = 'engine' | 'registry';

export interface TransportFacts {
  readonly isIndex: boolean;
  readonly mediaType: string;
  /** undefined: the engine could not be asked (unreachable). */
  readonly engineHasImage: boolean | undefined;
  readonly engineReachable: boolean;
  /** The target is in another registry than the source. */
  readonly crossRegistry: boolean;
}

export interface TransportChoice {
  readonly transport: Transport;
  /** Why, for the log and the confirmation. */
  readonly reason: string;
}

/** Only a single-platform Docker manifest comes out of the engine with the digest it went in with. */
export function engineKeepsDigest(facts: Pick<TransportFacts, 'isIndex' | 'mediaType'>): boolean {
  return !facts.isIndex && facts.mediaType === MediaTypes.dockerManifest;
}

/**
 * Seen with engine 20.10: pushing to another registry, the engine uploads the layers it holds
 * uncompressed and compresses them again, so layer and manifest digests change (within one registry it
 * mounts the original blobs and the digest survives).
 */
export const ENGINE_RECOMPRESSES = 'the engine would compress the layers again for another registry, which changes the digest';

export function chooseTransport(setting: TransportSetting, facts: TransportFacts): TransportChoice {
  if (setting === 'engine') return { transport: 'engine', reason: 'imagePromotion.transport is "engine"' };
  if (setting === 'registry') return { transport: 'registry', reason: 'imagePromotion.transport is "registry"' };
  if (facts.isIndex) return { transport: 'registry', reason: 'a multi-platform index keeps its digest only when copied registry-side' };
  if (!engineKeepsDigest(facts)) return { transport: 'registry', reason: 'the engine would rewrite this OCI manifest under another digest' };
  if (facts.crossRegistry) return { transport: 'registry', reason: ENGINE_RECOMPRESSES };
  if (!facts.engineReachable) return { transport: 'registry', reason: 'the Docker engine is not reachable' };
  if (facts.engineHasImage === false) return { transport: 'registry', reason: 'the engine does not have the image, and a registry-side copy needs no pull' };
  return { transport: 'engine', reason: 'the engine already has the image' };
}
