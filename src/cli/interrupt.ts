// Ctrl+C and SIGTERM cancel exactly as the extension's Cancel does: the promotion's AbortSignal fires,
// the core stops, puts back a digest nobody chose and the attempt is recorded. A second signal quits.
import type { Output } from './output';

export interface Interrupt {
  readonly signal: AbortSignal;
  readonly interrupted: () => boolean;
  dispose(): void;
}

export function cancelOnSignals(out: Output): Interrupt {
  const abort = new AbortController();
  const handler = (name: NodeJS.Signals): void => {
    if (abort.signal.aborted) {
      out.message(`${name} again: quitting without waiting; check the target before promoting again.`);
      process.exit(130);
    }
    out.message(`${name}: cancelling (the target is put back if it was being written; ${name === 'SIGINT' ? 'Ctrl+C' : name} again quits at once)…`);
    abort.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: abort.signal,
    interrupted: () => abort.signal.aborted,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
