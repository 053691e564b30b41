// A release attempt is one history line, whose top-level digests are its first image's. In the registry
// it is found from every image's digest: the same record (same id, every image still listed under
// `components`) is written beside each image's promoted digest in that image's repository, its
// top-level fields being that image's. So whatever reads records or signed attestations by digest — the
// views, `verify`, the signed order gate — finds the release from any of its images.
import type { HistoryComponent, HistoryRecord } from '../history/record';

/** The record as each image's digest carries it: the first is `record` itself. */
export function releaseViews(record: HistoryRecord): HistoryRecord[] {
  const [first, ...others] = record.components ?? [];
  if (!first) return [record];
  return [record, ...others.map((c) => componentView(record, c))];
}

/** `record` with `c`'s repositories and digests on top (its `components` unchanged). */
export function componentView(record: HistoryRecord, c: HistoryComponent): HistoryRecord {
  const { digest: _d, previousDigest: _p, finalDigest: _f, ...rest } = record;
  return {
    ...rest,
    image: c.targetRepository,
    source: { ...record.source, repository: c.sourceRepository },
    target: { ...record.target, repository: c.targetRepository },
    ...(c.digest !== undefined ? { digest: c.digest } : {}),
    ...(c.previousDigest !== undefined ? { previousDigest: c.previousDigest } : {}),
    ...(c.finalDigest !== undefined ? { finalDigest: c.finalDigest } : {}),
  };
}
