// runs: http — a version endpoint whose JSON answer holds the digest the service runs, read with the
// http gates' request (same-origin redirects, a time limit over the body, a capped body).
import { envVariables, expandPlaceholders } from '../config/placeholders';
import { lookupJsonPath, parseJsonPath } from '../config/jsonPath';
import type { RuntimeConfig } from '../config/types';
import { PromotionError } from '../core/errors';
import { sendHttpRequest } from '../gates/httpRequest';
import { parseRepoDigest } from './imageIds';
import type { RuntimeReader } from './runtime';

type HttpRuntime = Extract<RuntimeConfig, { kind: 'http' }>;

const DIGEST = /sha256:[0-9a-f]{64}/;

export function httpReader(config: HttpRuntime, env: NodeJS.ProcessEnv = process.env): RuntimeReader {
  const shown = config.url;
  return {
    where: shown,
    async read(signal) {
      const missing = [config.url, ...Object.values(config.headers)].flatMap(envVariables).filter((name) => !env[name]);
      if (missing.length) throw new PromotionError('config', `the environment variable ${missing[0]} (used by runs.http) is not set`);
      const expand = (text: string): string => expandPlaceholders(text, (p) => (p.kind === 'env' ? (env[p.variable] ?? '') : ''));
      const url = new URL(expand(config.url));
      const headers = Object.fromEntries(Object.entries({ Accept: 'application/json', ...config.headers }).map(([k, v]) => [k, expand(v)]));
      const outcome = await sendHttpRequest({
        url,
        method: 'GET',
        headers,
        timeoutMs: config.timeoutSeconds * 1000,
        expectStatus: [200],
        ...(signal ? { signal } : {}),
      });
      if (outcome.kind === 'no-answer') throw new PromotionError('timeout', `${url.host}: ${outcome.reason}`);
      if (outcome.redirectedTo)
        throw new PromotionError('protocol', `${url.host} redirected to ${outcome.redirectedTo}, another origin, which is not followed`);
      if (outcome.status !== 200) throw new PromotionError('protocol', `${url.host} answered ${outcome.status} ${outcome.statusText}`.trim());
      let body: unknown;
      try {
        body = JSON.parse(outcome.body);
      } catch {
        throw new PromotionError('protocol', `${url.host} did not answer JSON (${outcome.body.slice(0, 60).trim() || 'an empty body'})`);
      }
      const found = lookupJsonPath(body, parseJsonPath(config.jsonPath));
      if (!found.found) throw new PromotionError('protocol', `${url.host}'s answer has no ${found.missing} (runs.http.jsonPath ${config.jsonPath})`);
      const digest = digestIn(found.value);
      if (!digest)
        throw new PromotionError('protocol', `${url.host}'s ${config.jsonPath} is ${JSON.stringify(found.value)?.slice(0, 80)}, not a digest (sha256:…)`);
      return { where: url.origin + url.pathname, instances: [{ name: url.host, digests: [digest] }] };
    },
  };
}

/** `sha256:…`, `repo@sha256:…` or `docker-pullable://repo@sha256:…`. */
function digestIn(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return parseRepoDigest(value)?.digest ?? (DIGEST.test(value.trim()) && value.trim().length === 71 ? value.trim() : undefined);
}
