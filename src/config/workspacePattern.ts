// Regular expressions written in the workspace (builds.tagPattern, label and http `regex` fields) are
// compiled with re2js, a linear-time RE2 engine: a backtracking pattern such as ^(a|a?)+$ would
// otherwise freeze the extension host thread for minutes on a short tag or body.
import { RE2JS } from 're2js';

/** What the rest of the extension needs of a compiled pattern: what was written, and a search. */
export interface WorkspacePattern {
  /** As written in the config. */
  readonly source: string;
  /** Whether the pattern matches anywhere in `text` (unanchored, like RegExp.prototype.test). */
  test(text: string): boolean;
}

export type PatternResult = { readonly ok: true; readonly pattern: WorkspacePattern } | { readonly ok: false; readonly problem: string };

/** Longer patterns are refused before compiling: no tag or label rule needs this much. */
export const MAX_PATTERN_LENGTH = 1000;

const SYNTAX = 'RE2 syntax, which matches in linear time; see https://github.com/google/re2/wiki/Syntax';

/** Compiles a workspace-supplied pattern. Never throws; the problem says what to write instead. */
export function compileWorkspacePattern(source: string): PatternResult {
  if (source.length > MAX_PATTERN_LENGTH) {
    return { ok: false, problem: `the pattern is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed` };
  }
  const unsupported = unsupportedSyntax(source);
  if (unsupported) return { ok: false, problem: `${unsupported} is not supported (${SYNTAX})` };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `${message.replace(/^error parsing regexp: /, '')} (${SYNTAX})` };
  }
  return { ok: true, pattern: { source, test: (text) => compiled.test(text) } };
}

/** The pattern, or undefined when it does not compile (config validation has reported why). */
export function workspacePatternOrUndefined(source: string): WorkspacePattern | undefined {
  const result = compileWorkspacePattern(source);
  return result.ok ? result.pattern : undefined;
}

/**
 * The JavaScript syntax RE2 leaves out on purpose (it cannot be matched in linear time), named the way
 * a person looks it up; RE2's own message for these ("invalid escape sequence") would not say why.
 */
function unsupportedSyntax(source: string): string | undefined {
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (next >= '1' && next <= '9') return `the backreference \\${next} at character ${i + 1}`;
      if (next === 'k' && source[i + 2] === '<') return `the named backreference \\k<…> at character ${i + 1}`;
      if (next === 'u') return `the escape \\u at character ${i + 1} (write \\x{41} for U+0041)`;
      i++; // the escaped character is literal
    } else if (c === '(' && source[i + 1] === '?') {
      const head = source.slice(i, i + 4);
      if (head.startsWith('(?=') || head.startsWith('(?!')) return `the lookahead ${head.slice(0, 3)}…) at character ${i + 1}`;
      if (head.startsWith('(?<=') || head.startsWith('(?<!')) return `the lookbehind ${head}…) at character ${i + 1}`;
    } else if (c === '[') {
      // Inside a class, "(" is literal: skip to its end so "[(?=]" is not taken for a lookahead.
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      i = j;
    }
  }
  return undefined;
}
