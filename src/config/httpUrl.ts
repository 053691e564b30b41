// The URL rules http gates and webhooks share: written in full, http:// or https://, and no user name or
// password in clear (the config is committed). Each caller adds its own rules on the URL returned.
import type { Reporter } from './gates';
import { formatPath, type PathSegment } from './yamlSource';

/** The URL when it passes the shared rules (problems reported at `where`); `expanded` has its placeholders filled with stand-ins. */
export function checkedHttpUrl(written: string, expanded: string, where: readonly PathSegment[], report: Reporter, example: string): URL | undefined {
  let parsed: URL;
  try {
    parsed = new URL(expanded);
  } catch {
    report.error(where, 'value', `${formatPath(where)}: "${written}" is not a URL; write it in full, such as ${example}`);
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    report.error(where, 'value', `${formatPath(where)}: the URL must start with http:// or https://, not ${parsed.protocol}//`);
    return undefined;
  }
  if (parsed.username || parsed.password) {
    report.error(
      where,
      'value',
      `${formatPath(where)}: the URL holds a user name or password in clear; remove it and send an Authorization header with "\${env:NAME}" instead`,
    );
    return undefined;
  }
  return parsed;
}
