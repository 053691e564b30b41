// `status`: each environment's digest and state, the builds, and who promoted what last.
import { environmentDescriptionParts, environmentState } from '../../app/statusText';
import { errorMessage } from '../../core/errors';
import { repositoryName, shortDigest } from '../../core/reference';
import { recordsFor } from '../../history/queries';
import type { HistoryRecord } from '../../history/record';
import { takeSnapshot, type EnvironmentRow } from '../../model/snapshot';
import { environmentWindow, type EnvironmentWindow } from '../../model/windows';
import type { CliContext } from '../context';
import { runningCounts, runtimeVerdict, type Running } from '../../runtime/running';
import type { RunningCount } from '../../runtime/runtime';
import { heldDigests } from '../../model/releaseState';
import { displayPath } from '../context';
import { EXIT, type ExitCode } from '../exitCodes';

export async function status(ctx: CliContext, signal: AbortSignal): Promise<ExitCode> {
  const { app, config, workspaceDir, out } = ctx;
  const snapshot = await takeSnapshot(
    config,
    app.snapshotServices(() => app.history.readFile(workspaceDir)),
    signal,
  );
  const records = snapshot.history?.records ?? [];
  const last = (name: string): HistoryRecord | undefined => recordsFor(records, name).find((r) => r.outcome === 'succeeded');
  const now = app.now();
  const environments = snapshot.environments.map((row) => {
    const lastPromotion = last(row.env.name);
    const window = environmentWindow(row.env, now);
    return {
      name: row.env.name,
      tag: row.env.tag,
      repository: repositoryName(row.env.repository),
      state: environmentState(row),
      ...(row.lookup.state === 'present' ? { digest: row.lookup.digest, mediaType: row.lookup.mediaType } : {}),
      ...(row.lookup.state === 'error' ? { error: { kind: row.lookup.error.kind, message: errorMessage(row.lookup.error) } } : {}),
      ...(row.components ? { release: releaseSummary(row) } : {}),
      description: environmentDescriptionParts(row, undefined, now).join(' · '),
      ...(row.running ? runningSummary(row.running, row.lookup.state === 'present' ? row.lookup.digest : null, heldDigests(row)) : {}),
      ...(window ? { window: windowSummary(window) } : {}),
      ...(row.hold?.state === 'held' ? { hold: row.hold.hold } : {}),
      ...(row.hold?.state === 'error' ? { holdError: errorMessage(row.hold.error) } : {}),
      ...(row.approvals ? { approvals: row.approvals } : {}),
      ...(lastPromotion ? { lastPromotion: lastSummary(lastPromotion) } : {}),
    };
  });
  const builds = snapshot.builds.state === 'ok' ? snapshot.builds.rows : [];
  const value = {
    config: ctx.configFile,
    image: repositoryName(config.repository),
    ...(config.components ? { images: config.components.map((c) => ({ name: c.name, image: repositoryName(c.repository) })) } : {}),
    historyFile: app.history.file(workspaceDir),
    environments,
    builds:
      snapshot.builds.state === 'ok'
        ? {
            state: 'ok',
            rows: builds.map((b) => ({
              tag: b.tag,
              digest: b.digest,
              ...(b.created ? { created: b.created } : {}),
              heldBy: b.heldBy,
              ...(b.components ? { images: b.components, complete: !b.missing?.length } : {}),
              ...(b.missing?.length ? { missing: b.missing } : {}),
            })),
          }
        : { state: 'error', error: { kind: snapshot.builds.error.kind, message: errorMessage(snapshot.builds.error) } },
    ...(snapshot.engine
      ? {
          engine:
            snapshot.engine.state === 'ok' ? snapshot.engine : { state: 'error', address: snapshot.engine.address, error: errorMessage(snapshot.engine.error) },
        }
      : {}),
  };

  const width = Math.max(...environments.map((e) => e.name.length));
  const shownImage = config.components
    ? `release of ${config.components.map((c) => `${c.name} ${repositoryName(c.repository)}`).join(', ')}`
    : repositoryName(config.repository);
  const lines = [`${shownImage} (${displayPath(ctx.configFile)})`];
  for (const e of environments) {
    const lastLine = e.lastPromotion
      ? `   last: ${e.lastPromotion.digest ? shortDigest(e.lastPromotion.digest) : '?'} ${e.lastPromotion.kind === 'rollback' ? 'rolled back' : 'promoted'} by ${e.lastPromotion.by} at ${e.lastPromotion.time}`
      : '';
    lines.push(`  ${e.name.padEnd(width)}  ${e.description}${lastLine}`);
    for (const c of e.release?.images ?? [])
      lines.push(
        `  ${''.padEnd(width)}    ${c.name}: ${c.digest ? shortDigest(c.digest) : c.state}${e.release?.differs?.includes(c.name) ? ' (differs)' : ''}`,
      );
  }
  if (snapshot.builds.state === 'ok') {
    lines.push(`builds (${builds.length} of ${snapshot.builds.matching} matching ${config.builds.tagPattern.source}):`);
    for (const b of builds)
      lines.push(
        b.components
          ? `  ${b.tag}  ${b.missing?.length ? `incomplete: no ${b.missing.join(', ')} (not promotable)` : b.components.map((c) => `${c.name} ${shortDigest(c.digest!)}`).join(', ')}${b.heldBy.length ? `  in ${b.heldBy.join(', ')}` : ''}`
          : `  ${b.tag}  ${shortDigest(b.digest)}${b.heldBy.length ? `  in ${b.heldBy.join(', ')}` : ''}`,
      );
  } else {
    lines.push(`builds: ${errorMessage(snapshot.builds.error)}`);
  }
  if (snapshot.engine)
    lines.push(
      snapshot.engine.state === 'ok'
        ? `engine: ${snapshot.engine.address}`
        : `engine unreachable at ${snapshot.engine.address}: ${errorMessage(snapshot.engine.error)}`,
    );
  out.result(lines, value);
  if (snapshot.history?.problems.length)
    out.message(`${snapshot.history.problems.length} line(s) of ${displayPath(app.history.file(workspaceDir))} could not be read and were skipped.`);

  // Not a failure of the lookup (the tags were read): said, and the exit code stays the tags'.
  for (const row of snapshot.environments)
    if (row.running?.state === 'unreachable') out.message(`${row.env.name}: what runs could not be read from ${row.running.where}: ${row.running.reason}`);

  const failures = snapshot.environments.flatMap((r) =>
    (r.components ?? [{ name: '', lookup: r.lookup }]).flatMap((c) =>
      c.lookup.state === 'error' ? [`${r.env.name}${c.name ? ` (${c.name})` : ''}: ${errorMessage(c.lookup.error)}`] : [],
    ),
  );
  if (snapshot.builds.state === 'error') failures.push(`builds: ${errorMessage(snapshot.builds.error)}`);
  for (const failure of failures) out.error(failure, 'image-promotion status');
  return failures.length ? EXIT.infrastructure : EXIT.ok;
}

/** `running: [{ digest, count }]` and where it was read (or why it could not be). */
function runningSummary(
  running: Running,
  tag: string | null,
  held: string | readonly string[] | null,
): { running: RunningCount[]; runtime: { where: string; state: string; reason?: string } } {
  return {
    running: runningCounts(running, tag),
    runtime:
      running.state === 'read'
        ? { where: running.where, state: runtimeVerdict(running, held) }
        : { where: running.where, state: 'unreachable', reason: running.reason },
  };
}

/** Per image: what its tag holds; and whether together they are one build's release or a mix. */
function releaseSummary(row: EnvironmentRow): {
  state: string;
  build?: string;
  differs?: readonly string[];
  images: { name: string; state: string; digest?: string; error?: string }[];
} {
  const release = row.release ?? { kind: 'unknown' };
  return {
    state: release.kind,
    ...(release.kind === 'release' || (release.kind === 'mixed' && release.build) ? { build: (release as { build: string }).build } : {}),
    ...(release.kind === 'mixed' ? { differs: release.differs } : {}),
    images: (row.components ?? []).map((c) => ({
      name: c.name,
      state: c.lookup.state,
      ...(c.lookup.state === 'present' ? { digest: c.lookup.digest } : {}),
      ...(c.lookup.state === 'error' ? { error: errorMessage(c.lookup.error) } : {}),
    })),
  };
}

function lastSummary(r: HistoryRecord): { kind: string; digest?: string; by: string; time: string; source: string } {
  return { kind: r.kind, ...(r.digest ? { digest: r.digest } : {}), by: r.who.name ?? r.who.user, time: r.time, source: r.source.label };
}

/** `{open, until|opensAt, reason}`, instants in ISO 8601 (absent when not within the search). */
function windowSummary(w: EnvironmentWindow): { open: boolean; until?: string; opensAt?: string; reason: string } {
  const iso = (t: number): string => new Date(t).toISOString();
  return w.open
    ? { open: true, ...(w.until !== undefined ? { until: iso(w.until) } : {}), reason: w.reason }
    : { open: false, ...(w.opensAt !== undefined ? { opensAt: iso(w.opensAt) } : {}), reason: w.reason };
}
