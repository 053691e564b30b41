// A small JSONPath subset for http gates: `$.a.b[0]`, `$.items[2].version`, `$['key.with.dots']`.
// No wildcards, filters or slices: a path names exactly one value.

export type JsonPathStep = string | number;

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

/** The steps of a path; throws JsonPathError saying where the path goes wrong. */
export function parseJsonPath(path: string): JsonPathStep[] {
  if (!path.startsWith('$')) throw new JsonPathError(`a JSON path starts with "$" (the whole body), such as $.version or $.build.commit`);
  const steps: JsonPathStep[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    const dotted = /^\.([A-Za-z_$][\w$-]*)/.exec(rest);
    const index = /^\[(0|[1-9]\d*)\]/.exec(rest);
    const quoted = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
    if (dotted) {
      steps.push(dotted[1]!);
      i += dotted[0].length;
    } else if (index) {
      steps.push(Number(index[1]));
      i += index[0].length;
    } else if (quoted) {
      steps.push((quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1'));
      i += quoted[0].length;
    } else {
      throw new JsonPathError(`unexpected ${JSON.stringify(rest.slice(0, 12))} at character ${i + 1}: ${stepHint(rest)}`);
    }
  }
  return steps;
}

/** Why a text is not a supported JSON path, or undefined when it is one. */
export function jsonPathProblem(path: string): string | undefined {
  try {
    parseJsonPath(path);
    return undefined;
  } catch (error) {
    if (error instanceof JsonPathError) return error.message;
    throw error;
  }
}

export type JsonLookup = { readonly found: true; readonly value: unknown } | { readonly found: false; readonly missing: string };

/** The value at `steps` in `document`; when absent, the path up to the first step that is not there. */
export function lookupJsonPath(document: unknown, steps: readonly JsonPathStep[]): JsonLookup {
  let current = document;
  let walked = '$';
  for (const step of steps) {
    walked += typeof step === 'number' ? `[${step}]` : /^[A-Za-z_$][\w$-]*$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
    if (typeof step === 'number' ? Array.isArray(current) && step < current.length : isObject(current) && Object.prototype.hasOwnProperty.call(current, step)) {
      current = (current as Record<string | number, unknown>)[step];
    } else {
      return { found: false, missing: walked };
    }
  }
  return { found: true, value: current };
}

function stepHint(rest: string): string {
  if (rest.startsWith('[*]') || rest.startsWith('.*') || rest.startsWith('..'))
    return 'wildcards and recursive descent are not supported; name one value, such as $.items[0].version';
  if (rest.startsWith('[?')) return 'filters are not supported; name one value, such as $.items[0].version';
  if (/^\[-?\d/.test(rest)) return 'an index is a whole number from 0, such as [0]';
  return "each step is .name, [index] or ['name']";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
