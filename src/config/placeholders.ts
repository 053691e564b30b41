// `${digest}`, `${revision}`, `${environment}`, `${tag}` and `${env:NAME}` in http gate fields, and in a
// release `${digest:<image name>}` (each image's digest; `${digest}` is the first image's).
// The config checks them; the gate expands them at run time (see gates/httpRequest.ts).

export const VALUE_PLACEHOLDERS = ['digest', 'revision', 'environment', 'tag'] as const;
export type ValuePlaceholder = (typeof VALUE_PLACEHOLDERS)[number];

export type Placeholder =
  | { readonly kind: 'value'; readonly name: ValuePlaceholder }
  | { readonly kind: 'env'; readonly variable: string }
  /** `${digest:api}`: the digest of the release's image named `api`. */
  | { readonly kind: 'component'; readonly name: string };

export interface PlaceholderUse {
  /** As written, `${env:TOKEN}`. */
  readonly text: string;
  readonly start: number;
  readonly placeholder?: Placeholder;
  /** Why it is not a placeholder this module knows. */
  readonly problem?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every `${…}` in `text`, in order, each either understood or with the reason it is not. */
export function findPlaceholders(text: string): PlaceholderUse[] {
  const uses: PlaceholderUse[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${', from);
    if (start < 0) return uses;
    const end = text.indexOf('}', start + 2);
    if (end < 0) {
      uses.push({ text: text.slice(start), start, problem: `"${text.slice(start, start + 20)}" has no closing "}"` });
      return uses;
    }
    const written = text.slice(start, end + 1);
    const inner = text.slice(start + 2, end).trim();
    uses.push({ text: written, start, ...understand(inner, written) });
    from = end + 1;
  }
}

function understand(inner: string, written: string): { placeholder: Placeholder } | { problem: string } {
  if ((VALUE_PLACEHOLDERS as readonly string[]).includes(inner)) return { placeholder: { kind: 'value', name: inner as ValuePlaceholder } };
  if (inner.startsWith('digest:')) {
    const name = inner.slice(7).trim();
    if (name) return { placeholder: { kind: 'component', name } };
    return { problem: `${written}: name the image of the release, as \${digest:api}` };
  }
  if (inner.startsWith('env:')) {
    const variable = inner.slice(4).trim();
    if (ENV_NAME.test(variable)) return { placeholder: { kind: 'env', variable } };
    return { problem: `${written}: an environment variable name is letters, digits and _, not starting with a digit` };
  }
  return { problem: `${written} is not a placeholder; known ones are \${digest}, \${revision}, \${environment}, \${tag} and \${env:NAME}` };
}

/** Problems with the placeholders of one field: unknown ones, and `${env:…}` where it is not allowed. */
export function placeholderProblems(text: string, envAllowed: boolean): string[] {
  const problems: string[] = [];
  for (const use of findPlaceholders(text)) {
    if (use.problem) problems.push(use.problem);
    else if (use.placeholder?.kind === 'env' && !envAllowed) problems.push(`${use.text}: environment variables are allowed only in url and header values`);
  }
  return problems;
}

/** The release's image names a text reads (`${digest:<name>}`). */
export function componentNames(text: string): string[] {
  return findPlaceholders(text).flatMap((use) => (use.placeholder?.kind === 'component' ? [use.placeholder.name] : []));
}

/** The environment variables a text reads. */
export function envVariables(text: string): string[] {
  return findPlaceholders(text).flatMap((use) => (use.placeholder?.kind === 'env' ? [use.placeholder.variable] : []));
}

export function usesPlaceholder(text: string, name: ValuePlaceholder): boolean {
  return findPlaceholders(text).some((use) => use.placeholder?.kind === 'value' && use.placeholder.name === name);
}

/** `text` with each known placeholder replaced by `value(placeholder)`; unknown ones are left as written. */
export function expandPlaceholders(text: string, value: (placeholder: Placeholder) => string): string {
  let out = '';
  let from = 0;
  for (const use of findPlaceholders(text)) {
    if (!use.placeholder) continue;
    out += text.slice(from, use.start) + value(use.placeholder);
    from = use.start + use.text.length;
  }
  return out + text.slice(from);
}
