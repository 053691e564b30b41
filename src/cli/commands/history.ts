// `history [<environment>]`: recorded attempts, newest first.
import { shortDigest } from '../../core/reference';
import { recordsFor } from '../../history/queries';
import type { HistoryRecord } from '../../history/record';
import type { CliContext } from '../context';
import { displayPath, environmentNamed } from '../context';
import { EXIT, type ExitCode } from '../exitCodes';

export async function history(ctx: CliContext, environment: string | undefined): Promise<ExitCode> {
  const { app, workspaceDir, config } = ctx;
  const names = environment ? [environmentNamed(config, environment).name] : config.environments.map((e) => e.name);
  const contents = await app.history.read(workspaceDir);
  const records = names.flatMap((name) => recordsFor(contents.records, name)).sort((a, b) => b.time.localeCompare(a.time));
  const file = app.history.file(workspaceDir);
  const lines = records.length ? records.map(recordLine) : [`No attempts recorded${environment ? ` for ${names[0]}` : ''} in ${displayPath(file)}.`];
  ctx.out.result(lines, { historyFile: file, records, problems: contents.problems });
  if (contents.problems.length)
    ctx.out.message(
      `${contents.problems.length} line(s) of ${displayPath(file)} could not be read and were skipped (first: line ${contents.problems[0]!.line}: ${contents.problems[0]!.reason}).`,
    );
  return EXIT.ok;
}

function recordLine(r: HistoryRecord): string {
  const who = r.who.name ?? r.who.user;
  const what = r.kind === 'rollback' ? 'rollback' : 'promotion';
  // A release names every image's digest; a single image its digest.
  const digests = r.components?.length
    ? r.components.map((c) => `${c.name} ${c.digest ? shortDigest(c.digest) : '(no digest)'}`).join(', ')
    : r.digest
      ? shortDigest(r.digest)
      : '(no digest)';
  return `${r.time}  ${r.target.environment}  ${digests}  ${what} ${r.outcome}  from ${r.source.label}  by ${who}  ${r.transport}${r.override ? '  gates overridden' : ''}`;
}
