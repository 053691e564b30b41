// `${digest:<name>}` where http gates, verify gates and the deploy webhook take placeholders: each
// name must be an image of the release (`images:`); a single-image config has only `${digest}`.
import { componentNames } from './placeholders';
import type { Reporter } from './gates';
import { formatPath, type PathSegment } from './yamlSource';

export function checkComponentPlaceholders(value: Record<string, unknown>, report: Reporter): void {
  const images = Array.isArray(value.images) ? value.images.flatMap((i: unknown) => (isRecord(i) && typeof i.name === 'string' ? [i.name] : [])) : undefined;
  const environments = Array.isArray(value.environments) ? value.environments : [];
  environments.forEach((env: unknown, index) => {
    if (!isRecord(env)) return;
    const at: PathSegment[] = ['environments', index];
    for (const key of ['gates', 'verify'] as const) {
      const list = env[key];
      if (!Array.isArray(list)) continue;
      list.forEach((gate: unknown, g) => {
        if (isRecord(gate) && gate.type === 'http') checkTexts(gate, [...at, key, g], images, report);
      });
    }
    const deploy = env.deploy;
    if (isRecord(deploy) && isRecord(deploy.webhook)) checkTexts(deploy.webhook, [...at, 'deploy', 'webhook'], images, report);
  });
}

/** The fields that take placeholders: url, header values, body.contains and body.equals. */
function checkTexts(request: Record<string, unknown>, at: PathSegment[], images: readonly string[] | undefined, report: Reporter): void {
  const texts: { path: PathSegment[]; text: unknown }[] = [{ path: [...at, 'url'], text: request.url }];
  if (isRecord(request.headers)) for (const [name, text] of Object.entries(request.headers)) texts.push({ path: [...at, 'headers', name], text });
  if (isRecord(request.body)) for (const field of ['contains', 'equals']) texts.push({ path: [...at, 'body', field], text: request.body[field] });
  for (const { path, text } of texts) {
    if (typeof text !== 'string') continue;
    for (const name of componentNames(text)) {
      if (images?.includes(name)) continue;
      report.error(
        path,
        'value',
        images
          ? `${formatPath(path)}: \${digest:${name}} names no image of the release; its images are ${images.join(', ')}`
          : `${formatPath(path)}: \${digest:${name}} reads an image of a release (images:); this config has one image, whose digest is \${digest}`,
      );
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
