// Why a pattern is not a JavaScript regular expression, in the words of the RegExp error.

/** The reason `new RegExp(pattern)` throws, without the pattern repeated; undefined when it compiles. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(message)?.[1] ?? message;
  }
}
