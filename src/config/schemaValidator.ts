// The validator of promotion.schema.json, made once on first use (validation runs on every save).
// From source it is compiled by ajv (schemaCompiler.ts); in the bundles esbuild.mjs has replaced
// schemaCompiler.ts by the same validator generated at build time.
import type { ValidateFunction } from 'ajv';
import { compileSchemaValidator } from './schemaCompiler';

let validate: ValidateFunction | undefined;

export function schemaValidator(): ValidateFunction {
  return (validate ??= compileSchemaValidator());
}
