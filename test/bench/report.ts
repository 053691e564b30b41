// One table of medians and ratios (ours / peer, per pair) with requests, connections and round
// trips beside the times, and the same as JSON.
import { median, summarize, type SideResult, type SideSummary } from './stats';
import type { CaseResult } from './rounds';

export interface ProfileResults {
  readonly profile: string;
  readonly cases: readonly CaseResult[];
}

export interface Figure {
  readonly name: string;
  readonly value: string;
  readonly command?: string;
}

export interface Row {
  readonly profile: string;
  readonly case: string;
  readonly ours: SideSummary;
  readonly peer: SideSummary;
  /** The median of the per-round ratios ours / peer (they alternate round by round, so a round's two runs met the same machine load). */
  readonly ratio: number;
  readonly note?: string;
}

export function rows(results: readonly ProfileResults[]): Row[] {
  const out: Row[] = [];
  for (const p of results) {
    for (const c of p.cases) {
      const ours = summarize(c.ours);
      for (const peerResult of c.peers) {
        const peer = summarize(peerResult);
        if (!peer.n) {
          out.push({ profile: p.profile, case: c.name, ours, peer, ratio: NaN, note: c.note ?? 'not run on this profile' });
          continue;
        }
        out.push({ profile: p.profile, case: c.name, ours, peer, ratio: perRoundRatio(c.ours, peerResult), ...(c.note ? { note: c.note } : {}) });
      }
    }
  }
  return out;
}

/** The median of ours / peer round by round (the rounds both ran); the ratio of the medians when they never ran the same round. */
function perRoundRatio(ours: SideResult, peer: SideResult): number {
  const n = Math.min(ours.runs.length, peer.runs.length);
  if (!n) return summarize(ours).medianMs / summarize(peer).medianMs;
  return median(Array.from({ length: n }, (_, i) => ours.runs[i]!.ms / peer.runs[i]!.ms));
}

function ms(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}

function counts(s: SideSummary): string {
  if (!s.n) return '—';
  const parts = [`${s.requests} req`];
  if (s.connections !== undefined) parts.push(`${s.connections} conn`);
  if (s.roundTrips !== undefined) parts.push(`${s.roundTrips} RT`);
  return parts.join(', ');
}

export function markdownTable(all: readonly Row[]): string {
  const lines = [
    '| profile | case | ours | ours: requests, connections, round trips | peer | peer | peer: requests, connections | ours / peer (median of per-round ratios) | n (ours/peer) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of all) {
    const ratio = Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '—';
    const note = r.note ? ` (${r.note})` : '';
    lines.push(
      `| ${r.profile} | ${r.case}${note} | ${ms(r.ours.medianMs)} | ${counts(r.ours)} | ${r.peer.label} | ${ms(r.peer.medianMs)} | ${counts(r.peer)} | ${ratio} | ${r.ours.n}/${r.peer.n} |`,
    );
  }
  return lines.join('\n');
}

export function figuresTable(figures: readonly Figure[]): string {
  return ['| figure | value |', '|---|---|', ...figures.map((f) => `| ${f.name} | ${f.value} |`)].join('\n');
}
