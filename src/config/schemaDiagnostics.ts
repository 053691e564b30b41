// Validates the parsed config against promotion.schema.json and says what is wrong in plain words.
// The wording comes from the schema itself (titles, examples, property lists, gate types), so adding
// a property or a gate type to the schema needs no change here.
import type { ErrorObject } from 'ajv';
import schemaJson from './promotion.schema.json';
import { schemaValidator } from './schemaValidator';
import { didYouMean } from './suggest';
import { formatPath, pointerToPath, type PathSegment, type Target, type YamlSource } from './yamlSource';

export interface SchemaProblem {
  readonly path: readonly PathSegment[];
  readonly target: Target;
  readonly message: string;
}

type SchemaNode = { readonly [keyword: string]: unknown };

export const promotionSchema = schemaJson as unknown as SchemaNode;

/** The gate `type`s the schema knows, in schema order. */
export function gateTypes(): string[] {
  return discriminatorValues(deref(asNode(asNode(promotionSchema.definitions)?.gate)));
}

export function schemaProblems(value: unknown, source: YamlSource): SchemaProblem[] {
  const validate = schemaValidator();
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const alternatives = errors.filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && !e.parentSchema?.discriminator);
  // When the value has the type of exactly one form (a list where a number or a list is allowed), that
  // form's own errors say more than "expected a number or a list"; the other forms' type errors are noise.
  const byForm = alternatives.filter((a) => formsOfItsType(a) === 1 && errors.some((e) => isFormDetail(e, a)));
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // propertyNames reports once for the key and once for the pattern inside it; keep the first.
    if (error.propertyName !== undefined) continue;
    if (byForm.includes(error)) continue;
    // A oneOf/anyOf without discriminator: one message for the value instead of one per alternative.
    if (alternatives.some((a) => a !== error && isWithin(error.instancePath, a.instancePath) && !(byForm.includes(a) && isFormDetail(error, a)))) continue;
    const problem = describeError(error, source);
    const id = `${JSON.stringify(problem.path)}\0${problem.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      problems.push(problem);
    }
  }
  return problems;
}

function describeError(error: ErrorObject, source: YamlSource): SchemaProblem {
  const path = pointerToPath(error.instancePath);
  const at = path.length ? `${formatPath(path)}: ` : '';
  const schema = error.parentSchema ?? {};
  const params = error.params as Record<string, unknown>;
  const found = () => describeFound(error.data, source.sourceOf(source.locate(path).node));
  switch (error.keyword) {
    case 'type': {
      if (!path.length) {
        const keys = Object.keys(asNode(schema.properties) ?? {}).join(', ');
        return { path, target: 'value', message: `the config must be a map with ${keys} at the top level, found ${found()}` };
      }
      return { path, target: 'value', message: `${at}expected ${expected(schema)}, found ${found()}${quoteHint(schema, error.data, source, path)}` };
    }
    case 'required': {
      const name = String(params.missingProperty);
      const property = deref(asNode(asNode(schema.properties)?.[name]));
      const what = property ? (titled(property) ?? expected(property)) : undefined;
      return { path, target: 'head', message: `${at}missing required property "${name}"${what ? ` (${what})` : ''}` };
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(asNode(schema.properties) ?? {});
      const present = new Set(Object.keys(isRecord(error.data) ? error.data : {}));
      const suggestion = didYouMean(
        name,
        known.filter((k) => !present.has(k)),
      );
      const where = !path.length
        ? 'at the top level'
        : typeof path[path.length - 1] === 'number' && typeof schema.title === 'string'
          ? `in ${withArticle(lower(schema.title))} (${formatPath(path)})`
          : `in ${formatPath(path)}`;
      const prefixes = Object.keys(asNode(schema.patternProperties) ?? {})
        .map((pattern) => /^\^([\w-]+)$/.exec(pattern)?.[1])
        .filter((prefix): prefix is string => prefix !== undefined)
        .map((prefix) => `, or a key starting with "${prefix}"`)
        .join('');
      const hint = suggestion ? `; did you mean "${suggestion}"?` : known.length ? `; expected one of ${known.join(', ')}${prefixes}` : '';
      return { path: [...path, name], target: 'key', message: `unknown property "${name}" ${where}${hint}` };
    }
    case 'discriminator': {
      const tag = String(params.tag);
      const values = discriminatorValues(schema);
      const kind = typeof schema.title === 'string' ? `${lower(schema.title)} ${tag}` : tag;
      if (params.error === 'mapping') {
        const value = String(params.tagValue);
        const suggestion = didYouMean(value, values);
        return {
          path: [...path, tag],
          target: 'value',
          message: `${formatPath([...path, tag])}: unknown ${kind} "${value}"; expected one of ${values.join(', ')}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        };
      }
      if (params.tagValue === undefined) {
        return { path, target: 'head', message: `${at}missing required property "${tag}" (the ${kind}: one of ${values.join(', ')})` };
      }
      const tagPath = [...path, tag];
      return {
        path: tagPath,
        target: 'value',
        message: `${formatPath(tagPath)}: expected one of ${values.join(', ')}, found ${describeFound(params.tagValue, source.sourceOf(source.locate(tagPath).node))}`,
      };
    }
    case 'minItems': {
      const limit = Number(params.limit);
      const items = deref(asNode(schema.items));
      const noun = items ? itemNoun(items) : 'item';
      return { path, target: 'value', message: `${at}expected at least ${limit === 1 ? 'one' : limit} ${limit === 1 ? noun : plural(noun)}, found ${found()}` };
    }
    case 'minLength':
      return { path, target: 'value', message: `${at}expected a non-empty string${titled(schema) ? ` (${titled(schema)})` : ''}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'greater than', '<': 'less than' };
      const comparison = words[String(params.comparison)] ?? String(params.comparison);
      return { path, target: 'value', message: `${at}expected ${bareType(schema.type)} ${comparison} ${String(params.limit)}, found ${found()}` };
    }
    case 'pattern': {
      const explanation =
        typeof schema.patternErrorMessage === 'string' ? lowerFirst(schema.patternErrorMessage) : `expected a string matching ${String(params.pattern)}`;
      return { path, target: 'value', message: `${at}${explanation}` };
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      const names = asNode(schema.propertyNames);
      const explanation = typeof names?.patternErrorMessage === 'string' ? `: ${lowerFirst(names.patternErrorMessage)}` : '';
      return { path: [...path, name], target: 'key', message: `${at}"${name}" is not a valid name here${explanation}` };
    }
    case 'const':
    case 'enum': {
      const allowed = error.keyword === 'const' ? [params.allowedValue] : Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return { path, target: 'value', message: `${at}expected ${allowed.map((v) => JSON.stringify(v)).join(' or ')}, found ${found()}` };
    }
    case 'oneOf':
    case 'anyOf': {
      const forms = alternativeForms(schema);
      if (forms) return { path, target: 'value', message: `${at}expected ${forms}, found ${found()}` };
      return { path, target: 'value', message: `${at}expected ${expected(schema)}, found ${found()}, which matches none of its forms` };
    }
    default:
      return { path, target: 'value', message: `${at}${error.message ?? `fails ${error.keyword}`}` };
  }
}

/** What a schema expects, in words: `a string (an image tag such as "staging")`, `a list of environments`. */
function expected(schema: SchemaNode): string {
  if (schema.discriminator && Array.isArray(schema.oneOf)) {
    const tag = String(asNode(schema.discriminator)?.propertyName);
    const head = typeof schema.title === 'string' ? `${withArticle(lower(schema.title))}: ` : '';
    return `${head}a map whose ${tag} is one of ${discriminatorValues(schema).join(', ')}`;
  }
  if ('const' in schema) return JSON.stringify(schema.const);
  switch (schema.type) {
    case 'object': {
      const keys = Object.keys(asNode(schema.properties) ?? {});
      const values = deref(asNode(schema.additionalProperties));
      const shape = keys.length ? `a map with ${keys.join(', ')}` : values ? `a map from names to ${plural(itemNoun(values))}` : 'a map';
      return typeof schema.title === 'string' && keys.length ? `${withArticle(lower(schema.title))}: ${shape}` : shape;
    }
    case 'array': {
      const items = deref(asNode(schema.items));
      const list = `a list of ${items ? plural(itemNoun(items)) : 'values'}`;
      return titled(schema) && !(items && typeof items.title === 'string') ? `${list} (${titled(schema)})` : list;
    }
    case 'boolean':
      return 'true or false';
    default: {
      const what = titled(schema);
      return `${bareType(schema.type)}${what ? ` (${what})` : ''}`;
    }
  }
}

/** `a whole number (a status code such as 200) or a list of status codes`: the forms of a oneOf/anyOf without a discriminator. */
function alternativeForms(schema: SchemaNode): string | undefined {
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (!Array.isArray(alternatives) || !alternatives.length) return undefined;
  const forms = alternatives.map((alternative) => deref(asNode(alternative)));
  if (forms.some((form) => !form || form.type === undefined)) return undefined;
  return forms.map((form) => expected(form!)).join(' or ');
}

/** `an image tag such as "staging"`, from the schema's title and first example. */
function titled(schema: SchemaNode): string | undefined {
  if (typeof schema.title !== 'string') return undefined;
  const example = Array.isArray(schema.examples) ? formatExample(schema.examples[0]) : undefined;
  return `${withArticle(lower(schema.title))}${example ? ` such as ${example}` : ''}`;
}

function itemNoun(items: SchemaNode): string {
  if (typeof items.title === 'string') return lower(items.title);
  return bareType(items.type).replace(/^an? /, '');
}

function bareType(type: unknown): string {
  const words: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a map',
    null: 'nothing',
  };
  if (Array.isArray(type)) return type.map(bareType).join(' or ');
  return words[String(type)] ?? 'a value';
}

function formatExample(example: unknown): string | undefined {
  let text: string | undefined;
  if (typeof example === 'string' || typeof example === 'number' || typeof example === 'boolean') text = JSON.stringify(example);
  else if (Array.isArray(example) && example.every((e) => typeof e !== 'object' || e === null)) text = `[${example.map((e) => JSON.stringify(e)).join(', ')}]`;
  return text !== undefined && text.length <= 60 ? text : undefined;
}

/** How the value that is there reads: `the string "x"`, `the number 1.0`, `a map`, `nothing`. */
export function describeFound(data: unknown, written: string | undefined): string {
  if (data === null || data === undefined) return 'nothing';
  if (typeof data === 'string') return `the string ${JSON.stringify(data.length > 40 ? `${data.slice(0, 40)}…` : data)}`;
  if (typeof data === 'number') return `the number ${written?.trim() || String(data)}`;
  if (typeof data === 'boolean') return written?.trim() || String(data);
  if (Array.isArray(data)) return data.length ? 'a list' : 'an empty list';
  return 'a map';
}

/** YAML reads `1.0`, `2024` and `true` as numbers and booleans; a string field wants them quoted. */
function quoteHint(schema: SchemaNode, data: unknown, source: YamlSource, path: readonly PathSegment[]): string {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (!types.includes('string') || (typeof data !== 'number' && typeof data !== 'boolean')) return '';
  const written = source.sourceOf(source.locate(path).node)?.trim() || String(data);
  return `; put it in quotes ("${written}") so YAML reads it as a string`;
}

function discriminatorValues(schema: SchemaNode | undefined): string[] {
  const tag = String(asNode(schema?.discriminator)?.propertyName ?? 'type');
  const variants = Array.isArray(schema?.oneOf) ? schema.oneOf : [];
  const values: string[] = [];
  for (const variant of variants) {
    const property = asNode(asNode(deref(asNode(variant))?.properties)?.[tag]);
    if (typeof property?.const === 'string') values.push(property.const);
    else if (Array.isArray(property?.enum)) values.push(...property.enum.filter((v): v is string => typeof v === 'string'));
  }
  return values;
}

/** Follows a local `$ref` (`#/definitions/x`). */
function deref(schema: SchemaNode | undefined): SchemaNode | undefined {
  let current = schema;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 16; hops++) {
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) return current;
    let target: unknown = promotionSchema;
    for (const part of ref.slice(2).split('/')) target = asNode(target)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    current = asNode(target);
  }
  return current;
}

function asNode(value: unknown): SchemaNode | undefined {
  return isRecord(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How many forms of a failed oneOf/anyOf accept the type of the value it failed on. */
function formsOfItsType(error: ErrorObject): number {
  const forms = (error.parentSchema?.[error.keyword] ?? []) as unknown[];
  const type = jsonType(error.data);
  return forms.filter((form) => {
    const accepted = deref(asNode(form))?.type;
    return accepted === type || (accepted === 'number' && type === 'integer');
  }).length;
}

/** An error of the form that accepts the value's type, rather than another form's type mismatch. */
function isFormDetail(error: ErrorObject, alternative: ErrorObject): boolean {
  if (error === alternative || !isWithin(error.instancePath, alternative.instancePath)) return false;
  return error.instancePath !== alternative.instancePath || error.keyword !== 'type';
}

function jsonType(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  if (typeof data === 'number') return Number.isInteger(data) ? 'integer' : 'number';
  return typeof data;
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

function plural(noun: string): string {
  return noun.endsWith('s') ? noun : `${noun}s`;
}

function lower(title: string): string {
  return title.toLowerCase();
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1).replace(/\.$/, '');
}
