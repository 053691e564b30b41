// The one line a History row reads: what was attempted and how it ended. Only a succeeded attempt is
// worded as done ("rolled back to …"); a blocked, failed or cancelled one says so.
import type { HistoryRecord } from '../../history/record';
import { buildLabel } from './buildLabel';

export function historyHeadline(r: HistoryRecord): string {
  const what = buildLabel(
    { ...(r.source.buildTag ? { tag: r.source.buildTag } : {}), ...(r.source.revision ? { revision: r.source.revision } : {}) },
    r.digest,
  );
  if (r.kind === 'rollback') return r.outcome === 'succeeded' ? `rolled back to ${what}` : `rollback to ${what} ${r.outcome}`;
  return r.outcome === 'succeeded' ? `${what} promoted from ${r.source.label}` : `${what} from ${r.source.label}: ${r.outcome}`;
}
