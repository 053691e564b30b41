// What the CLI prints is inert: values from registries, image labels, gate output and history
// records reach a terminal or a CI log as text, never as terminal control (ESC sequences: colours,
// OSC 8 links, cursor moves; CR rewriting a line; bidi overrides reordering what is read) and never
// as a GitHub workflow command (the runner reads `::name ...::` at the start of any output line,
// after leading white space, and its older form `##[name]` anywhere in a line). Characters are
// escaped visibly rather than dropped: nothing is lost.

/**
 * C0 (TAB, LF, CR, ESC among them), DEL, C1, the bidi embeddings, overrides and isolates, and the
 * Unicode line and paragraph separators (some viewers break lines at them).
 */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw inside strings (it escapes C0 itself; outside strings C0 is only its line breaks). */
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** A line the runner would read as a workflow command (it trims leading white space first). */
const COMMAND_START = /^(\s*)::/;
/** The runner's older command form, read wherever it appears in a line. */
const LEGACY_COMMAND = /##\[/g;

/** One printed line: every unsafe character escaped, a leading `::` and any `##[` broken. */
export function inertLine(line: string): string {
  return inertData(line).replace(COMMAND_START, '$1\\x3a:');
}

/** Text inside a line (an annotation's data): unsafe characters escaped and `##[` broken. */
export function inertData(text: string): string {
  return escapeControls(text).replace(LEGACY_COMMAND, '#\\x23[');
}

/** Every unsafe character as a visible escape: `\n`, `\r`, `\t`, `\x1b`, `\x9b`, `\u202e`. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1, bidi) as \u escapes, and `##[`
 * as `#\u0023[`: still the same JSON value. Its lines start with white space then `{`, `}`, `[`, `]`,
 * `"` or a value, never with `::`.
 */
export function inertJson(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(LEGACY_COMMAND, '#\\u0023[');
}

function escapeChar(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
