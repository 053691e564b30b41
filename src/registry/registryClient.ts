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

/** What the registry said when it stored a manifest. */
export interface ManifestWrite {
  /** Its Docker-Content-Digest header; undefined when it sent none (nothing is assumed then). */
  readonly reportedDigest: string | undefined;
  /** Its OCI-Subject header: the registry indexed the manifest's `subject` for the referrers API. */
  readonly subjectDigest: string | undefined;
}

/** A blob being read: its bytes are checked against the digest as they pass. */
export interface BlobReader {
  readonly digest: string;
  /** Content-Length of the registry's answer. */
  readonly size: number;
  /**
   * The bytes, read once. Iterating throws PromotionError('protocol') at the end when they do not
   * hash to the digest, and PromotionError('timeout') when the registry stalls.
   */
  readonly stream: AsyncIterable<Uint8Array>;
  /** Releases the connection when the stream is not read to its end. Idempotent. */
  cancel(): Promise<void>;
}

export interface BlobUploadOptions {
  readonly signal?: AbortSignal;
  /** Called with the bytes sent so far, as they are sent. */
  readonly onBytes?: (sent: number) => void;
  /**
   * Send PATCH chunks of at most this many bytes, then the closing PUT; undefined (default): one
   * streamed PUT (a monolithic upload). Chunks are streamed too, never held in memory whole.
   */
  readonly chunkSize?: number;
  /**
   * The stream checks its bytes against `digest` itself and throws at its end when they do not
   * match (a BlobReader's stream): the upload lets it end before its last piece leaves, rather than
   * hash every byte a second time.
   */
  readonly verifiedSource?: boolean;
}

/** One entry of an OCI referrers list. */
export interface ReferrerDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
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

  /** PUT manifest bytes and say what the registry reported (no digest is assumed when it sent none). */
  writeManifest(repo: Repository, reference: string, manifest: { mediaType: string; bytes: Buffer }, signal?: AbortSignal): Promise<ManifestWrite>;
  /** HEAD a blob: true when the repository has it. */
  blobExists(repo: Repository, digest: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Cross-repository mount (same registry): true when the registry linked the blob from `from`
   * (201); false when it would not (202: it opened an upload instead, which is cancelled), and the
   * caller uploads the blob itself.
   */
  mountBlob(repo: Repository, digest: string, from: Repository, signal?: AbortSignal): Promise<boolean>;
  /** GET a blob as a stream (never buffered whole). Throws PromotionError('not-found') on 404. */
  openBlob(repo: Repository, digest: string, signal?: AbortSignal): Promise<BlobReader>;
  /**
   * Upload a blob from a stream of exactly `size` bytes, hashing as it goes: the upload is abandoned
   * (never completed) when the bytes do not hash to `digest`.
   */
  uploadBlob(repo: Repository, digest: string, size: number, stream: AsyncIterable<Uint8Array>, options?: BlobUploadOptions): Promise<void>;
  /**
   * The OCI referrers API (`GET /v2/<name>/referrers/<digest>`, every page). `undefined` when the
   * registry has no referrers API (404), so the caller falls back to the `sha256-<hex>` tag schema.
   */
  listReferrers(repo: Repository, digest: string, signal?: AbortSignal): Promise<ReferrerDescriptor[] | undefined>;
}
