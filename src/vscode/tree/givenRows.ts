// What VS Code holds of a view: the nodes it was given, per parent. A change that leaves every
// list the same shape (the same rows in the same order, e.g. a refresh's digests replacing the
// remembered ones) is told as those nodes, changed in place: VS Code's extension host then asks only
// for their tree items and sends them to the page with the change, one hop. A change of the whole
// view makes the page ask back for the rows, three hops (extHostTreeViews.ts: refresh, refreshHandles),
// which on a window still starting took ~100 ms. VS Code finds the nodes by identity, so the objects it
// was given are the ones changed. (No vscode import: tested on its own.)

/** Every node given to VS Code: it may change in place, so a command gets a copy of one (asClicked). */
const changeable = new WeakSet<object>();

/**
 * A command's arguments with each row VS Code passed (alone, or in a multi-selection's array) copied:
 * the command acts on the row as it was when clicked, whatever a refresh changes while it runs.
 */
export function asClicked(args: readonly unknown[]): unknown[] {
  const copy = (value: unknown): unknown => (typeof value === 'object' && value !== null && changeable.has(value) ? { ...value } : value);
  return args.map((arg) => (Array.isArray(arg) ? arg.map(copy) : copy(arg)));
}

/** How long rows told in place may wait for VS Code to ask for their items before the whole view is told. */
export const ITEMS_ASKED_WITHIN_MS = 2_000;

/** How many top levels are kept: VS Code holds the last it asked for; others (a test's, a cancelled ask) only cost a look. */
const TOP_LEVELS_KEPT = 8;

export class GivenRows<N extends object> {
  /**
   * Each top level given since the whole view was last told, newest last, with the lists given under
   * its rows: by parent node (undefined: the top level), the children. VS Code holds one of them (the
   * last it asked for; getChildren has other callers, such as tests), so all are changed together.
   */
  private given: Map<N | undefined, readonly N[]>[] = [];
  /** Rows last told in place, until VS Code asks for one's item (it asks for every one it holds). */
  private unasked = new Set<N>();
  private unaskedTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `key` names a row as its tree item's id does: two nodes with one key are the same row.
   * `unheld`: VS Code asked for the item of none of the rows told in place (it drops a change for rows
   * it does not hold): everything is forgotten, and the whole view is to be told.
   */
  constructor(
    private readonly key: (node: N) => string,
    private readonly unheld: () => void = () => undefined,
    private readonly withinMs = ITEMS_ASKED_WITHIN_MS,
  ) {}

  /** `nodes` were given under `parent` (undefined: a new top level). */
  gave<T extends readonly N[]>(parent: N | undefined, nodes: T): T {
    for (const node of nodes) changeable.add(node);
    if (parent === undefined) {
      this.given.push(new Map([[undefined, nodes]]));
      if (this.given.length > TOP_LEVELS_KEPT) this.given.shift();
    } else {
      this.given.find((lists) => lists.get(undefined)!.includes(parent))?.set(parent, nodes);
    }
    return nodes;
  }

  /** The whole view is told: VS Code asks for a new top level, and what it held before is gone. */
  forget(): void {
    this.given = [];
    this.unasked.clear();
  }

  /**
   * Changes the given nodes in place into what `now` says each parent's are, and returns them.
   * Undefined (nothing changed, everything forgotten) when no top level was given, or any list changed
   * shape (a row came, went or moved, or a parent is gone): the whole view is to be told.
   */
  updateInPlace(now: (parent: N | undefined) => readonly N[] | undefined): N[] | undefined {
    const pairs: [given: N, fresh: N][] = [];
    for (const lists of this.given) {
      for (const [parent, given] of lists) {
        const fresh = now(parent);
        const same = fresh?.length === given.length && fresh.every((node, i) => this.key(node) === this.key(given[i]!));
        if (!same) {
          this.forget();
          return undefined;
        }
        fresh.forEach((node, i) => pairs.push([given[i]!, node]));
      }
    }
    if (!pairs.length) return undefined;
    for (const [given, fresh] of pairs) replaceContents(given, fresh);
    const told = pairs.map(([given]) => given);
    this.expectAsked(told);
    return told;
  }

  /** VS Code asked for this row's tree item. */
  itemAsked(node: N): void {
    if (this.unasked.has(node)) this.unasked.clear();
  }

  dispose(): void {
    clearTimeout(this.unaskedTimer);
  }

  private expectAsked(nodes: readonly N[]): void {
    this.unasked = new Set(nodes);
    clearTimeout(this.unaskedTimer);
    this.unaskedTimer = setTimeout(() => {
      if (!this.unasked.size) return;
      this.forget();
      this.unheld();
    }, this.withinMs);
  }
}

/** `target` becomes a copy of `source`, keeping its identity (keys `source` lacks are removed). */
function replaceContents(target: object, source: object): void {
  const t = target as Record<string, unknown>;
  for (const k of Object.keys(t)) delete t[k];
  Object.assign(t, source);
}
