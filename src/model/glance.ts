// Status at a glance: what the last environment holds, and which environments need a look (behind the
// one before, or changed outside promotion). Read by the status bar and the view badge; words, not
// colours, carry each state.
import { shortDigest } from '../core/reference';
import { describeHold } from '../records/holds';
import { pendingApprovalsText } from './holdLookups';
import type { EnvironmentRow, Snapshot } from './snapshot';
import { runtimeVerdict } from '../runtime/running';
import { countRunning, runsEverywhere } from '../runtime/runtime';
import { heldDigests } from './releaseState';

export type GlanceState = 'in-step' | 'behind' | 'drift' | 'not-redeployed' | 'mixed' | 'empty' | 'error' | 'other';

export interface EnvironmentGlance {
  readonly environment: string;
  /** The build tag the builds list names for the digest, else the short digest; undefined when empty or unreadable. */
  readonly build?: string;
  readonly state: GlanceState;
  /** A short phrase for the state: "behind staging", "changed outside promotion", "empty", … */
  readonly words: string;
  /** `held by Ana since …: why`, when a hold stops promotions into it. */
  readonly hold?: string;
  /** `1 of 2 approvals for sha256:…`, while what would come next lacks approvals. */
  readonly pending?: string;
}

export interface Glance {
  /** The last environment (usually production): what the status bar shows. */
  readonly last: EnvironmentGlance;
  readonly environments: readonly EnvironmentGlance[];
  /** Environments behind the one before, changed outside promotion, not redeployed or holding a mixed release: what the badge counts. */
  readonly attention: readonly EnvironmentGlance[];
  /** Environments held (no promotion moves them until released). */
  readonly held: readonly EnvironmentGlance[];
}

export function glanceOf(snapshot: Snapshot): Glance | undefined {
  const rows = snapshot.environments.map((row) => {
    const glance = environmentGlance(row, snapshot);
    const pending = row.approvals ? pendingApprovalsText(row.approvals) : undefined;
    return {
      ...glance,
      ...(row.hold?.state === 'held' ? { hold: describeHold(row.hold.hold) } : {}),
      ...(pending ? { pending } : {}),
    };
  });
  const last = rows[rows.length - 1];
  if (!last) return undefined;
  return {
    last,
    environments: rows,
    attention: rows.filter((r) => r.state === 'behind' || r.state === 'drift' || r.state === 'not-redeployed' || r.state === 'mixed'),
    held: rows.filter((r) => r.hold),
  };
}

function environmentGlance(row: EnvironmentRow, snapshot: Snapshot): EnvironmentGlance {
  const environment = row.env.name;
  if (row.lookup.state === 'absent') {
    // Nothing promoted into it yet while the environment before holds a build: that is behind too.
    return row.previous && isBehind(row)
      ? { environment, state: 'behind', words: `empty, behind ${row.previous.name}` }
      : { environment, state: 'empty', words: 'empty' };
  }
  if (row.lookup.state === 'error') return { environment, state: 'error', words: 'could not be read' };
  // A release whose images are of several builds needs a look whatever its first image says.
  if (row.release?.kind === 'mixed')
    return {
      environment,
      ...(row.release.build ? { build: row.release.build } : {}),
      state: 'mixed',
      words: `mixed: ${row.release.differs.join(', ')} ${row.release.differs.length === 1 ? 'differs' : 'differ'}`,
    };
  const digest = row.lookup.digest;
  const tag = row.release?.kind === 'release' ? row.release.build : tagOf(snapshot, digest);
  const build = tag ?? shortDigest(digest);
  if (row.drift) return { environment, build, state: 'drift', words: 'changed outside promotion' };
  // What runs is not what the tag holds: the tag moved, the workload did not follow.
  const runs = row.running ? runtimeVerdict(row.running, heldDigests(row)) : undefined;
  if (runs === 'not-redeployed' || runs === 'not-running')
    return { environment, build, state: 'not-redeployed', words: notRedeployedWords(row, digest, (d) => tagOf(snapshot, d) ?? shortDigest(d)) };
  if (isBehind(row)) return { environment, build, state: 'behind', words: `behind ${row.previous?.name ?? 'the environment before'}` };
  if (row.relation === 'in-step') return { environment, build, state: 'in-step', words: `in step with ${row.previous?.name ?? ''}`.trim() };
  return { environment, build, state: 'other', words: row.previous ? relationWords(row.relation, row.previous.name) : 'first environment' };
}

function isBehind(row: EnvironmentRow): boolean {
  return row.relation === 'behind';
}

function relationWords(relation: EnvironmentRow['relation'], previous: string): string {
  if (relation === 'ahead') return `ahead of ${previous}`;
  if (relation === 'differs') return `differs from ${previous}`;
  return `not compared with ${previous}`;
}

/** `not redeployed: runs 3f9c2ab on 2 of 3`, `not redeployed: nothing runs`. */
function notRedeployedWords(row: EnvironmentRow, digest: string, label: (digest: string) => string): string {
  if (row.running?.state !== 'read' || !row.running.instances.length) return 'not redeployed: nothing runs';
  const total = row.running.instances.length;
  const held = heldDigests(row) ?? digest;
  const others = countRunning(row.running.instances.filter((i) => !runsEverywhere([i], held)));
  const elsewhere = others.reduce((n, c) => n + c.count, 0);
  return `not redeployed: runs ${others.map((c) => (c.digest ? label(c.digest) : 'an unknown image')).join(', ')} on ${elsewhere} of ${total}`;
}

function tagOf(snapshot: Snapshot, digest: string): string | undefined {
  return snapshot.builds.state === 'ok' ? snapshot.builds.rows.find((b) => b.digest === digest)?.tag : undefined;
}
