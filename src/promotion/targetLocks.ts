// Two promotions into the same environment never run at once: the second is refused, not queued,
// because its confirmation was given for a target state that the first one is about to change.
export class TargetLocks {
  private readonly held = new Map<string, string>();

  /** A release function, or undefined with the holder's description when the target is busy. */
  tryAcquire(key: string, description: string): { release: () => void } | { busy: string } {
    const holder = this.held.get(key);
    if (holder !== undefined) return { busy: holder };
    this.held.set(key, description);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held.delete(key);
      },
    };
  }

  isBusy(key: string): boolean {
    return this.held.has(key);
  }
}
