// Finds the YAML nodes a path into the parsed value refers to, and turns them into editor ranges.
import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { SourceRange } from './types';

export type PathSegment = string | number;

/** What a path points at, as far as the document goes. */
export interface Located {
  /** The value node at the path (or at the deepest ancestor that exists when `exact` is false). */
  readonly node: Node | null;
  /** The key of the pair holding `node`, when `node` is a map value. */
  readonly key: Node | null;
  /** Whether the whole path was found. */
  readonly exact: boolean;
}

/** Where in the located thing a diagnostic goes. */
export type Target =
  | 'value' // the value itself (falls back to its key when the value is empty or spans many lines)
  | 'key' // the key of the pair (falls back to the value)
  | 'head'; // the first line of a collection: its key, or its first entry

/** `environments[1].gates[0].run`, the way messages name a place in the config. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Decodes an ajv `instancePath` (a JSON pointer) into segments; array indices become numbers. */
export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^(?:0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment;
    });
}

export class YamlSource {
  /**
   * Offsets where each line starts, from the text itself: yaml's LineCounter learns only the line
   * breaks its lexer passes over, and misses those inside a token it gave up on (a broken scalar).
   */
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly doc: Document,
    private readonly text: string,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  locate(path: readonly PathSegment[]): Located {
    let node: Node | null = this.resolve(this.doc.contents);
    let key: Node | null = null;
    for (const [index, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = this.findPair(node.items, String(segment), 0);
        if (!pair) return { node, key, exact: false };
        key = isNode(pair.key) ? pair.key : null;
        node = isNode(pair.value) ? this.resolve(pair.value) : null;
        if (!node) return { node: null, key, exact: index === path.length - 1 };
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        const item = node.items[segment];
        if (!isNode(item)) return { node, key, exact: false };
        key = null;
        node = this.resolve(item);
      } else {
        return { node, key, exact: false };
      }
    }
    return { node, key, exact: true };
  }

  /** The range of the thing at `path`; when the path is not all there, the head of its nearest ancestor. */
  range(path: readonly PathSegment[], target: Target): SourceRange {
    const found = this.locate(path);
    return this.rangeOf(found, found.exact ? target : 'head');
  }

  rangeOf(found: Located, target: Target): SourceRange {
    const { node, key } = found;
    if (target === 'key' && key?.range) return this.fromOffsets(key.range[0], key.range[1]);
    if (target !== 'head' && node?.range && (isScalar(node) || isFlow(node))) {
      const [start, end] = node.range;
      if (end > start || !key?.range) return this.fromOffsets(start, end);
    }
    if (key?.range) return this.fromOffsets(key.range[0], key.range[1]);
    if (isFlow(node) && node?.range) return this.fromOffsets(node.range[0], node.range[1]);
    if ((isMap(node) || isSeq(node)) && node.items.length > 0) return this.firstEntryRange(node.items[0]);
    if (node?.range) return this.fromOffsets(node.range[0], this.endOfLine(node.range[0], node.range[1]));
    return this.fromOffsets(0, 0);
  }

  /** The source text of a node as written (e.g. `1.0` for a number YAML read as 1). */
  sourceOf(node: Node | null): string | undefined {
    return node?.range ? this.text.slice(node.range[0], node.range[1]) : undefined;
  }

  /** The line (1-based, as editors show it) a path starts on. */
  lineOf(path: readonly PathSegment[]): number {
    return this.range(path, 'value').startLine + 1;
  }

  fromOffsets(start: number, end: number): SourceRange {
    const from = this.position(start);
    const to = this.position(Math.max(start, end));
    return { startLine: from.line, startColumn: from.column, endLine: to.line, endColumn: to.column };
  }

  /** 0-based line and column of an offset (clamped to the text). */
  private position(offset: number): { line: number; column: number } {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= at) low = mid;
      else high = mid - 1;
    }
    return { line: low, column: at - this.lineStarts[low]! };
  }

  private firstEntryRange(entry: unknown): SourceRange {
    if (isPairLike(entry)) {
      const k = isNode(entry.key) ? entry.key : null;
      const v = isNode(entry.value) ? entry.value : null;
      if (k?.range) {
        // `name: staging` when it fits on the key's line, else the key alone.
        const end = v?.range && (isScalar(v) || isFlow(v)) && this.sameLine(k.range[0], v.range[1]) ? v.range[1] : k.range[1];
        return this.fromOffsets(k.range[0], end);
      }
    }
    if (isNode(entry) && entry.range) return this.fromOffsets(entry.range[0], this.endOfLine(entry.range[0], entry.range[1]));
    return this.fromOffsets(0, 0);
  }

  private findPair(items: readonly Pair[], name: string, depth: number): Pair | undefined {
    for (const pair of items) {
      if (isScalar(pair.key) && !isMergeKey(pair.key) && String(pair.key.value) === name) return pair;
    }
    // `<<: *defaults` merges: the key may live in the merged map (nearest first, as YAML merges).
    if (depth > 8) return undefined;
    for (const pair of items) {
      if (!isScalar(pair.key) || !isMergeKey(pair.key)) continue;
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) {
        const map = this.resolve(isNode(source) ? source : null);
        if (isMap(map)) {
          const found = this.findPair(map.items, name, depth + 1);
          if (found) return found;
        }
      }
    }
    return undefined;
  }

  private resolve(node: unknown): Node | null {
    let current: unknown = node;
    for (let hops = 0; isAlias(current) && hops < 16; hops++) current = current.resolve(this.doc);
    return isNode(current) && !isAlias(current) ? current : null;
  }

  private sameLine(a: number, b: number): boolean {
    return !this.text.slice(a, b).includes('\n');
  }

  /** The end of the line `start` is on, but not past `limit`; trailing blanks left out. */
  private endOfLine(start: number, limit: number): number {
    const newline = this.text.indexOf('\n', start);
    let end = Math.min(newline < 0 ? this.text.length : newline, Math.max(start, limit));
    while (end > start && /\s/.test(this.text.charAt(end - 1))) end--;
    return end;
  }
}

function isFlow(node: unknown): boolean {
  return (isMap(node) || isSeq(node)) && node.flow === true;
}

function isPairLike(value: unknown): value is Pair {
  return typeof value === 'object' && value !== null && 'key' in value && 'value' in value;
}

/** With `merge: true`, yaml gives `<<` keys a symbol value. */
function isMergeKey(key: { value: unknown }): boolean {
  return typeof key.value === 'symbol';
}
