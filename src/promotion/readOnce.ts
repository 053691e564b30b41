// One promotion reads each fact once: a wrapper around the RegistryClient that remembers, for the
// life of one promotion, what it read from the source repository (manifests, config blobs,
// referrers, signature tags), so the gates, the confirmation and the copy share one read. Tags of
// the target are never remembered: the re-read before the write and the verification must be fresh.
import { repositoryName, type Repository } from '../core/reference';
import type { Manifest, ManifestDescriptor, RegistryClient } from '../registry/registryClient';

export function readOnce(
  registry: RegistryClient,
  source: Repository,
  target: { repository: Repository; tag: string },
): RegistryClient & { remember(manifest: Manifest): void } {
  const sourceName = repositoryName(source);
  const cache = new Map<string, Promise<unknown>>();
  const isDigest = (ref: string): boolean => /^[a-z0-9]+:[a-f0-9]+$/.test(ref);
  // Only the source repository, and never the target's own tag (in a same-repository promotion it is there too).
  const cacheable = (repo: Repository, ref: string): boolean =>
    repositoryName(repo) === sourceName && (isDigest(ref) || !(repositoryName(target.repository) === sourceName && ref === target.tag));
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let pending = cache.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = read();
      pending.catch(() => cache.delete(key)); // a failed read is tried again
      cache.set(key, pending);
    }
    return pending;
  };
  const forget = (repo: Repository, ref: string): void => {
    for (const kind of ['manifest', 'head']) cache.delete(`${kind} ${repositoryName(repo)} ${ref}`);
  };
  return {
    remember(manifest: Manifest): void {
      cache.set(`manifest ${sourceName} ${manifest.digest}`, Promise.resolve(manifest));
      cache.set(
        `head ${sourceName} ${manifest.digest}`,
        Promise.resolve<ManifestDescriptor>({ digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.size }),
      );
    },
    resolve: (repo, ref, signal) => {
      if (!(repositoryName(repo) === sourceName && isDigest(ref))) return registry.resolve(repo, ref, signal);
      const known = cache.get(`manifest ${sourceName} ${ref}`) as Promise<Manifest | undefined> | undefined;
      if (known) return known.then((m) => (m ? { digest: m.digest, mediaType: m.mediaType, size: m.size } : undefined));
      return once(`head ${sourceName} ${ref}`, () => registry.resolve(repo, ref, signal));
    },
    getManifest: (repo, ref, signal) =>
      cacheable(repo, ref)
        ? once(`manifest ${repositoryName(repo)} ${ref}`, () => registry.getManifest(repo, ref, signal))
        : registry.getManifest(repo, ref, signal),
    getBlob: (repo, digest, signal) =>
      repositoryName(repo) === sourceName
        ? once(`blob ${sourceName} ${digest}`, () => registry.getBlob(repo, digest, signal))
        : registry.getBlob(repo, digest, signal),
    listReferrers: (repo, digest, signal) =>
      repositoryName(repo) === sourceName
        ? once(`referrers ${sourceName} ${digest}`, () => registry.listReferrers(repo, digest, signal))
        : registry.listReferrers(repo, digest, signal),
    listTags: (repo, signal) => registry.listTags(repo, signal),
    putManifest: (repo, ref, manifest, signal) => {
      forget(repo, ref);
      return registry.putManifest(repo, ref, manifest, signal);
    },
    writeManifest: (repo, ref, manifest, signal) => {
      forget(repo, ref);
      return registry.writeManifest(repo, ref, manifest, signal);
    },
    deleteManifest: (repo, digest, signal) => {
      forget(repo, digest);
      return registry.deleteManifest(repo, digest, signal);
    },
    blobExists: (repo, digest, signal) => registry.blobExists(repo, digest, signal),
    mountBlob: (repo, digest, from, signal) => registry.mountBlob(repo, digest, from, signal),
    openBlob: (repo, digest, signal) => registry.openBlob(repo, digest, signal),
    uploadBlob: (repo, digest, size, stream, options) => registry.uploadBlob(repo, digest, size, stream, options),
  };
}
