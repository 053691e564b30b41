// A signal that fires when any of its sources does, or after a time limit, and that lets go of
// everything once the work is over. Not AbortSignal.any / AbortSignal.timeout: Node keeps a composite
// or timeout signal that has an abort listener alive until that listener is removed or the signal
// fires, and libraries (dockerode) add listeners they never remove, so every engine call's signal,
// and the request and error its listeners reach, stayed in memory for good.

export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Detaches from the sources and stops the timer; the signal no longer fires. */
  dispose(): void;
}

export function linkedSignal(sources: readonly (AbortSignal | undefined)[], timeoutMs = 0): LinkedSignal {
  const controller = new AbortController();
  const attached: AbortSignal[] = [];
  const onAbort = (event: Event): void => {
    controller.abort((event.target as AbortSignal).reason);
    dispose();
  };
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
          dispose();
        }, timeoutMs)
      : undefined;
  function dispose(): void {
    clearTimeout(timer);
    for (const s of attached.splice(0)) s.removeEventListener('abort', onAbort);
  }
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      dispose();
      break;
    }
    source.addEventListener('abort', onAbort, { once: true });
    attached.push(source);
  }
  return { signal: controller.signal, dispose };
}
