// Runs a case: ours and its peers alternating round by round (the order rotates each round, so no
// side always runs first on a warm or cold cache), each run measured with its requests and
// connections. Preparation (fresh images, an emptied engine) is never timed.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Measured, SideResult } from './stats';
import type { AccessLog } from './wire';
import type { Route } from './network';

export interface Side {
  readonly label: string;
  /** Untimed, before each run of this side. */
  readonly prepare?: (round: number) => Promise<void>;
  /** The timed operation; returns ours' counted round trips. */
  readonly run: (round: number) => Promise<{ roundTrips?: number; calls?: string[] } | void>;
  /** Untimed, after each run: reads back what the run left (the tag, a signature) and throws when it is wrong. */
  readonly check?: (round: number) => Promise<void>;
  /** One untimed run before the rounds (kept connections opened, caches filled, as in steady use). */
  readonly warmup?: boolean;
  /** This side runs only in the first N rounds (a slow peer on a slow profile). */
  readonly rounds?: number;
}

export interface CaseSpec {
  readonly name: string;
  readonly rounds: number;
  readonly ours: Side;
  readonly peers: readonly Side[];
  readonly note?: string;
}

export interface CaseResult {
  readonly name: string;
  readonly note?: string;
  readonly ours: SideResult;
  readonly peers: readonly SideResult[];
}

export interface Meter {
  readonly logs: readonly AccessLog[];
  readonly routes: readonly Route[];
}

export async function runCase(spec: CaseSpec, meter: Meter, say: (line: string) => void): Promise<CaseResult> {
  const sides = [spec.ours, ...spec.peers];
  const runs = new Map<Side, Measured[]>(sides.map((s) => [s, []]));
  for (const side of sides) {
    if (!side.warmup) continue;
    await side.prepare?.(-1);
    await side.run(-1);
    await side.check?.(-1);
  }
  for (let round = 0; round < spec.rounds; round++) {
    const order = sides.map((_, i) => sides[(i + round) % sides.length]!);
    for (const side of order) {
      if (side.rounds !== undefined && round >= side.rounds) continue;
      runs.get(side)!.push(await measure(side, round, meter));
    }
  }
  const result = {
    name: spec.name,
    ...(spec.note ? { note: spec.note } : {}),
    ours: toResult(spec.ours, runs),
    peers: spec.peers.map((p) => toResult(p, runs)),
  };
  const line = [result.ours, ...result.peers].map((s) => `${s.label} ${s.runs.map((r) => r.ms.toFixed(0)).join('/')} ms`).join('; ');
  say(`  ${spec.name}: ${line}`);
  const calls = result.ours.runs.at(-1)?.calls;
  if (calls) say(`    ours, last run: ${calls.join(', ')}`);
  return result;
}

function toResult(side: Side, runs: Map<Side, Measured[]>): SideResult {
  return { label: side.label, runs: runs.get(side)! };
}

async function measure(side: Side, round: number, meter: Meter): Promise<Measured> {
  await side.prepare?.(round);
  for (const log of meter.logs) log.take();
  const connectionsBefore = connections(meter.routes);
  const started = performance.now();
  const result = await side.run(round);
  const ms = performance.now() - started;
  await sleep(30); // the registry writes its access line as it answers; let the last one land
  const requests = meter.logs.reduce((sum, log) => sum + log.take(), 0);
  const after = connections(meter.routes);
  await side.check?.(round);
  for (const log of meter.logs) log.take(); // the check's reads are not the run's
  return {
    ms,
    requests,
    connections: after === undefined || connectionsBefore === undefined ? undefined : after - connectionsBefore,
    roundTrips: result && 'roundTrips' in result ? result.roundTrips : undefined,
    ...(result && result.calls ? { calls: result.calls } : {}),
  };
}

function connections(routes: readonly Route[]): number | undefined {
  let total: number | undefined;
  for (const route of routes) {
    const n = route.connections();
    if (n !== undefined) total = (total ?? 0) + n;
  }
  return total;
}
