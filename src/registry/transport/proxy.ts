// Which proxy, if any, a registry request goes through. In order: the front end's own proxy (VS Code's
// `http.proxy`, with `http.noProxy` and `http.proxyStrictSSL`), else the environment as the Docker
// CLI and undici read it: `HTTPS_PROXY` for https registries (falling back to `HTTP_PROXY`),
// `HTTP_PROXY` for plain-http ones, `NO_PROXY` for hosts that are reached directly. A proxy URL may
// carry credentials (`http://user:pass@proxy:3128`): they go to the proxy only, and every text
// shows the URL redacted.
import { PromotionError } from '../../core/errors';

export interface ProxySetting {
  /** The front end's proxy URL; empty or absent: the environment decides. */
  readonly url?: string;
  /** Hosts reached directly, with `url` (VS Code's `http.noProxy`). */
  readonly noProxy?: readonly string[];
  /** false: an https:// proxy's own certificate is not checked (`http.proxyStrictSSL`). Registries' certificates always are. */
  readonly strictSSL?: boolean;
  /** Where `url` and `noProxy` came from, for messages (`the http.proxy setting`, `http.noProxy`). */
  readonly source?: string;
  readonly noProxySource?: string;
}

export interface ProxyRoute {
  readonly proxy: URL;
  /** `the http.proxy setting`, `HTTPS_PROXY`, … */
  readonly source: string;
  readonly strictSSL: boolean;
  /** The proxy URL without its credentials, for logs and messages. */
  readonly display: string;
  /** Where a host is listed to be reached directly (`http.noProxy`, `NO_PROXY`). */
  readonly bypass: string;
}

export type ProxyRules = (target: URL) => ProxyRoute | undefined;

const HINT = 'Fix the proxy URL (http://host:port or https://host:port), or clear it to connect directly.';

/** The rules for one setting and one environment; throws a readable error for a proxy URL that is not one. */
export function proxyRules(setting: ProxySetting | undefined, env: NodeJS.ProcessEnv = process.env): ProxyRules {
  const configured = setting?.url?.trim();
  if (configured) {
    const route = toRoute(configured, setting?.source ?? 'the proxy setting', setting?.strictSSL !== false, setting?.noProxySource ?? 'the no-proxy setting');
    const noProxy = (setting?.noProxy ?? []).flatMap(splitNoProxy);
    return (target) => (bypasses(target, noProxy) ? undefined : route);
  }
  const pick = (...names: string[]): { value: string; name: string } | undefined => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return { value, name };
    }
    return undefined;
  };
  const https = pick('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy');
  const http = pick('HTTP_PROXY', 'http_proxy');
  const noProxy = splitNoProxy(pick('NO_PROXY', 'no_proxy')?.value ?? '');
  const httpsRoute = https ? toRoute(https.value, https.name, true, 'NO_PROXY') : undefined;
  const httpRoute = http ? toRoute(http.value, http.name, true, 'NO_PROXY') : undefined;
  return (target) => {
    const route = target.protocol === 'https:' ? httpsRoute : httpRoute;
    return route && !bypasses(target, noProxy) ? route : undefined;
  };
}

/** `http://user:secret@proxy:3128/` → `http://proxy:3128` (credentials never shown). */
export function redactProxyUrl(url: string): string {
  try {
    const parsed = new URL(withScheme(url));
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    // Not a URL: drop anything that looks like credentials before an @.
    return url.replace(/^([a-z]+:\/\/)?[^@/]*@/i, '$1');
  }
}

function toRoute(raw: string, source: string, strictSSL: boolean, bypass: string): ProxyRoute {
  let proxy: URL;
  try {
    proxy = new URL(withScheme(raw));
  } catch {
    throw new PromotionError('config', `${source} is not a proxy URL: "${redactProxyUrl(raw)}"`, HINT);
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:')
    throw new PromotionError(
      'config',
      `${source} names a ${proxy.protocol.replace(/:$/, '')} proxy (${redactProxyUrl(raw)}); only http and https proxies are supported`,
      HINT,
    );
  if (!proxy.hostname) throw new PromotionError('config', `${source} names no proxy host: "${redactProxyUrl(raw)}"`, HINT);
  return { proxy, source, strictSSL, display: `${proxy.protocol}//${proxy.host}`, bypass };
}

/** `proxy:3128` is taken as `http://proxy:3128`, as curl and Go do. */
function withScheme(raw: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
}

interface NoProxyEntry {
  readonly host: string;
  readonly port?: string;
}

/** `a.example, .b.example:5000 *.c.example` → entries; `*` alone matches every host. */
function splitNoProxy(value: string): NoProxyEntry[] {
  return value
    .split(/[\s,]+/)
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)
    .map((entry) => {
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
      if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: bracketed[2] } : {}) };
      const withPort = /^([^:]+):(\d+)$/.exec(entry);
      return withPort ? { host: withPort[1]!, port: withPort[2]! } : { host: entry };
    });
}

/**
 * Whether a host is reached directly: `*`; the host itself; or any host under a domain (`example.com`,
 * `.example.com` and `*.example.com` all match `registry.example.com`, as curl and Go read them). A
 * port in the entry must match too.
 */
function bypasses(target: URL, entries: readonly NoProxyEntry[]): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return entries.some((entry) => {
    if (entry.host === '*') return true;
    if (entry.port && entry.port !== port) return false;
    const domain = entry.host.replace(/^\*?\./, '');
    return host === domain || host.endsWith(`.${domain}`);
  });
}
