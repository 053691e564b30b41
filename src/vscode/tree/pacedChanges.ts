// VS Code's tree views wait 200 ms after a change event before asking for the rows again, and start
// that wait over at every event (extHostTreeViews.ts: Event.debounce(…, 200, leading)). An event when
// none came in the last 200 ms is drawn at once; one within 200 ms of another is drawn 200 ms after
// the newest. A refresh fires a few (started, the environments, the builds, done): the fresh rows of
// a new window were drawn 200 ms after its first refresh ended, not when they were known. Paced here:
// a change goes at once when the last went at least that long ago, else once, as soon as it has.
// (No vscode import: the pacing is tested on its own.)

/** VS Code's wait, and a little more: our timer must come after its own has run out. */
export const TREE_CHANGE_GAP_MS = 210;

export class PacedChanges {
  private last = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly fire: () => void,
    private readonly gapMs = TREE_CHANGE_GAP_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The rows changed: VS Code is told now, or once `gapMs` has passed since it was last told (many changes, one event). */
  request(): void {
    if (this.timer) return;
    const wait = this.last + this.gapMs - this.now();
    if (wait <= 0) return this.send();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, wait);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    this.last = this.now();
    this.fire();
  }
}

/**
 * Whether what a view's rows are drawn from (compared item by item, by identity) changed since VS
 * Code last asked for them: nothing to say before its first ask (it gets what is current then), nor
 * for a change that leaves the rows as they were.
 */
export class DrawnFrom {
  private last: readonly unknown[] | undefined;

  get everAsked(): boolean {
    return this.last !== undefined;
  }

  /** VS Code asked for the rows; they were drawn from `state`. */
  asked(state: readonly unknown[]): void {
    this.last = state;
  }

  changed(state: readonly unknown[]): boolean {
    const last = this.last;
    return last !== undefined && (last.length !== state.length || state.some((item, i) => item !== last[i]));
  }
}
