// Parses `.promotion.yaml`: YAML syntax, then the JSON Schema, then the checks a schema cannot express,
// each problem as a diagnostic on the exact key or value it concerns; then the config with defaults filled.
import { LineCounter, isScalar, parseDocument, type Document, type YAMLError } from 'yaml';
import { ReferenceError, isValidTag, parseRepository, repositoryName, sameRepository, type Repository } from '../core/reference';
import { GATE_KINDS, isGateType, type Reporter } from './gates';
import { regexProblem } from './regexProblem';
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
import { formatPath, YamlSource, type PathSegment, type Target } from './yamlSource';

const MAX_TAG_LENGTH = 128;

const EMPTY_MESSAGE =
  'the promotion config is empty: it needs "image" (the image repository, such as registry.example.com/team/myapp) ' +
  'and "environments" (the environments in promotion order, each with a name and a tag)';

/** Parses and validates the text of a promotion config. Never throws. */
export function parsePromotionConfig(text: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const source = new YamlSource(doc, lineCounter, text);
  const diagnostics = new Diagnostics(source);

  for (const error of doc.errors) diagnostics.yaml('error', error, text);
  for (const warning of doc.warnings) diagnostics.yaml('warning', warning, text);
  // The structure of a document with syntax errors is a guess; checking it would mostly add noise.
  if (doc.errors.length) return { diagnostics: diagnostics.sorted() };

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
  checkSemantics(value, diagnostics, source);

  if (diagnostics.hasErrors) return { diagnostics: diagnostics.sorted() };
  return { config: normalise(value as RawConfig), diagnostics: diagnostics.sorted() };
}

// ---- the shape the schema guarantees ------------------------------------------------------------

interface RawConfig {
  readonly image: string;
  readonly builds?: { readonly tagPattern?: string; readonly limit?: number };
  readonly environments: readonly RawEnvironment[];
}

interface RawEnvironment {
  readonly name: string;
  readonly tag: string;
  readonly image?: string;
  readonly protected?: boolean;
  readonly gates?: readonly (Record<string, unknown> & { readonly type: GateConfig['type'] })[];
}

function normalise(raw: RawConfig): PromotionConfig {
  const repository = parseRepository(raw.image);
  const environments = raw.environments.map(
    (env): EnvironmentConfig => ({
      name: env.name,
      tag: env.tag,
      image: env.image ?? raw.image,
      repository: env.image === undefined ? repository : parseRepository(env.image),
      protected: env.protected ?? false,
      gates: (env.gates ?? []).map((gate) => GATE_KINDS[gate.type].normalise(gate)),
    }),
  );
  return {
    image: raw.image,
    repository,
    builds: {
      tagPattern: new RegExp(raw.builds?.tagPattern ?? DEFAULT_TAG_PATTERN),
      limit: raw.builds?.limit ?? DEFAULT_BUILD_LIMIT,
    },
    environments,
  };
}

// ---- checks a schema cannot express -------------------------------------------------------------

function checkSemantics(value: unknown, report: Diagnostics, source: YamlSource): void {
  if (!isRecord(value)) return;
  const defaultRepository = checkRepository(value.image, ['image'], report);
  const tagPattern = checkTagPattern(value.builds, report);
  const environments = Array.isArray(value.environments) ? value.environments : [];

  const names = new Map<string, number>();
  const targets: { index: number; repository: Repository; tag: string }[] = [];
  environments.forEach((env: unknown, index) => {
    if (!isRecord(env)) return;
    const at = ['environments', index];
    const label = environmentLabel(environments, index);

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
    const repository = env.image === undefined ? defaultRepository : checkRepository(env.image, [...at, 'image'], report);

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

    if (Array.isArray(env.gates)) {
      const scope = { environmentIndex: index };
      env.gates.forEach((gate: unknown, g) => {
        if (isRecord(gate) && isGateType(gate.type)) GATE_KINDS[gate.type].check?.(gate, [...at, 'gates', g], report, scope);
      });
    }
  });
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
function checkTagPattern(builds: unknown, report: Reporter): RegExp | undefined {
  if (builds === undefined) return new RegExp(DEFAULT_TAG_PATTERN);
  if (!isRecord(builds)) return undefined;
  const pattern = builds.tagPattern;
  if (pattern === undefined) return new RegExp(DEFAULT_TAG_PATTERN);
  if (typeof pattern !== 'string' || !pattern) return undefined;
  const reason = regexProblem(pattern);
  if (reason === undefined) return new RegExp(pattern);
  const path = ['builds', 'tagPattern'];
  report.error(path, 'value', `${formatPath(path)}: not a valid JavaScript regular expression: ${reason}`);
  return undefined;
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

  yaml(severity: ConfigDiagnostic['severity'], problem: YAMLError, text: string): void {
    let [start, end] = problem.pos;
    // yaml marks the first character of a duplicate key; the whole key reads better.
    const key = problem.code === 'DUPLICATE_KEY' ? /^(?:"[^"\n]*"|'[^'\n]*'|[^\s:#][^:\n#]*?)(?=\s*:(?:\s|$))/.exec(text.slice(start)) : null;
    if (key) end = start + key[0].length;
    const message =
      problem.code === 'DUPLICATE_KEY'
        ? `duplicate key ${JSON.stringify(key ? key[0].replace(/^(["'])(.*)\1$/, '$2') : text.slice(start, end))}: keys in a map must be unique`
        : problem.code === 'MULTIPLE_DOCS'
          ? 'the config must be a single YAML document: remove the "---" line and what follows it'
          : problem.message;
    this.at(severity, this.source.fromOffsets(start, end), message);
  }

  at(severity: ConfigDiagnostic['severity'], range: ConfigDiagnostic['range'], message: string): void {
    const id = `${severity}\0${range.startLine}:${range.startColumn}\0${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.list.push({ severity, message, range });
  }

  /** In document order (the sort is stable, so problems at one place keep the order they were found in). */
  sorted(): ConfigDiagnostic[] {
    return [...this.list].sort((a, b) => a.range.startLine - b.range.startLine || a.range.startColumn - b.range.startColumn);
  }
}

function isEmpty(doc: Document): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
