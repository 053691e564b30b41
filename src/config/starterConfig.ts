// The `.promotion.yaml` the Create Promotion Config command writes, and the image it guesses from compose files.
import { parseDocument } from 'yaml';
import { parseReference, parseRepository, repositoryName } from '../core/reference';
import { DEFAULT_BUILD_LIMIT, DEFAULT_TAG_PATTERN } from './types';

/** Shown when nothing better is known; a comment next to it tells the user to change it. */
export const PLACEHOLDER_IMAGE = 'registry.example.com/team/myapp';

/** The compose files worth reading for a guess (a glob for a workspace file search). */
export const COMPOSE_FILE_GLOB = '{docker-compose*.yml,docker-compose*.yaml,compose*.yml,compose*.yaml}';

export function isComposeFileName(name: string): boolean {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  return /^(?:docker-compose|compose)[^/\\]*\.ya?ml$/i.test(base);
}

/**
 * The distinct repositories (`services.*.image` without tag or digest) of compose files, in order of
 * appearance. Images that use `${VAR}` interpolation, invalid references and unreadable files are skipped.
 */
export function guessImagesFromCompose(files: readonly { readonly name: string; readonly text: string }[]): string[] {
  const seen = new Set<string>();
  const images: string[] = [];
  for (const file of files) {
    for (const image of serviceImages(file.text)) {
      const repository = repositoryOf(image);
      if (repository === undefined) continue;
      const key = repositoryName(parseRepository(repository));
      if (seen.has(key)) continue;
      seen.add(key);
      images.push(repository);
    }
  }
  return images;
}

/** The text of a starter config: valid as it is, with comments that explain each part. */
export function starterConfig(image: string | undefined): string {
  const repository = image === undefined ? undefined : repositoryOf(image);
  const imageLines =
    repository === undefined
      ? [`image: ${PLACEHOLDER_IMAGE}  # TODO: change this to your image repository`]
      : ['# Guessed from your compose file: check that this is where your builds are pushed.', `image: ${plainOrQuoted(repository)}`];
  return [
    '# Image promotion: an image is built once, tagged with its commit, and promoted from environment to',
    "# environment by pointing each environment's tag at the same digest. Nothing is rebuilt.",
    '',
    '# The repository builds are pushed to: registry/namespace/name, without a tag.',
    ...imageLines,
    '',
    '# Which tags are builds (immutable tags, usually the commit SHA), and how many the Builds view lists.',
    'builds:',
    `  tagPattern: ${singleQuoted(DEFAULT_TAG_PATTERN)}`,
    `  limit: ${DEFAULT_BUILD_LIMIT}`,
    '',
    '# The environments, in promotion order. A build is promoted into the first one; each later one',
    '# receives the digest of the one before it, once its own gates pass, by moving its tag to that digest.',
    'environments:',
    '  - name: development',
    '    tag: dev',
    '',
    '  - name: staging',
    '    tag: staging',
    '    # A command gate runs a program from this workspace, without a shell, and passes when it exits',
    '    # with 0. Gates run only in a trusted workspace.',
    '    # gates:',
    '    #   - type: command',
    '    #     name: smoke test',
    '    #     run: ["./scripts/smoke-test.sh", "--quick"]',
    '    #     timeoutSeconds: 300',
    '',
    '  - name: production',
    '    tag: production',
    '    # Promoting into a protected environment asks you to type its name.',
    '    protected: true',
    '    # An environment can live in another repository or registry; the digest is kept:',
    '    # image: prod-registry.example.com/team/myapp',
    '',
  ].join('\n');
}

/** `services.*.image` strings, in the order the services appear. */
function serviceImages(text: string): string[] {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length) return [];
  let value: unknown;
  try {
    // Maps keep the order the services were written in, whatever their names.
    value = doc.toJS({ mapAsMap: true, maxAliasCount: 100 });
  } catch {
    return [];
  }
  const services = value instanceof Map ? value.get('services') : undefined;
  if (!(services instanceof Map)) return [];
  const images: string[] = [];
  for (const service of services.values()) {
    const image = service instanceof Map ? service.get('image') : undefined;
    if (typeof image === 'string') images.push(image);
  }
  return images;
}

/** The repository of a reference as written (`registry.example.com/app:1.2` → `registry.example.com/app`). */
function repositoryOf(image: string): string | undefined {
  const text = image.trim();
  if (!text || text.includes('$')) return undefined; // compose interpolation: unknown until run
  try {
    parseReference(text);
  } catch {
    return undefined;
  }
  let rest = text;
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) rest = rest.slice(0, colon);
  return rest;
}

function plainOrQuoted(value: string): string {
  return /^[A-Za-z0-9][\w./:-]*$/.test(value) ? value : singleQuoted(value);
}

function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
