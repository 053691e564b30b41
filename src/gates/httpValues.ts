// The values an http gate's placeholders stand for: promotion facts, the image's revision label and
// environment variables. Resolved once, before the first attempt; what is missing is a gate result.
import { componentNames, envVariables, expandPlaceholders, usesPlaceholder, type Placeholder } from '../config/placeholders';
import type { HttpGateConfig } from '../config/types';
import { isCancelled } from '../core/errors';
import { REVISION_LABEL } from '../images/imageDetails';
import { untilAborted } from './abortable';
import type { GateContext } from './gate';

export interface HttpValues {
  /** `text` with every placeholder replaced; `inUrl` percent-encodes promotion facts for a URL. */
  expand(text: string, inUrl?: boolean): string;
  /** `text` with promotion facts replaced and `${env:…}` left as written: safe to show and log. */
  shown(text: string): string;
  /** Values read from environment variables, to blank out of anything shown. */
  readonly secrets: readonly string[];
}

export type ResolvedValues =
  { readonly ok: true; readonly values: HttpValues } | { readonly ok: false; readonly status: 'failed' | 'error'; readonly reason: string };

export async function resolveHttpValues(gate: HttpGateConfig, ctx: GateContext, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedValues> {
  const fields = gateFields(gate);
  const released = new Map((ctx.components ?? []).map((c) => [c.name, c.digest]));
  for (const field of fields)
    for (const name of componentNames(field.text))
      if (!released.has(name))
        return {
          ok: false,
          status: 'failed',
          reason: ctx.components
            ? `\${digest:${name}} in ${field.where}: the release has no image named ${name} (its images: ${[...released.keys()].join(', ')})`
            : `\${digest:${name}} in ${field.where}: only a release (images:) names its images' digests; use \${digest}`,
        };
  let revision = '';
  const needsRevision = fields.filter((f) => usesPlaceholder(f.text, 'revision')).map((f) => f.where);
  if (needsRevision.length) {
    const uses = `\${revision} in ${needsRevision.join(', ')}`;
    if (!ctx.image) return { ok: false, status: 'error', reason: `the image's labels are not available here, and ${uses} needs its ${REVISION_LABEL} label` };
    try {
      const details = await untilAborted(ctx.image(), ctx.signal);
      revision = details.revision ?? details.labels[REVISION_LABEL] ?? '';
    } catch (error) {
      if (isCancelled(error)) throw error;
      return { ok: false, status: 'error', reason: `cannot read the image's labels, which ${uses} needs: ${(error as Error).message}` };
    }
    if (!revision) {
      return {
        ok: false,
        status: 'failed',
        reason: `the image has no ${REVISION_LABEL} label, which ${uses} needs; build it with --label ${REVISION_LABEL}=<commit SHA>`,
      };
    }
  }

  const variables = new Map<string, string>();
  for (const field of fields) {
    for (const name of envVariables(field.text)) {
      const value = env[name];
      if (!value)
        return {
          ok: false,
          status: 'failed',
          reason: `the environment variable ${name} (used in ${field.where}) is not set or empty; set it where VS Code is started from, restart VS Code, then promote again`,
        };
      variables.set(name, value);
    }
  }

  const facts: Record<string, string> = { digest: ctx.sourceDigest, revision, environment: ctx.target.name, tag: ctx.target.tag };
  const fact = (p: Exclude<Placeholder, { kind: 'env' }>, inUrl: boolean): string => {
    const value = (p.kind === 'component' ? released.get(p.name) : facts[p.name]) ?? '';
    return inUrl ? encodeUrlPart(value) : value;
  };
  return {
    ok: true,
    values: {
      expand: (text, inUrl = false) => expandPlaceholders(text, (p) => (p.kind === 'env' ? (variables.get(p.variable) ?? '') : fact(p, inUrl))),
      shown: (text) => expandPlaceholders(text, (p) => (p.kind === 'env' ? `\${env:${p.variable}}` : fact(p, false))),
      secrets: [...variables.values()],
    },
  };
}

/** The gate's fields that may hold placeholders, with how messages name them. */
function gateFields(gate: HttpGateConfig): { where: string; text: string }[] {
  const fields = [{ where: 'url', text: gate.url }, ...Object.entries(gate.headers).map(([name, text]) => ({ where: `headers.${name}`, text }))];
  if (gate.body && 'contains' in gate.body) fields.push({ where: 'body.contains', text: gate.body.contains });
  if (gate.body && 'equals' in gate.body) fields.push({ where: 'body.equals', text: gate.body.equals });
  return fields;
}

/** A digest, tag or name as one URL path segment or query value (`:` and `@` may stay as they are). */
function encodeUrlPart(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%40/g, '@');
}
