// The body check of an http gate: contains, regex, or the value at a JSON path equal to a text.
import { lookupJsonPath, parseJsonPath } from '../config/jsonPath';
import type { HttpBodyCheck } from '../config/types';
import { compileWorkspacePattern } from '../config/workspacePattern';
import { MAX_BODY_BYTES } from './httpRequest';

export type BodyVerdict = { readonly ok: true; readonly says: string } | { readonly ok: false; readonly says: string };

/** `expand` turns placeholders in `contains` and `equals` into their values. */
export function checkBody(check: HttpBodyCheck, body: string, truncated: boolean, expand: (text: string) => string): BodyVerdict {
  if ('contains' in check) {
    const wanted = expand(check.contains);
    return body.includes(wanted)
      ? { ok: true, says: `the body contains ${quote(wanted)}` }
      : { ok: false, says: `the body does not contain ${quote(wanted)}${cut(truncated)}` };
  }
  if ('regex' in check) {
    const compiled = compileWorkspacePattern(check.regex);
    if (!compiled.ok) return { ok: false, says: `the body regex /${check.regex}/ cannot be used: ${compiled.problem}` };
    return compiled.pattern.test(body)
      ? { ok: true, says: `the body matches /${check.regex}/` }
      : { ok: false, says: `the body does not match /${check.regex}/${cut(truncated)}` };
  }
  const wanted = expand(check.equals);
  if (truncated) return { ok: false, says: `the body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB, too large to read as JSON` };
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return { ok: false, says: `the body is not JSON, so ${check.jsonPath} cannot be read` };
  }
  const found = lookupJsonPath(document, parseJsonPath(check.jsonPath));
  if (!found.found) return { ok: false, says: `the JSON body has no ${found.missing}` };
  const value = found.value;
  if (value === null || typeof value === 'object')
    return {
      ok: false,
      says: `${check.jsonPath} is ${value === null ? 'null' : Array.isArray(value) ? 'a list' : 'an object'}, not a value to compare with ${quote(wanted)}`,
    };
  const actual = typeof value === 'string' ? value : JSON.stringify(value);
  return actual === wanted
    ? { ok: true, says: `${check.jsonPath} is ${quote(actual)}` }
    : { ok: false, says: `${check.jsonPath} is ${quote(actual)}, expected ${quote(wanted)}` };
}

/** The start of a body on one line, for a report: whitespace collapsed, `secrets` blanked out. */
export function bodyExcerpt(body: string, secrets: readonly string[], length = 160): string {
  let text = body.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join('***');
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function cut(truncated: boolean): string {
  return truncated ? ` (only the first ${MAX_BODY_BYTES / 1024 / 1024} MiB were read)` : '';
}
