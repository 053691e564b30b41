// The bytes of a promotion config as read from disk: bounded in size, UTF-8 or a clear diagnostic,
// then parsed. What a cloned repository puts in the file must not cost unbounded time or memory.
import type { ConfigFiles } from './gates';
import { MAX_CONFIG_BYTES, parsePromotionConfig } from './parseConfig';
import type { ConfigDiagnostic, ParsedConfig, SourceRange } from './types';

/** Parses the file's bytes. Never throws. */
export function parsePromotionConfigBytes(bytes: Uint8Array, files?: ConfigFiles): ParsedConfig {
  if (bytes.length > MAX_CONFIG_BYTES) return only(tooLarge(bytes.length));
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return only(error(at(0, 0), 'the config is saved as UTF-16; save it as UTF-8 (in VS Code: "Change File Encoding", then "Save with Encoding")'));
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== undefined) {
    const range = positionOf(bytes, bad);
    const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    return only(
      error(
        range,
        `the config is not valid UTF-8: byte 0x${byte} at line ${range.startLine + 1}, column ${range.startColumn + 1}; save it as UTF-8 (in VS Code: "Change File Encoding", then "Save with Encoding")`,
      ),
    );
  }
  // The decoder drops a UTF-8 byte order mark, which YAML would otherwise read as content.
  return parsePromotionConfig(new TextDecoder('utf-8').decode(bytes), files);
}

/** The diagnostic for a file too large to read, for callers that check the size before reading. */
export function tooLarge(size: number): ConfigDiagnostic {
  return error(
    at(0, 0),
    `the config is ${mebibytes(size)} MiB; a promotion config may be at most ${mebibytes(MAX_CONFIG_BYTES)} MiB (it lists an image and a few environments)`,
  );
}

function mebibytes(size: number): string {
  return (size / 1024 / 1024).toFixed(size < 1024 * 1024 ? 2 : 1);
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return undefined;
}

/** Line and column (in UTF-16 units, as editors count) of a byte offset in valid UTF-8 before it. */
function positionOf(bytes: Uint8Array, offset: number): SourceRange {
  let lineStart = 0;
  let line = 0;
  for (let i = 0; i < offset; i++) {
    // LF, CRLF and a lone CR each end a line, as in the editor.
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(lineStart, offset)).length;
  return { startLine: line, startColumn: column, endLine: line, endColumn: column + 1 };
}

function at(line: number, column: number): SourceRange {
  return { startLine: line, startColumn: column, endLine: line, endColumn: column };
}

function error(range: SourceRange, message: string): ConfigDiagnostic {
  return { severity: 'error', message, range };
}

function only(diagnostic: ConfigDiagnostic): ParsedConfig {
  return { diagnostics: [diagnostic] };
}
