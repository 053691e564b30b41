// Where a registry lives and where its credentials may go. `Authorization` is sent only to the
// registry's own origin (scheme, host and port) and to a token realm that passed validateRealm:
// never to an upload Location, a redirect or a realm elsewhere. Modelled on go-containerregistry's
// transport (schemer.go: the registry's scheme applies to its own host only; bearer.go:
// validateRealmURL).
import { isIP } from 'node:net';
import { PromotionError } from '../../core/errors';
import { isLoopbackRegistry, registryApiHost } from '../../core/reference';

export interface RegistryEndpoint {
  /** As written in image references: `host[:port]`. */
  readonly registry: string;
  /** `https://host[:port]` (or http for a loopback or insecure registry). */
  readonly origin: string;
  /** Plain http is allowed: loopback, or listed in imagePromotion.insecureRegistries. */
  readonly insecure: boolean;
}

/** `speaksTls`: a loopback or listed registry that showed it answers https only; it is held to https from then on. */
export function registryEndpoint(registry: string, insecureRegistries: readonly string[], speaksTls = false): RegistryEndpoint {
  const insecure = !speaksTls && (isLoopbackRegistry(registry) || insecureRegistries.includes(registry));
  return { registry, origin: new URL(`${insecure ? 'http' : 'https'}://${registryApiHost(registry)}`).origin, insecure };
}

/**
 * An absolute URL for a path, or for a Location the registry answered (relative or not). A URL on
 * the registry's own host keeps the registry's scheme and port (a TLS proxy that writes
 * `http://registry/…` into Locations still means the registry); any other origin stays as it is.
 */
export function registryUrl(endpoint: RegistryEndpoint, location: string): URL {
  const base = new URL(endpoint.origin);
  const url = new URL(location, `${endpoint.origin}/`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PromotionError('protocol', `${endpoint.registry} pointed to ${url.protocol} URL, not http(s)`);
  }
  if (url.hostname === base.hostname && (url.port === '' || url.port === base.port || url.port === defaultPort(base.protocol))) {
    url.protocol = base.protocol;
    url.port = base.port;
  }
  return url;
}

export function isRegistryOrigin(endpoint: RegistryEndpoint, url: URL): boolean {
  return url.origin === endpoint.origin;
}

/** The port a URL of this protocol goes to when it names none. */
export function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** undici gives IPv6 hosts without brackets; URL keeps them. */
export function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Where a connection goes, written one way whoever asks (a URL, undici's connector): host unbracketed and lower case, the port a default stands for. */
export interface ConnectionTarget {
  readonly hostname: string;
  readonly port: string;
}

export function connectionTarget(protocol: string, hostname: string, port: string | number | null | undefined): ConnectionTarget {
  return { hostname: unbracketed(hostname).toLowerCase(), port: port ? String(port) : defaultPort(protocol) };
}

/**
 * The last two labels of a host name (`auth.docker.io` → `docker.io`): a token service on a sibling
 * host of the registry is the registry's own (Docker Hub, GitLab); one on another domain is not. IP
 * addresses stand for themselves.
 */
export function trustDomain(hostname: string): string {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (isIP(host)) return host;
  const labels = host.split('.');
  return labels.length < 2 ? host : labels.slice(-2).join('.');
}

/**
 * The token realm a registry's challenge named, if credentials may be sent there: https (plain http
 * only for a loopback or insecure registry), and the registry's own host or trust domain. Else a
 * PromotionError('protocol'): nothing is sent to it.
 */
export function validateRealm(endpoint: RegistryEndpoint, realm: string): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new PromotionError('protocol', `registry ${endpoint.registry} named a token service that is not a URL ("${realm.slice(0, 200)}")`);
  }
  const where = `${url.protocol}//${url.host}`;
  if (url.protocol === 'http:' && !endpoint.insecure) {
    throw new PromotionError(
      'protocol',
      `registry ${endpoint.registry} asked for credentials to be sent over plain http to ${where}; refused`,
      'A token service must use https. If this registry is reached over plain http on purpose, list it in imagePromotion.insecureRegistries.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PromotionError('protocol', `registry ${endpoint.registry} named a token service at ${where}, which is not http(s)`);
  }
  const registryHost = new URL(endpoint.origin).hostname;
  if (url.hostname !== registryHost && trustDomain(url.hostname) !== trustDomain(registryHost)) {
    throw new PromotionError(
      'protocol',
      `registry ${endpoint.registry} asked for credentials to be sent to a token service on another host (${where}); refused`,
      'A registry or proxy that names a foreign token service could collect your credentials. Check the registry address.',
    );
  }
  return url;
}

/** For logs: no query (upload URLs carry registry state), never credentials. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return String(url).replace(/\?.*$/, '');
  }
}
