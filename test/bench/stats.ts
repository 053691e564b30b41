// Medians and the per-operation counts the table prints beside them.

export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** What one run of one side cost: wall time, HTTP requests the registries served, TCP connections opened. */
export interface Measured {
  readonly ms: number;
  readonly requests: number;
  readonly connections: number | undefined;
  /** Sequential round trips at the registry client interface (ours only: the peers are separate programs). */
  readonly roundTrips: number | undefined;
  /** Ours: the registry client calls in the order they were made. */
  readonly calls?: readonly string[];
  /** Ours, recorded runs: from "done" to the registry record written (untimed, it follows "done"). */
  readonly recordAfterDoneMs?: number;
  /** Ours: the core's log lines, each with the time since the run began. */
  readonly timeline?: readonly string[];
  /** The round it ran in (ratios pair ours and a peer by round). */
  readonly round?: number;
}

export interface SideResult {
  readonly label: string;
  readonly runs: readonly Measured[];
}

export interface SideSummary {
  readonly label: string;
  readonly medianMs: number;
  readonly requests: number;
  readonly connections: number | undefined;
  readonly roundTrips: number | undefined;
  readonly n: number;
  readonly recordAfterDoneMs?: number;
}

export function summarize(side: SideResult): SideSummary {
  const pick = (f: (m: Measured) => number | undefined): number | undefined => {
    const values = side.runs.map(f).filter((v): v is number => v !== undefined);
    return values.length ? median(values) : undefined;
  };
  return {
    label: side.label,
    medianMs: median(side.runs.map((r) => r.ms)),
    requests: pick((r) => r.requests) ?? 0,
    connections: pick((r) => r.connections),
    roundTrips: pick((r) => r.roundTrips),
    n: side.runs.length,
    ...(pick((r) => r.recordAfterDoneMs) !== undefined ? { recordAfterDoneMs: pick((r) => r.recordAfterDoneMs)! } : {}),
  };
}
