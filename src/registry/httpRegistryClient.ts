// The Distribution API operations, thin: what to ask and what the answer means. How requests travel
// (auth and token cache, origin rules, redirects, retries, timeouts, capped reads, kept
// connections) is the transport's (transport/registryTransport.ts); the upload session is
// blobUpload.ts. Every digest returned is one the bytes or the registry's own header gave, and a
// header that disagrees with bytes we hold is an error.
//
// Observed with Distribution 2.8.2 (test/integration/registryCopy.test.ts asserts these):
// - `POST /v2/<to>/blobs/uploads/?mount=<digest>&from=<from>` answers 201 (Location = the blob) when
//   `from` has the blob, and 202 with an upload Location when it has not (the session is ours to
//   cancel: DELETE → 204). With token auth the token must carry `repository:<from>:pull` too, else
//   401 `error="insufficient_scope"` whose challenge asks for
//   `scope="repository:<to>:pull,push repository:<from>:pull"` (two scopes, space-separated).
// - `GET /v2/<name>/referrers/<digest>` answers 404 `text/plain` "404 page not found": no referrers
//   API, so callers fall back to the `sha256-<hex>` tag schema.
// - A token past its `exp` (+60 s leeway) gets 401 with `error="invalid_token"`: the token is
//   dropped and a new one fetched, once.
import { PromotionError } from '../core/errors';
import { repositoryName, type Repository } from '../core/reference';
import { uploadBlob } from './blobUpload';
import { checkableDigest, digestOf, hashed, hasherFor, isCheckableDigest, looksLikeDigest } from './digests';
import { MANIFEST_ACCEPT, MediaTypes } from './mediaTypes';
import type { BlobReader, BlobUploadOptions, Manifest, ManifestDescriptor, ManifestWrite, ReferrerDescriptor, RegistryClient } from './registryClient';
import { repositoryScope } from './scopes';
import { IdleTimer } from './transport/idleTimer';
import { BodyLimits } from './transport/limits';
import { RegistryTransport, type TransportOptions } from './transport/registryTransport';
import { sleep } from './transport/retry';

/** The client's options are the transport's: credentials, limits, plain-HTTP hosts, fetch, retries. */
export type HttpRegistryOptions = TransportOptions;

/** Referrers API answers that mean "not here": the caller falls back to the tag schema. */
const NO_REFERRERS_API = new Set([400, 404, 405, 406, 500, 501]);

/** Tries after the first for a manifest PUT met by the registry's DIGEST_INVALID race (writeManifest). */
const DIGEST_RACE_RETRIES = 2;

export class HttpRegistryClient implements RegistryClient {
  private readonly transport: RegistryTransport;

  constructor(private readonly options: HttpRegistryOptions) {
    this.transport = new RegistryTransport(options);
  }

  /** Closes kept connections (idle ones never keep the process alive). */
  async close(): Promise<void> {
    await this.transport.close();
  }

  async resolve(repo: Repository, reference: string, signal?: AbortSignal): Promise<ManifestDescriptor | undefined> {
    checkReference(repo, reference);
    const res = await this.transport.request(repo, 'pull', 'HEAD', `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (res.status === 404) return undefined;
    await this.transport.expectOk(res, repo, `look up ${reference}`);
    await res.body?.cancel().catch(() => undefined);
    const mediaType = manifestMediaType(res, repo, reference);
    const header = res.headers.get('docker-content-digest');
    const byDigest = looksLikeDigest(reference);
    // Without a usable header (some registries and proxies send none), or with one that is not the
    // digest asked for, the bytes decide: GET and hash them, as containerd does.
    if (!header || !isCheckableDigest(header) || (byDigest && header !== reference)) {
      this.options.log.debug(
        `${repo.registry} answered HEAD ${repositoryName(repo)}:${reference} ${header ? `with Docker-Content-Digest ${header.slice(0, 80)}` : 'without Docker-Content-Digest'}: reading the manifest to hash it`,
      );
      const manifest = await this.getManifest(repo, reference, signal);
      if (!manifest) return undefined;
      return { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.size };
    }
    return { digest: header, mediaType, size: Number(res.headers.get('content-length') ?? 0) };
  }

  async getManifest(repo: Repository, reference: string, signal?: AbortSignal): Promise<Manifest | undefined> {
    checkReference(repo, reference);
    const res = await this.transport.request(repo, 'pull', 'GET', `manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    await this.transport.expectOk(res, repo, `read the manifest ${reference}`);
    let mediaType: string;
    try {
      mediaType = manifestMediaType(res, repo, reference);
    } catch (error) {
      await res.body?.cancel().catch(() => undefined);
      throw error;
    }
    const bytes = await this.transport.read(res, BodyLimits.manifest, repo, `the manifest ${reference}`, signal);
    const header = res.headers.get('docker-content-digest');
    let digest: string;
    if (looksLikeDigest(reference)) {
      digest = digestOf(bytes, reference);
      if (digest !== reference) throw new PromotionError('protocol', `${repo.registry} returned manifest bytes for ${reference} that hash to ${digest}`);
    } else {
      // By tag: the digest is the bytes' own; a header that says otherwise is a registry (or proxy) lying.
      digest = header && isCheckableDigest(header) ? digestOf(bytes, header) : digestOf(bytes);
      if (header && isCheckableDigest(header) && header !== digest) {
        throw new PromotionError(
          'protocol',
          `${repo.registry} answered ${repositoryName(repo)}:${reference} with Docker-Content-Digest ${header}, but the manifest it sent hashes to ${digest}`,
          'A proxy or cache in front of the registry may be serving stale or altered content.',
        );
      }
    }
    return { digest, mediaType: mediaType || declaredMediaType(bytes), size: bytes.length, bytes };
  }

  async getBlob(repo: Repository, digest: string, signal?: AbortSignal): Promise<Buffer> {
    checkableDigest(digest, `${repositoryName(repo)}`);
    const res = await this.transport.request(repo, 'pull', 'GET', `blobs/${digest}`, { signal });
    await this.transport.expectOk(res, repo, `read the blob ${digest}`);
    const bytes = await this.transport.read(res, BodyLimits.blob, repo, `the blob ${digest}`, signal);
    const got = digestOf(bytes, digest);
    if (got !== digest) throw new PromotionError('protocol', `${repo.registry} returned a blob whose content does not match ${digest} (it hashes to ${got})`);
    return bytes;
  }

  async listTags(repo: Repository, signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `tags/list?n=1000`;
    for (let page = 0; next && page < 100; page++) {
      const res = await this.transport.request(repo, 'pull', 'GET', next, { signal });
      // Distribution answers NAME_UNKNOWN (404) for a repository nobody pushed to yet: no tags.
      if (res.status === 404) {
        await res.body?.cancel().catch(() => undefined);
        return tags;
      }
      await this.transport.expectOk(res, repo, 'list tags');
      const text = (await this.transport.read(res, BodyLimits.tagPage, repo, 'a page of the tag list', signal)).toString('utf8');
      let body: { tags?: unknown };
      try {
        body = JSON.parse(text) as { tags?: unknown };
      } catch {
        throw new PromotionError(
          'protocol',
          `${repo.registry} answered the tag list of ${repositoryName(repo)} with something that is not JSON`,
          'Check the registry address (a proxy or login page may be answering).',
        );
      }
      const listed = body?.tags ?? [];
      if (!Array.isArray(listed) || !listed.every((t): t is string => typeof t === 'string')) {
        throw new PromotionError('protocol', `${repo.registry} answered the tag list of ${repositoryName(repo)} without a list of tags`);
      }
      tags.push(...listed);
      next = nextPage(res.headers.get('link'), repo);
    }
    return tags;
  }

  async putManifest(repo: Repository, reference: string, manifest: { mediaType: string; bytes: Buffer }, signal?: AbortSignal): Promise<string> {
    const written = await this.writeManifest(repo, reference, manifest, signal);
    return written.reportedDigest ?? digestOf(manifest.bytes);
  }

  /**
   * PUT, and again (twice at most, a short pause apart) when the registry answers DIGEST_INVALID to
   * bytes that do match the digest asked for: Distribution answers so while another writer commits a
   * blob the manifest names (the empty config of records, attestations, holds: its link file read
   * half-written; seen with six writers on one digest). The bytes are whole in hand and a manifest
   * is addressed by its content, so sending them again cannot write anything else.
   */
  async writeManifest(repo: Repository, reference: string, manifest: { mediaType: string; bytes: Buffer }, signal?: AbortSignal): Promise<ManifestWrite> {
    const what = `write the manifest ${reference}`;
    for (let attempt = 1; ; attempt++) {
      const res = await this.transport.request(repo, 'pull,push', 'PUT', `manifests/${reference}`, {
        headers: { 'Content-Type': manifest.mediaType },
        body: manifest.bytes,
        signal,
      });
      if (res.ok) {
        await res.body?.cancel().catch(() => undefined);
        return { reportedDigest: res.headers.get('docker-content-digest') ?? undefined, subjectDigest: res.headers.get('oci-subject') ?? undefined };
      }
      const error = await this.transport.failure(res, repo, what);
      if (attempt > DIGEST_RACE_RETRIES || !isDigestRace(res.status, error, reference, manifest.bytes)) throw error;
      this.options.log.warn(
        `${repo.registry} answered DIGEST_INVALID to the manifest ${reference} in ${repositoryName(repo)} (another writer committing a blob it names?); writing it again`,
      );
      await sleep(50 * attempt, signal);
    }
  }

  async blobExists(repo: Repository, digest: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.transport.request(repo, 'pull', 'HEAD', `blobs/${digest}`, { signal });
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 404) return false;
    await this.transport.expectOk(res, repo, `look up the blob ${digest}`);
    return true;
  }

  async mountBlob(repo: Repository, digest: string, from: Repository, signal?: AbortSignal): Promise<boolean> {
    if (from.registry !== repo.registry)
      throw new PromotionError('internal', `cannot mount a blob from ${from.registry} into ${repo.registry}: mounts work within one registry`);
    const query = new URLSearchParams({ mount: digest, from: from.path });
    const res = await this.transport.request(repo, 'pull,push', 'POST', `blobs/uploads/?${query.toString()}`, {
      signal,
      extraScopes: [repositoryScope(from.path, 'pull')],
    });
    if (res.status === 201) {
      await res.body?.cancel().catch(() => undefined);
      return true;
    }
    if (res.status === 202) {
      // Not mounted (the source lacks it, or the registry does not mount): it opened an upload we do not need.
      await res.body?.cancel().catch(() => undefined);
      await this.cancelUpload(repo, res.headers.get('location'), signal);
      return false;
    }
    await this.transport.expectOk(res, repo, `mount the blob ${digest} from ${repositoryName(from)}`);
    await res.body?.cancel().catch(() => undefined);
    throw new PromotionError('protocol', `${repo.registry} answered ${res.status} to a blob mount into ${repositoryName(repo)}`);
  }

  async openBlob(repo: Repository, digest: string, signal?: AbortSignal): Promise<BlobReader> {
    const hasher = hasherFor(digest);
    const idle = new IdleTimer(this.transport.timeoutMs());
    let res: Response;
    try {
      res = await this.transport.request(repo, 'pull', 'GET', `blobs/${digest}`, { headers: { 'Accept-Encoding': 'identity' }, signal, idle });
      await this.transport.expectOk(res, repo, `read the blob ${digest}`);
    } catch (error) {
      idle.stop();
      throw error;
    }
    const body = res.body;
    if (!body) {
      idle.stop();
      throw new PromotionError('protocol', `${repo.registry} answered the blob ${digest} without a body`);
    }
    const length = res.headers.get('content-length');
    const size = length === null ? -1 : Number(length);
    const registry = repo.registry;
    let cancelled = false;
    const transport = this.transport;
    async function* verified(): AsyncGenerator<Uint8Array> {
      let read = 0;
      try {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          idle.touch();
          hasher.update(chunk);
          read += chunk.length;
          yield chunk;
        }
      } catch (error) {
        throw transport.networkError(error, registry, res.url || transport.endpoint(registry).origin, signal, idle);
      } finally {
        idle.stop();
      }
      if (size >= 0 && read !== size)
        throw new PromotionError('protocol', `${registry} sent ${read} bytes of the blob ${digest}, not the ${size} it announced`);
      const got = hashed(hasher, digest);
      if (got !== digest) throw new PromotionError('protocol', `${registry} returned a blob whose content does not match ${digest} (it hashes to ${got})`);
    }
    const stream = verified();
    return {
      digest,
      size,
      stream,
      cancel: async () => {
        if (cancelled) return;
        cancelled = true;
        idle.stop();
        // Ends the iteration (which cancels the body it holds), or cancels a body never read.
        await stream.return(undefined).catch(() => undefined);
        await body.cancel().catch(() => undefined);
      },
    };
  }

  async uploadBlob(repo: Repository, digest: string, size: number, stream: AsyncIterable<Uint8Array>, options: BlobUploadOptions = {}): Promise<void> {
    await uploadBlob(this.transport, repo, digest, size, stream, options);
  }

  async listReferrers(repo: Repository, digest: string, signal?: AbortSignal): Promise<ReferrerDescriptor[] | undefined> {
    const found: ReferrerDescriptor[] = [];
    let next: string | undefined = `referrers/${digest}`;
    for (let page = 0; next && page < 100; page++) {
      const res = await this.transport.request(repo, 'pull', 'GET', next, { headers: { Accept: MediaTypes.ociIndex }, signal });
      // A registry without the API answers 404 (Distribution 2.8), 405, 400, 500 or 501 (seen in the
      // wild): the caller falls back to the `sha256-<hex>` tag schema instead of failing.
      if (page === 0 && NO_REFERRERS_API.has(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        this.options.log.debug(`${repo.registry} answered ${res.status} to the referrers API: using the tag schema`);
        return undefined;
      }
      if (res.status === 404) {
        await res.body?.cancel().catch(() => undefined);
        return found;
      }
      await this.transport.expectOk(res, repo, `list the referrers of ${digest}`);
      const manifests = await this.referrersPage(res, repo, digest, signal);
      if (!manifests) {
        if (page === 0) {
          this.options.log.debug(`${repo.registry} answered the referrers API with something that is not an index: using the tag schema`);
          return undefined;
        }
        throw new PromotionError('protocol', `${repo.registry} answered a later page of the referrers of ${digest} with something that is not an index`);
      }
      for (const m of manifests) {
        if (m && typeof m === 'object' && typeof (m as ReferrerDescriptor).digest === 'string') found.push(m as ReferrerDescriptor);
      }
      next = nextPage(res.headers.get('link'), repo);
    }
    return found;
  }

  async deleteManifest(repo: Repository, digest: string, signal?: AbortSignal): Promise<void> {
    const res = await this.transport.request(repo, 'delete', 'DELETE', `manifests/${digest}`, { signal });
    await this.transport.expectOk(res, repo, `delete the manifest ${digest}`);
    await res.body?.cancel().catch(() => undefined);
  }

  /** The `manifests` of a referrers answer, or undefined when it is not an index. */
  private async referrersPage(res: Response, repo: Repository, digest: string, signal?: AbortSignal): Promise<unknown[] | undefined> {
    const type = contentType(res);
    if (type && type !== MediaTypes.ociIndex && type !== 'application/json') {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const bytes = await this.transport.read(res, BodyLimits.referrers, repo, `the referrers of ${digest}`, signal);
    try {
      const body = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown };
      return Array.isArray(body?.manifests) ? body.manifests : undefined;
    } catch {
      return undefined;
    }
  }

  /** Best effort: an abandoned upload session is the registry's to purge anyway. */
  private async cancelUpload(repo: Repository, location: string | null, signal?: AbortSignal): Promise<void> {
    if (!location) return;
    try {
      const res = await this.transport.request(repo, 'pull,push', 'DELETE', location, { signal });
      await res.body?.cancel().catch(() => undefined);
    } catch {
      // ignore
    }
  }
}

/**
 * The registry's DIGEST_INVALID (400) to a manifest PUT whose bytes are what the reference says
 * (by digest: they hash to it; by tag: the registry hashes them itself). A digest our bytes do not
 * match is our mistake, and sending them again would not change the answer.
 */
function isDigestRace(status: number, error: PromotionError, reference: string, bytes: Buffer): boolean {
  if (status !== 400 || !/: DIGEST_INVALID\b/.test(error.message)) return false;
  return !looksLikeDigest(reference) || (isCheckableDigest(reference) && digestOf(bytes, reference) === reference);
}

/** A reference that is a digest must be one we can check (sha256, sha512); else it is refused. */
function checkReference(repo: Repository, reference: string): void {
  if (looksLikeDigest(reference)) checkableDigest(reference, repositoryName(repo));
}

function contentType(res: Response): string {
  return (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The Content-Type of a manifest answer. A type that cannot be a manifest (an HTML login page, a
 * text error from a proxy) is refused; `application/json` or none leaves the body's own mediaType.
 */
function manifestMediaType(res: Response, repo: Repository, reference: string): string {
  const type = contentType(res);
  if (!type || type === 'application/json') return '';
  if (/^application\/vnd\.[^\s]+$/.test(type)) return type;
  throw new PromotionError(
    'protocol',
    `${repo.registry} answered the manifest ${repositoryName(repo)}:${reference} with ${type}, which is not a manifest`,
    'Check the registry address (a proxy or login page may be answering instead of the registry).',
  );
}

/** The `mediaType` field of manifest bytes, when the registry sent no useful Content-Type. */
function declaredMediaType(bytes: Buffer): string {
  try {
    const value = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown })?.mediaType;
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

/** The next page from an RFC 5988 `Link: </v2/…/tags/list?last=x&n=1000>; rel="next"` header. */
function nextPage(link: string | null, repo: Repository): string | undefined {
  const match = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  if (!match) return undefined;
  const target = match[1]!;
  const url = new URL(target, 'http://placeholder');
  // Keep it relative to the repository so the registry's own origin is used.
  const prefix = `/v2/${repo.path}/`;
  return url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) + url.search : `${url.pathname}${url.search}`;
}
