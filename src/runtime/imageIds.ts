// The digest a runtime names an image by. Kubernetes' status.imageID comes in several forms, by runtime:
//   docker-pullable://registry/app@sha256:…   (dockershim, cri-dockerd)
//   docker.io/library/nginx@sha256:…          (containerd, CRI-O)
//   docker://sha256:…  or  sha256:…           (an image id: the config's digest, not a manifest's)
// Only a `repository@digest` names a manifest a registry holds; an image id does not.
import { isSha256Digest, parseRepository, sameRepository, type Repository } from '../core/reference';

export interface RepoDigest {
  readonly repository: string;
  readonly digest: string;
}

/** `repository@sha256:…` (any scheme prefix dropped), or undefined for an image id or anything else. */
export function parseRepoDigest(text: string): RepoDigest | undefined {
  const value = text.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const at = value.lastIndexOf('@');
  if (at <= 0) return undefined;
  const digest = value.slice(at + 1);
  if (!isSha256Digest(digest)) return undefined;
  return { repository: value.slice(0, at), digest };
}

/** Whether `name` (as a runtime writes it: `nginx`, `docker.io/library/nginx`) is `repository`. */
export function isRepository(name: string, repository: Repository): boolean {
  try {
    return sameRepository(parseRepository(withoutTagOrDigest(name)), repository);
  } catch {
    return false;
  }
}

/** `registry:5000/app:staging` → `registry:5000/app`; `app@sha256:…` → `app`. */
export function withoutTagOrDigest(name: string): string {
  const bare = name
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/@.*$/, '');
  const colon = bare.lastIndexOf(':');
  return colon > bare.lastIndexOf('/') ? bare.slice(0, colon) : bare;
}
