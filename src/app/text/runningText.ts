// What an environment runs, in the row's words: `runs 8d41e07 (3/3)`, `runs 3f9c2ab on 2 of 3 — not
// redeployed`, `nothing runs`, `runtime unreachable`.
import type { BuildsResult, EnvironmentRow } from '../../model/snapshot';
import { runtimeVerdict, type RuntimeVerdict } from '../../runtime/running';
import { heldDigests } from '../../model/releaseState';
import { countRunning, runsEverywhere } from '../../runtime/runtime';
import { buildLabel, buildTagOf } from './buildLabel';

export interface RunningWords {
  readonly text: string;
  /** false: what runs is not (all) what the tag holds. Undefined: not known. */
  readonly agrees?: boolean;
  readonly verdict: RuntimeVerdict;
}

/** The row's runtime verdict against its tag (undefined without runs:). */
export function runtimeStateOf(row: EnvironmentRow): RuntimeVerdict | undefined {
  if (!row.running || row.lookup.state !== 'present') return undefined;
  return runtimeVerdict(row.running, heldDigests(row));
}

export function runningText(row: EnvironmentRow, builds?: BuildsResult): RunningWords | undefined {
  const running = row.running;
  if (!running) return undefined;
  const tag = row.lookup.state === 'present' ? row.lookup.digest : null;
  // A release: an instance runs one of its images' digests (an api container the api's).
  const held = heldDigests(row);
  const verdict = runtimeVerdict(running, held);
  if (running.state === 'unreachable') return { text: running.restricted ? 'what runs: not read in Restricted Mode' : 'runtime unreachable', verdict };
  const total = running.instances.length;
  if (!total) return { text: 'nothing runs', agrees: false, verdict };
  const label = (digest: string | null): string => (digest ? buildLabel({ tag: buildTagOf(builds, digest) }, digest) : 'an unknown image');
  if (verdict === 'runs-tag') return { text: `runs ${label(tag)} (${total}/${total})`, agrees: true, verdict };
  const others = countRunning(running.instances.filter((i) => !held || !runsEverywhere([i], held)));
  const elsewhere = others.reduce((n, c) => n + c.count, 0);
  const what = others.length === 1 ? label(others[0]!.digest) : others.map((c) => `${label(c.digest)} (${c.count})`).join(', ');
  const text = tag ? `runs ${what} on ${elsewhere} of ${total} — not redeployed` : `runs ${what} (${elsewhere}/${total})`;
  return { text, agrees: false, verdict };
}
