// How promotion.schema.json is compiled: the one place the ajv options live. Run from source (the
// tests), schemaValidator.ts compiles it here on first use. The bundles never run ajv's compiler:
// esbuild.mjs calls schemaValidatorSource() at build time and puts the generated code (ajv's
// standalone output, the same code ajv would build with `new Function`) in place of this module,
// so loading the extension or the CLI compiles nothing and carries no ajv core.
import Ajv, { type Options, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import schemaJson from './promotion.schema.json';

/** Keywords VS Code and Red Hat's YAML extension read for hovers, completion and messages. */
const EDITOR_KEYWORDS = [
  'markdownDescription',
  'defaultSnippets',
  'patternErrorMessage',
  'errorMessage',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'deprecationMessage',
  'doNotSuggest',
];

const OPTIONS: Options = {
  allErrors: true,
  verbose: true, // errors carry their data and schema, which schemaDiagnostics.ts's messages use
  discriminator: true, // one clear error for an unknown gate type instead of a oneOf cascade
  strict: true,
  strictTypes: true,
  strictTuples: true,
  strictRequired: true,
};

function newAjv(options: Options): Ajv {
  const ajv = new Ajv(options);
  ajv.addVocabulary(EDITOR_KEYWORDS);
  return ajv;
}

export function compileSchemaValidator(): ValidateFunction {
  return newAjv(OPTIONS).compile(schemaJson);
}

/**
 * The validator as a CommonJS module (`module.exports = validate`), for the bundles. It requires
 * `./promotion.schema.json` (resolve it beside this file) for the schema objects its verbose errors
 * point at, instead of a second copy of the schema, and ajv's small runtime helpers by package path.
 */
export function schemaValidatorSource(): string {
  const ajv = newAjv({ ...OPTIONS, code: { source: true } });
  let code = standaloneCode(ajv, ajv.compile(schemaJson));
  // ajv writes the schema and each definition it compiled separately as object literals. Found as text,
  // not with a RegExp of the whole literal: the schema outgrew V8's limit on a regular expression's size.
  const root = findLiteral(code, schemaJson);
  if (!root) throw new Error('ajv standalone code: the schema literal was not found');
  code = code.replace(root.text, () => `const ${root.name} = require("./promotion.schema.json");`);
  for (const [name, definition] of Object.entries((schemaJson as { definitions?: Record<string, unknown> }).definitions ?? {})) {
    const found = findLiteral(code, definition);
    if (found) code = code.replace(found.text, () => `const ${found.name} = ${root.name}.definitions[${JSON.stringify(name)}];`);
  }
  return code;
}

/** The first `const schemaN = <value as JSON>;` in `code`: its text and its name. */
function findLiteral(code: string, value: unknown): { text: string; name: string } | undefined {
  const tail = ` = ${JSON.stringify(value)};`;
  for (let at = code.indexOf(tail); at >= 0; at = code.indexOf(tail, at + 1)) {
    const head = /const (schema\d+)$/.exec(code.slice(Math.max(0, at - 40), at));
    if (head) return { text: head[0] + tail, name: head[1]! };
  }
  return undefined;
}
