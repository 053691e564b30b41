// Image references as the Docker distribution grammar defines them
// (github.com/distribution/reference): name[:tag][@digest], with Docker Hub defaults.

export const DOCKER_HUB = 'docker.io';
/** The key the Docker CLI stores Docker Hub credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const MAX_NAME_LENGTH = 255;

/** A repository: where images live, without tag or digest. */
export interface Repository {
  /** Registry host as written, `docker.io` for Docker Hub (`host[:port]`). */
  readonly registry: string;
  /** Path inside the registry, `library/` added for official Docker Hub images. */
  readonly path: string;
}

export interface ImageReference extends Repository {
  readonly tag?: string;
  readonly digest?: string;
}

export class ReferenceError extends Error {
  override readonly name = 'ReferenceError';
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

export function isSha256Digest(value: string): boolean {
  return SHA256.test(value);
}

/** `sha256:` followed by the first 12 hex characters: what the tree shows. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 12) : digest.slice(0, colon + 1 + 12);
}

/** What a tag holds, for messages: its short digest, or "nothing" for an empty (or unknown) tag. */
export function heldDigest(digest: string | null | undefined): string {
  return digest ? shortDigest(digest) : 'nothing';
}

/** Parses `[registry/]path[:tag][@digest]`. Throws ReferenceError saying what is wrong. */
export function parseReference(text: string): ImageReference {
  const input = text.trim();
  if (!input) throw new ReferenceError('an image reference is empty');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw new ReferenceError(`"${digest}" is not a digest (expected algorithm:hex, e.g. sha256:<64 hex>)`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag))
      throw new ReferenceError(`"${tag}" is not a valid tag (up to 128 of letters, digits, "_", "." and "-", not starting with "." or "-")`);
  }
  const repo = parseRepository(rest);
  return { ...repo, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Parses a repository without tag or digest. Throws ReferenceError saying what is wrong. */
export function parseRepository(text: string): Repository {
  const input = text.trim();
  if (!input) throw new ReferenceError('an image repository is empty');
  if (input.includes('@')) throw new ReferenceError(`"${input}" has a digest; give the repository alone`);
  const parts = input.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    registry = first;
    parts.shift();
    if (!DOMAIN.test(registry)) throw new ReferenceError(`"${registry}" is not a valid registry host`);
    // Docker Hub's legacy name, normalised as distribution/reference does, so both spellings are one repository.
    if (registry === 'index.docker.io') registry = DOCKER_HUB;
  }
  const last = parts[parts.length - 1] ?? '';
  if (parts.length >= 1 && /:[\w][\w.-]*$/.test(last)) {
    throw new ReferenceError(`"${input}" has a tag; give the repository alone (environments set their own tags)`);
  }
  for (const part of parts) {
    if (!PATH_COMPONENT.test(part)) {
      throw new ReferenceError(
        `"${part}" in "${input}" is not a valid repository path component (lowercase letters, digits, separated by ".", "_", "__" or "-")`,
      );
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const path = parts.join('/');
  if (registry.length + 1 + path.length > MAX_NAME_LENGTH) throw new ReferenceError(`"${input}" is longer than ${MAX_NAME_LENGTH} characters`);
  return { registry, path };
}

/** `registry/path`, the name the Docker CLI and engine use. */
export function repositoryName(repo: Repository): string {
  return `${repo.registry}/${repo.path}`;
}

export function formatReference(ref: ImageReference): string {
  let out = repositoryName(ref);
  if (ref.tag) out += `:${ref.tag}`;
  if (ref.digest) out += `@${ref.digest}`;
  return out;
}

/** `registry/path@digest`: the immutable pull reference. */
export function pullReference(repo: Repository, digest: string): string {
  return `${repositoryName(repo)}@${digest}`;
}

export function sameRepository(a: Repository, b: Repository): boolean {
  return a.registry === b.registry && a.path === b.path;
}

/** The host the registry API answers on (Docker Hub's API is not on docker.io). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

/** `host[:port]` as image references write a registry (what a person types at sign-in is checked with it). */
export function isRegistryHost(text: string): boolean {
  return DOMAIN.test(text);
}

/** Registries the Docker engine talks to over plain HTTP by default: loopback only. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0];
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host ?? '');
}
