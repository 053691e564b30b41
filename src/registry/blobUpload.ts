// A blob upload (the Distribution API's upload session): POST to open it, then one streamed PUT
// or PATCH chunks and a closing PUT, hashing as the bytes pass. The last piece is held back until
// the whole blob hashed right, so a registry never receives a complete body with the wrong content;
// an upload that goes wrong is abandoned (DELETE), never completed.
import type { Hash } from 'node:crypto';
import { PromotionError } from '../core/errors';
import { repositoryName, type Repository } from '../core/reference';
import { hashed, hasherFor } from './digests';
import type { BlobUploadOptions } from './registryClient';
import { IdleTimer } from './transport/idleTimer';
import type { RegistryTransport } from './transport/registryTransport';

/** After the last byte of an upload, how long the registry may take to verify and store it. */
const UPLOAD_FINISH_MS = 300_000;

export async function uploadBlob(
  transport: RegistryTransport,
  repo: Repository,
  digest: string,
  size: number,
  stream: AsyncIterable<Uint8Array>,
  options: BlobUploadOptions = {},
): Promise<void> {
  const { signal } = options;
  // Refused before anything is sent when the digest cannot be checked.
  const hasher = hasherFor(digest);
  const start = await transport.request(repo, 'pull,push', 'POST', 'blobs/uploads/', { signal });
  if (start.status !== 202) {
    await transport.expectOk(start, repo, `start uploading the blob ${digest}`);
    await start.body?.cancel();
    throw new PromotionError('protocol', `${repo.registry} answered ${start.status} when asked to start a blob upload in ${repositoryName(repo)}`);
  }
  await start.body?.cancel();
  let location = uploadUrl(transport, repo, start.headers.get('location'));
  const source = stream[Symbol.asyncIterator]();
  let sent = 0;
  let failure: PromotionError | undefined;
  const idle = new IdleTimer(transport.timeoutMs());
  const progress = (n: number): void => {
    sent += n;
    idle.touch();
    options.onBytes?.(sent);
  };
  // The bytes of [from, from+length) of the source; the last piece is held back until the whole
  // blob hashed right, so a registry never receives a complete body with the wrong content.
  let leftover: Uint8Array | undefined;
  let exhausted = false;
  async function* piece(length: number, last: boolean): AsyncGenerator<Uint8Array> {
    let remaining = length;
    let held: Uint8Array | undefined;
    while (remaining !== 0) {
      let chunk: Uint8Array;
      if (leftover) {
        chunk = leftover;
        leftover = undefined;
      } else {
        const next = await source.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        chunk = next.value;
        if (!options.verifiedSource) hasher.update(chunk);
      }
      if (remaining > 0 && chunk.length > remaining) {
        leftover = chunk.subarray(remaining);
        chunk = chunk.subarray(0, remaining);
      }
      if (remaining > 0) remaining -= chunk.length;
      if (held) {
        progress(held.length);
        yield held;
      }
      held = chunk;
    }
    if (last || exhausted) {
      if (options.verifiedSource && !exhausted) {
        // The source checks its digest when it ends: let it end before the last piece leaves.
        const end = leftover ? { done: false } : await source.next();
        if (!end.done) {
          failure = new PromotionError(
            'protocol',
            `the blob ${digest} for ${repositoryName(repo)} had more than the ${size} bytes announced; the upload was abandoned`,
          );
          throw failure;
        }
        exhausted = true;
      }
      const check = checkUpload(repo, digest, size, sent + (held?.length ?? 0), options.verifiedSource ? undefined : hasher, exhausted || remaining === 0);
      if (check) {
        failure = check;
        throw check;
      }
    }
    if (held) {
      progress(held.length);
      yield held;
    }
  }
  try {
    const chunkSize = options.chunkSize && options.chunkSize > 0 && size > options.chunkSize ? options.chunkSize : undefined;
    if (chunkSize) {
      // `sent` is what the transport has read of the pieces so far (counted as it reads them).
      for (let from = sent; from < size; from = sent) {
        const length = Math.min(chunkSize, size - from);
        const last = from + length >= size;
        const res = await transport.request(repo, 'pull,push', 'PATCH', location, {
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length), 'Content-Range': `${from}-${from + length - 1}` },
          stream: piece(length, last),
          signal,
          idle,
        });
        if (res.status !== 202) await transport.expectOk(res, repo, `upload part of the blob ${digest}`);
        await res.body?.cancel();
        location = uploadUrl(transport, repo, res.headers.get('location') ?? location);
      }
      idle.touch(UPLOAD_FINISH_MS);
      const res = await transport.request(repo, 'pull,push', 'PUT', withDigest(location, digest), { headers: { 'Content-Length': '0' }, signal, idle });
      await finishUpload(transport, res, repo, digest);
    } else {
      const body = piece(size >= 0 ? size : -1, true);
      const finishing = (async function* (): AsyncGenerator<Uint8Array> {
        yield* body;
        idle.touch(UPLOAD_FINISH_MS);
      })();
      const res = await transport.request(repo, 'pull,push', 'PUT', withDigest(location, digest), {
        headers: { 'Content-Type': 'application/octet-stream', ...(size >= 0 ? { 'Content-Length': String(size) } : {}) },
        stream: finishing,
        signal,
        idle,
      });
      await finishUpload(transport, res, repo, digest);
    }
  } catch (error) {
    const reported = failure ?? (error instanceof PromotionError ? error : transport.networkError(error, repo.registry, location, signal, idle));
    await cancelUpload(transport, repo, location);
    throw reported;
  } finally {
    idle.stop();
  }
}

/** An upload Location made absolute (registries may answer a path). */
function uploadUrl(transport: RegistryTransport, repo: Repository, location: string | null): string {
  if (!location) throw new PromotionError('protocol', `${repo.registry} opened a blob upload without saying where (no Location header)`);
  // Credentials go along only when it is on the registry's own origin (registryTransport.ts).
  return transport.url(repo, location).toString();
}

async function finishUpload(transport: RegistryTransport, res: Response, repo: Repository, digest: string): Promise<void> {
  if (res.status !== 201) await transport.expectOk(res, repo, `finish uploading the blob ${digest}`);
  await res.body?.cancel().catch(() => undefined);
  const stored = res.headers.get('docker-content-digest');
  if (stored && stored !== digest) throw new PromotionError('protocol', `${repo.registry} stored the blob ${digest} as ${stored}`);
}

/** Undefined when the upload is right so far; else the error that abandons it. */
/** `hasher` undefined: the source verified the bytes itself (BlobUploadOptions.verifiedSource). */
function checkUpload(repo: Repository, digest: string, size: number, total: number, hasher: Hash | undefined, complete: boolean): PromotionError | undefined {
  if (!complete || (size >= 0 && total !== size)) {
    return new PromotionError(
      'protocol',
      `the blob ${digest} for ${repositoryName(repo)} had ${total} bytes, not the ${size} announced; the upload was abandoned`,
    );
  }
  if (!hasher) return undefined;
  const got = hashed(hasher.copy(), digest);
  if (got !== digest) return new PromotionError('protocol', `the blob ${digest} for ${repositoryName(repo)} hashes to ${got}; the upload was abandoned`);
  return undefined;
}

/** Best effort: an abandoned upload session is the registry's to purge anyway. */
async function cancelUpload(transport: RegistryTransport, repo: Repository, location: string | null, signal?: AbortSignal): Promise<void> {
  if (!location) return;
  try {
    const res = await transport.request(repo, 'pull,push', 'DELETE', uploadUrl(transport, repo, location), { signal });
    await res.body?.cancel().catch(() => undefined);
  } catch {
    // ignore
  }
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}
