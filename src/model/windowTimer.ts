// Redraws rows that speak of release windows when one opens or closes: a single timer to the next
// opening or closing of any shown environment, set again at each redraw, so no refresh (no request)
// is needed for a window to open in the tree.
import type { EnvironmentConfig } from '../config/types';
import { nextWindowChange } from './windows';

/** setTimeout's longest delay (about 24.8 days); a later change is reached by redrawing on the way. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** Past the boundary, so the redraw reads the new state even if the timer fires a little early. */
const MARGIN_MS = 50;

export interface TimerFunctions {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const nodeTimers: TimerFunctions = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class WindowTimer {
  private handle: unknown;

  constructor(
    private readonly redraw: () => void,
    private readonly now: () => number = Date.now,
    private readonly timers: TimerFunctions = nodeTimers,
  ) {}

  /** Sets the one timer for these environments (replacing the last); none when no window changes within the search. */
  schedule(environments: readonly EnvironmentConfig[]): void {
    this.dispose();
    const now = this.now();
    const next = nextWindowChange(environments, now);
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - now) + MARGIN_MS, MAX_DELAY_MS);
    this.handle = this.timers.set(() => {
      this.handle = undefined;
      this.redraw();
    }, delay);
  }

  dispose(): void {
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = undefined;
  }
}
