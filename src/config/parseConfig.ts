// Parses `.promotion.yaml`: YAML syntax, then the JSON Schema, then the checks a schema cannot express,
// each problem as a diagnostic on the exact key or value it concerns; then the config with defaults filled.
import { isScalar, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { ReferenceError, isValidTag, parseRepository, repositoryName, sameRepository, type Repository } from '../core/reference';
import { GATE_KINDS, isGateType, type ConfigFiles, type Reporter } from './gates';
import { schemaProblems } from './schemaDiagnostics';
import {
  DEFAULT_BUILD_LIMIT,
  DEFAULT_TAG_PATTERN,
  type ConfigDiagnostic,
  type EnvironmentConfig,
  type GateConfig,
  type ParsedConfig,
  type PromotionConfig,
} from './types';
import { checkAuto } from './autoConfig';
import { checkComponentPlaceholders } from './componentPlaceholders';
import { checkRuntime, normaliseRuntime, type RawRuntime } from './runtimeConfig';
import { checkVerify, normaliseVerify, type RawVerify } from './verifyConfig';
import { checkWebhooks, normaliseWebhooks, type RawWebhook } from './webhooks';
import { compileWorkspacePattern, type WorkspacePattern } from './workspacePattern';
import { formatPath, YamlSource, type PathSegment, type Target } from './yamlSource';

const MAX_TAG_LENGTH = 128;
/** A config lists an image and a few environments; beyond this, parsing would only cost time and memory. */
export const MAX_CONFIG_BYTES = 32 * 1024;
/** Enough to show every problem of a real config; a generated one with thousands gets a last line saying so. */
const MAX_DIAGNOSTICS = 100;

/** C0 and C1 controls (escape sequences, bells, NUL): never part of a name a person reads and types. */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

const EMPTY_MESSAGE =
  'the promotion config is empty: it needs "image" (the image repository, such as registry.example.com/team/myapp) ' +
  'and "environments" (the environments in promotion order, each with a name and a tag)';

/** Parses and validates the text of a promotion config; `files` reads the key files it names (absent: they are checked when used). Never throws. */
export function parsePromotionConfig(text: string, files?: ConfigFiles): ParsedConfig {
  // Characters, not bytes: a bound on the work, checked before the YAML parser sees the text.
  if (text.length > MAX_CONFIG_BYTES) {
    const range = { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 };
    return {
      diagnostics: [
        {
          severity: 'error',
          range,
          message: `the config is ${text.length} characters long; a promotion config may be at most ${MAX_CONFIG_BYTES} (it lists an image and a few environments)`,
        },
      ],
    };
  }
  try {
    // YAML and editors take a lone CR as a line break, the yaml library's line counter does not:
    // as LF (same length, so offsets hold) the positions are the ones the editor shows.
    return parseText(text.replace(/\r(?!\n)/g, '\n'), files);
  } catch (error) {
    // A document the parser or a check cannot handle (nesting deep enough to exhaust the stack, say)
    // is still only a bad config: say so where the editor can show it.
    const range = { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 };
    const reason = error instanceof RangeError ? 'it is nested too deeply' : error instanceof Error ? error.message : String(error);
    return { diagnostics: [{ severity: 'error', range, message: `the config cannot be read: ${reason}` }] };
  }
}

function parseText(text: string, files: ConfigFiles | undefined): ParsedConfig {
  const deep = tooDeep(text);
  if (deep !== undefined) {
    const before = text.slice(0, deep);
    const line = before.split('\n').length - 1;
    const column = deep - (before.lastIndexOf('\n') + 1);
    const range = { startLine: line, startColumn: column, endLine: line, endColumn: column + 1 };
    return {
      diagnostics: [
        { severity: 'error', range, message: `the config nests "[" and "{" more than ${MAX_FLOW_DEPTH} levels deep here; a promotion config needs a few` },
      ],
    };
  }
  // yaml's own duplicate-key check compares each key with every earlier one (quadratic: 100,000 keys
  // took minutes); duplicateKeys below does it with a set.
  const doc = parseDocument(text, { prettyErrors: false, merge: true, uniqueKeys: false });
  const source = new YamlSource(doc, text);
  const diagnostics = new Diagnostics(source);

  duplicateKeys(doc, diagnostics, source);
  for (const error of doc.errors) diagnostics.yaml('error', error);
  for (const warning of doc.warnings) diagnostics.yaml('warning', warning);
  // The structure of a document with syntax errors is a guess; checking it would mostly add noise.
  if (doc.errors.length || diagnostics.hasErrors) return { diagnostics: diagnostics.sorted() };

  if (isEmpty(doc)) {
    diagnostics.at('error', source.fromOffsets(0, 0), EMPTY_MESSAGE);
    return { diagnostics: diagnostics.sorted() };
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    diagnostics.at('error', source.fromOffsets(0, 0), `the config cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    return { diagnostics: diagnostics.sorted() };
  }

  for (const problem of schemaProblems(value, source)) diagnostics.error(problem.path, problem.target, problem.message);
  // These run even when the schema found problems, so that one save shows every problem; they look at
  // the type of everything they use, and leave wrong types to the schema's messages.
  checkSemantics(value, diagnostics, source, files);

  if (diagnostics.hasErrors) return { diagnostics: diagnostics.sorted() };
  return { config: normalise(value as RawConfig), diagnostics: diagnostics.sorted() };
}

// ---- the shape the schema guarantees ------------------------------------------------------------

interface RawConfig {
  /** Exactly one of `image` and `images` (checkImages). */
  readonly image?: string;
  readonly images?: readonly { readonly name: string; readonly image: string }[];
  readonly builds?: { readonly tagPattern?: string; readonly limit?: number };
  readonly environments: readonly RawEnvironment[];
  readonly notify?: readonly RawWebhook[];
  readonly promotionKeys?: readonly string[];
}

interface RawEnvironment extends RawVerify, RawRuntime {
  readonly name: string;
  readonly tag: string;
  readonly image?: string;
  readonly protected?: boolean;
  readonly auto?: boolean;
  readonly gates?: readonly (Record<string, unknown> & { readonly type: GateConfig['type'] })[];
  readonly notify?: readonly RawWebhook[];
}

function normalise(raw: RawConfig): PromotionConfig {
  const components = raw.images?.map((c) => ({ name: c.name, image: c.image, repository: parseRepository(c.image) }));
  // A release's environments and default repository are its first image's (config/components.ts).
  const image = raw.image ?? raw.images![0]!.image;
  const repository = parseRepository(image);
  const environments = raw.environments.map((env): EnvironmentConfig => {
    const notify = normaliseWebhooks(env.notify);
    return {
      name: env.name,
      tag: env.tag,
      image: env.image ?? image,
      repository: env.image === undefined ? repository : parseRepository(env.image),
      protected: env.protected ?? false,
      ...(env.auto ? { auto: true } : {}),
      gates: (env.gates ?? []).map((gate) => GATE_KINDS[gate.type].normalise(gate)),
      ...normaliseVerify(env),
      ...normaliseRuntime(env),
      ...(notify ? { notify } : {}),
    };
  });
  const notify = normaliseWebhooks(raw.notify);
  return {
    ...(notify ? { notify } : {}),
    image,
    repository,
    ...(components ? { components } : {}),
    builds: {
      tagPattern: compiledPattern(raw.builds?.tagPattern ?? DEFAULT_TAG_PATTERN),
      limit: raw.builds?.limit ?? DEFAULT_BUILD_LIMIT,
    },
    environments,
    ...(raw.promotionKeys ? { promotionKeys: raw.promotionKeys } : {}),
  };
}

// ---- checks a schema cannot express -------------------------------------------------------------

function checkSemantics(value: unknown, report: Diagnostics, source: YamlSource, files: ConfigFiles | undefined): void {
  if (!isRecord(value)) return;
  const images = checkImages(value, report, source);
  checkComponentPlaceholders(value, report);
  const defaultRepository = images.release ? images.first : checkRepository(value.image, ['image'], report);
  const tagPattern = checkTagPattern(value.builds, report);
  const environments = Array.isArray(value.environments) ? value.environments : [];
  checkWebhooks(value.notify, ['notify'], report);

  const names = new Map<string, number>();
  const targets: { index: number; repository: Repository; tag: string }[] = [];
  environments.forEach((env: unknown, index) => {
    if (!isRecord(env)) return;
    const at = ['environments', index];
    const label = environmentLabel(environments, index);

    const control = typeof env.name === 'string' ? CONTROL_CHARACTER.exec(env.name) : null;
    if (control) {
      const namePath = [...at, 'name'];
      const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      report.error(
        namePath,
        'value',
        `${formatPath(namePath)}: the name holds the control character ${code}; names are shown in the views and typed to confirm, so use visible characters`,
      );
    }
    if (typeof env.name === 'string' && env.name) {
      const key = env.name.toLowerCase();
      const first = names.get(key);
      if (first === undefined) {
        names.set(key, index);
      } else {
        const other = environments[first] as { name: string };
        const namePath = [...at, 'name'];
        const sameCase = other.name === env.name ? '' : ` (names are compared ignoring case: "${other.name}")`;
        report.error(
          namePath,
          'value',
          `${formatPath(namePath)}: environment name "${env.name}" is already used by environments[${first}] on line ${source.lineOf(['environments', first, 'name'])}${sameCase}; names must be unique`,
        );
      }
    }

    const tagPath = [...at, 'tag'];
    const tag = typeof env.tag === 'string' && env.tag ? env.tag : undefined;
    const tagValid = tag !== undefined && checkTag(tag, tagPath, report);
    if (images.release && env.image !== undefined) {
      report.error(
        [...at, 'image'],
        'key',
        `${formatPath([...at, 'image'])}: with "images:" every environment is the same tag in each image's repository; an environment cannot name its own image (remove it, or list that repository under "images")`,
      );
    }
    const repository = env.image === undefined || images.release ? defaultRepository : checkRepository(env.image, [...at, 'image'], report);

    if (tagValid && repository) {
      const clash = targets.find((t) => t.tag === tag && sameRepository(t.repository, repository));
      if (clash) {
        report.error(
          tagPath,
          'value',
          `${formatPath(tagPath)}: ${label} uses ${repositoryName(repository)}:${tag}, as ${environmentLabel(environments, clash.index)} ` +
            `on line ${source.lineOf(['environments', clash.index, 'tag'])} does; each environment needs its own tag or image`,
        );
      } else {
        targets.push({ index, repository, tag });
      }
    }
    if (tagValid && tagPattern?.test(tag)) {
      report.warning(
        tagPath,
        'value',
        `${formatPath(tagPath)}: the tag "${tag}" matches builds.tagPattern (${tagPattern.source}), so it would also be listed as a build; choose another tag or a narrower tagPattern`,
      );
    }

    checkWebhooks(env.notify, [...at, 'notify'], report);
    if (Array.isArray(env.gates)) {
      const scope = { environmentIndex: index, ...(files ? { files } : {}) };
      env.gates.forEach((gate: unknown, g) => {
        if (isRecord(gate) && isGateType(gate.type)) GATE_KINDS[gate.type].check?.(gate, [...at, 'gates', g], report, scope);
      });
    }
    checkVerify(env, at, report, { environmentIndex: index });
    checkRuntime(env, at, report);
    checkAuto(env, at, report, { environmentIndex: index });
  });
}

/**
 * `image:` or `images:`, exactly one; the images' names unique (they name the components in views and
 * records) and their repositories distinct. Returns whether it is a release and its first repository.
 */
function checkImages(value: Record<string, unknown>, report: Reporter, source: YamlSource): { release: boolean; first?: Repository } {
  const list = value.images;
  if (list === undefined) {
    if (value.image === undefined)
      report.error(
        [],
        'head',
        'missing required property "image" (the image repository, such as registry.example.com/team/myapp), or "images" (a list of name and image, for a release of several images)',
      );
    return { release: false };
  }
  if (value.image !== undefined)
    report.error(
      ['images'],
      'key',
      `images: the config has both "image" (line ${source.lineOf(['image'])}) and "images"; keep "image" for one image, or move it into "images" for a release`,
    );
  if (!Array.isArray(list)) return { release: true };
  if (list.length === 0) {
    report.error(['images'], 'value', 'images: the list is empty; list each image of the release with its name and image, or use "image" for one');
    return { release: true };
  }
  const names = new Map<string, number>();
  const repositories: { index: number; repository: Repository }[] = [];
  let first: Repository | undefined;
  list.forEach((item: unknown, index) => {
    if (!isRecord(item)) return;
    const at = ['images', index];
    if (typeof item.name === 'string' && item.name) {
      const seen = names.get(item.name.toLowerCase());
      if (seen === undefined) names.set(item.name.toLowerCase(), index);
      else
        report.error(
          [...at, 'name'],
          'value',
          `${formatPath([...at, 'name'])}: the name "${item.name}" is already used by images[${seen}] on line ${source.lineOf(['images', seen, 'name'])}; each image of a release needs its own name`,
        );
    }
    const repository = checkRepository(item.image, [...at, 'image'], report);
    if (!repository) return;
    if (index === 0) first = repository;
    const clash = repositories.find((r) => sameRepository(r.repository, repository));
    if (clash)
      report.error(
        [...at, 'image'],
        'value',
        `${formatPath([...at, 'image'])}: ${repositoryName(repository)} is already images[${clash.index}] on line ${source.lineOf(['images', clash.index, 'image'])}; each image of a release is its own repository`,
      );
    else repositories.push({ index, repository });
  });
  return { release: true, ...(first ? { first } : {}) };
}

function checkRepository(value: unknown, path: readonly PathSegment[], report: Reporter): Repository | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  try {
    return parseRepository(value);
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    report.error(path, 'value', `${formatPath(path)}: ${error.message}`);
    return undefined;
  }
}

function checkTag(tag: string, path: readonly PathSegment[], report: Reporter): boolean {
  if (isValidTag(tag)) return true;
  const shown = tag.length > 40 ? `${tag.slice(0, 40)}…` : tag;
  report.error(path, 'value', `${formatPath(path)}: "${shown}" is not a valid tag: ${tagProblem(tag)}`);
  return false;
}

/** Why the OCI tag grammar (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) rejects a tag. */
function tagProblem(tag: string): string {
  const rule = `a tag is up to ${MAX_TAG_LENGTH} letters, digits, "_", "." and "-", not starting with "." or "-"`;
  const bad = /[^\w.-]/.exec(tag);
  if (bad) return `it contains ${JSON.stringify(bad[0])}; ${rule}`;
  if (tag.startsWith('.') || tag.startsWith('-')) return `it starts with "${tag[0]}"; ${rule}`;
  if (tag.length > MAX_TAG_LENGTH) return `it is ${tag.length} characters long; ${rule}`;
  return rule;
}

/** The compiled `builds.tagPattern` (or the default); undefined when there is no usable pattern. */
function checkTagPattern(builds: unknown, report: Reporter): WorkspacePattern | undefined {
  if (builds === undefined) return compiledPattern(DEFAULT_TAG_PATTERN);
  if (!isRecord(builds)) return undefined;
  const pattern = builds.tagPattern;
  if (pattern === undefined) return compiledPattern(DEFAULT_TAG_PATTERN);
  if (typeof pattern !== 'string' || !pattern) return undefined;
  const result = compileWorkspacePattern(pattern);
  if (result.ok) return result.pattern;
  const path = ['builds', 'tagPattern'];
  report.error(path, 'value', `${formatPath(path)}: not a usable regular expression: ${result.problem}`);
  return undefined;
}

/** Only called on a pattern checkTagPattern accepted. */
function compiledPattern(source: string): WorkspacePattern {
  const result = compileWorkspacePattern(source);
  if (!result.ok) throw new Error(`builds.tagPattern was accepted but does not compile: ${result.problem}`);
  return result.pattern;
}

function environmentLabel(environments: readonly unknown[], index: number): string {
  const env = environments[index];
  const name = isRecord(env) && typeof env.name === 'string' ? env.name : undefined;
  return name ? `environments[${index}] (${name})` : `environments[${index}]`;
}

// ---- diagnostics ----------------------------------------------------------------------------------

class Diagnostics implements Reporter {
  private readonly list: ConfigDiagnostic[] = [];
  private readonly seen = new Set<string>();
  private dropped = 0;

  constructor(private readonly source: YamlSource) {}

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }

  error(path: readonly PathSegment[], target: Target, message: string): void {
    this.at('error', this.source.range(path, target), message);
  }

  warning(path: readonly PathSegment[], target: Target, message: string): void {
    this.at('warning', this.source.range(path, target), message);
  }

  yaml(severity: ConfigDiagnostic['severity'], problem: YAMLError): void {
    const [start, end] = problem.pos;
    const message =
      problem.code === 'MULTIPLE_DOCS'
        ? 'the config must be a single YAML document: remove the "---" line and what follows it'
        : /call stack/i.test(problem.message)
          ? 'the config is nested too deeply here; a promotion config needs a few levels'
          : problem.message;
    this.at(severity, this.source.fromOffsets(start, end), message);
  }

  at(severity: ConfigDiagnostic['severity'], range: ConfigDiagnostic['range'], message: string): void {
    if (this.list.length >= MAX_DIAGNOSTICS) {
      this.dropped++;
      return;
    }
    const id = `${severity}\0${range.startLine}:${range.startColumn}\0${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.list.push({ severity, message, range });
  }

  /** In document order (the sort is stable, so problems at one place keep the order they were found in). */
  sorted(): ConfigDiagnostic[] {
    const list = [...this.list].sort((a, b) => a.range.startLine - b.range.startLine || a.range.startColumn - b.range.startColumn);
    if (this.dropped) {
      const range = list[list.length - 1]!.range;
      list.push({ severity: 'error', range, message: `${this.dropped} more problem(s) not shown; fix the ones above first` });
    }
    return list;
  }
}

/** Deeper flow nesting than any config needs; the YAML parser's recursion would cost seconds first. */
const MAX_FLOW_DEPTH = 64;

/**
 * Offset of the first "[" or "{" past MAX_FLOW_DEPTH, outside quotes and comments. Brackets inside
 * plain scalars (a tagPattern) count too, which only matters at a depth no config has.
 */
function tooDeep(text: string): number | undefined {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s[{,:]/.test(text[i - 1]!)) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? text.length : newline;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_FLOW_DEPTH) return i;
    } else if (c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** Every key that repeats an earlier scalar key of the same map, reported on the whole repeated key. */
function duplicateKeys(doc: Document, report: Diagnostics, source: YamlSource): void {
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || typeof pair.key.value === 'symbol') continue; // `<<` merges may repeat
        const name = String(pair.key.value);
        if (!seen.has(name)) seen.add(name);
        else if (pair.key.range)
          report.at('error', source.fromOffsets(pair.key.range[0], pair.key.range[1]), `duplicate key ${JSON.stringify(name)}: keys in a map must be unique`);
      }
    },
  });
}

function isEmpty(doc: Document): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
