// The write itself, in two steps so the target can be re-read between them: prepare (pull and tag,
// or copy blobs and child manifests) and commit (push, or PUT the tag). Both say what digest landed.
import { PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import { pullReference, repositoryName, shortDigest, type Repository } from '../core/reference';
import type { CredentialProvider } from '../credentials/credentials';
import type { ImageEngine } from '../engine/engine';
import type { BlobLocations } from '../registry/blobLocations';
import { describeExtras, prepareCopy, type CopiedExtra, type PreparedCopy } from '../registry/registryCopy';
import type { RegistryClient } from '../registry/registryClient';
import type { Transport } from './transport';

export interface TransferEnds {
  readonly sourceRepository: Repository;
  readonly digest: string;
  readonly targetRepository: Repository;
  readonly tag: string;
}

export interface Committed {
  readonly reportedDigest?: string;
  readonly note?: string;
}

export interface Transfer {
  readonly transport: Transport;
  /** Preparing is expected to need no registry and no time (the engine tags an image it holds). */
  readonly local: boolean;
  /** `remote`: it reached a registry or took long (a pull, a copy), so a re-read made beside it is stale. */
  prepare(signal?: AbortSignal): Promise<{ remote: boolean }>;
  /** Moves the tag. Returns the digest the writer reported (push stream aux line, or PUT header). */
  commit(signal?: AbortSignal): Promise<Committed>;
  /** What was written into the target before the tag (signatures, referrers), for a promotion that stops: "" when nothing. */
  writtenAlong(): string;
}

export function engineTransfer(
  ends: TransferEnds,
  deps: {
    engine: ImageEngine;
    credentials: CredentialProvider;
    log: Logger;
    progress: (m: string) => void;
    /** the gates saw it in the engine */ holdsImage?: boolean;
  },
): Transfer {
  const source = pullReference(ends.sourceRepository, ends.digest);
  const targetName = repositoryName(ends.targetRepository);
  // The push's credentials are looked up while preparing (a credential helper is a process to start),
  // so that the push starts as soon as the re-read answered.
  let pushAuth: ReturnType<CredentialProvider['get']> | undefined;
  return {
    transport: 'engine',
    local: deps.holdsImage === true,
    writtenAlong: () => '',
    async prepare(signal) {
      pushAuth = deps.credentials.get(ends.targetRepository.registry, signal);
      pushAuth.catch(() => undefined); // awaited by the push; not left unhandled if preparing fails first
      // Asked again: the image may have been removed while the confirmation was open.
      const present = await deps.engine.hasImage(source, signal);
      if (!present) {
        deps.progress(`Pulling ${shortDigest(ends.digest)}…`);
        deps.log.info(`engine: pull ${source}`);
        await deps.engine.pull(source, await deps.credentials.get(ends.sourceRepository.registry, signal), (line) => deps.log.debug(`pull: ${line}`), signal);
      } else {
        deps.log.info(`engine: ${source} is already present, no pull`);
      }
      deps.log.info(`engine: tag ${source} ${targetName}:${ends.tag}`);
      await deps.engine.tag(source, targetName, ends.tag, signal);
      return { remote: !present };
    },
    async commit(signal) {
      deps.progress(`Pushing ${ends.tag}…`);
      deps.log.info(`engine: push ${targetName}:${ends.tag}`);
      const pushed = await deps.engine.push(
        targetName,
        ends.tag,
        await (pushAuth ?? deps.credentials.get(ends.targetRepository.registry, signal)),
        (line) => deps.log.info(`push: ${line}`),
        signal,
      );
      return pushed.digest ? { reportedDigest: pushed.digest } : {};
    },
  };
}

export function registryTransfer(
  ends: TransferEnds,
  deps: { registry: RegistryClient; log: Logger; progress: (m: string) => void; blobLocations?: BlobLocations },
): Transfer {
  let prepared: PreparedCopy | undefined;
  const written: CopiedExtra[] = [];
  return {
    transport: 'registry',
    local: false,
    writtenAlong: () =>
      written.length
        ? `${describeExtras(written)} (${written.map((e) => e.tag ?? shortDigest(e.digest)).join(', ')}) ${written.length === 1 ? 'was' : 'were'} already written into ${repositoryName(ends.targetRepository)} and left there`
        : '',
    async prepare(signal) {
      deps.log.info(`registry: copy ${pullReference(ends.sourceRepository, ends.digest)} to ${repositoryName(ends.targetRepository)}:${ends.tag}`);
      prepared = await prepareCopy(
        { repository: ends.sourceRepository, digest: ends.digest },
        { repository: ends.targetRepository, tag: ends.tag },
        {
          registry: deps.registry,
          log: deps.log,
          ...(deps.blobLocations ? { blobLocations: deps.blobLocations } : {}),
          ...(signal ? { signal } : {}),
          onProgress: (p) => deps.progress(p.message),
          onWritten: (e) => written.push(e),
        },
      );
      const s = prepared.stats;
      deps.log.info(
        `registry: ${prepared.mode}: ${s.blobs} blobs (${s.mounted} mounted, ${s.uploaded} uploaded, ${s.skipped} already there), ${s.bytesUploaded} bytes`,
      );
      return { remote: true };
    },
    async commit(signal) {
      if (!prepared) throw new PromotionError('internal', 'registry copy committed before it was prepared');
      deps.progress(`Tagging ${ends.tag}…`);
      try {
        const result = await prepared.commit(signal);
        const extras = describeExtras(result.extras.filter((e) => e.status === 'copied'));
        return { reportedDigest: result.digest, ...(extras ? { note: `${extras} came along` } : {}) };
      } catch (error) {
        // The registry stored the tag under another digest: report what it said, the caller restores.
        if (error instanceof PromotionError && error.kind === 'verification') return { note: error.message };
        throw error;
      }
    },
  };
}
