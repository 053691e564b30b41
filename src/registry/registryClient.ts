// What the extension needs from a container registry (the Distribution API), in its own types.
import type { Repository } from '../core/reference';

export interface ManifestDescriptor {
  /** The registry's Docker-Content-Digest (for an index: the index's digest). */
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

export interface Manifest extends ManifestDescriptor {
  /** The exact bytes: the digest is the sha256 of these. */
  readonly bytes: Buffer;
}

export interface RegistryClient {
  /** HEAD a manifest by tag or digest. `undefined` when the registry answers 404: the tag is absent. */
  resolve(repo: Repository, reference: string, signal?: AbortSignal): Promise<ManifestDescriptor | undefined>;
  /** GET a manifest's bytes. `undefined` on 404. */
  getManifest(repo: Repository, reference: string, signal?: AbortSignal): Promise<Manifest | undefined>;
  getBlob(repo: Repository, digest: string, signal?: AbortSignal): Promise<Buffer>;
  /** Every tag of the repository (following pagination). An absent repository has none. */
  listTags(repo: Repository, signal?: AbortSignal): Promise<string[]>;
  /** PUT manifest bytes under a tag or digest; returns the digest the registry computed. */
  putManifest(repo: Repository, reference: string, manifest: { mediaType: string; bytes: Buffer }, signal?: AbortSignal): Promise<string>;
  /** DELETE a manifest by digest (removes it from every tag of the repository). */
  deleteManifest(repo: Repository, digest: string, signal?: AbortSignal): Promise<void>;
}
