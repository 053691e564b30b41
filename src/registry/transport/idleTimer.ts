// A timeout that restarts whenever bytes move: blob transfers may take long, but must not stall.

export class IdleTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  timedOut = false;
  lastMs: number;

  constructor(private readonly ms: number) {
    this.lastMs = ms;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Restart the countdown (with another length for what comes next, e.g. the registry finishing an upload). */
  touch(ms = this.ms): void {
    if (this.timedOut) return;
    clearTimeout(this.timer);
    this.lastMs = ms;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
