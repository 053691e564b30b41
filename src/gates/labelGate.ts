// Runs a label gate: the image config must carry the required labels, each matching its pattern;
// with `revision: true`, the revision label must name a commit of the workspace's git repository.
import type { LabelGateConfig } from '../config/types';
import { isCancelled, throwIfAborted } from '../core/errors';
import { workspacePatternOrUndefined } from '../config/workspacePattern';
import { REVISION_LABEL, type ImageDetails } from '../images/imageDetails';
import { untilAborted } from './abortable';
import { errored, failed, passed, type GateContext, type GateResult } from './gate';
import { COMMIT_SHA, lookupCommit } from './gitCommit';

export async function runLabelGate(gate: LabelGateConfig, ctx: GateContext): Promise<GateResult> {
  const started = Date.now();
  const took = (): number => Date.now() - started;
  throwIfAborted(ctx.signal);
  if (!ctx.image) return errored(gate.name, gate.type, "the image's labels are not available to this gate");
  let image: ImageDetails;
  try {
    image = await untilAborted(ctx.image(), ctx.signal);
  } catch (error) {
    if (isCancelled(error)) throw error;
    return errored(gate.name, gate.type, `cannot read the image's labels: ${(error as Error).message}`, took());
  }

  const problems = labelProblems(gate.labels, image.labels);
  if (problems.length) {
    const count = Object.keys(gate.labels).length;
    const head = problems.length === 1 ? problems[0]! : `${problems.length} of ${count} required labels are wrong: ${problems.join('; ')}`;
    return failed(gate.name, gate.type, head, took(), problems);
  }
  const checked = Object.keys(gate.labels);
  const labelsSay = checked.length
    ? `${checked.length === 1 ? `label ${checked[0]} is` : `all ${checked.length} required labels are`} present and as required`
    : '';
  if (!gate.revision) return passed(gate.name, gate.type, labelsSay, took());

  const revision = await checkRevision(image.labels[REVISION_LABEL] ?? image.revision, ctx);
  const reason = [labelsSay, revision.reason].filter(Boolean).join('; ');
  const result = revision.status === 'passed' ? passed : revision.status === 'failed' ? failed : errored;
  return result(gate.name, gate.type, reason, took());
}

/** One line per required label that is missing or does not match. */
export function labelProblems(required: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [name, pattern] of Object.entries(required)) {
    const value = labels[name];
    if (value === undefined) problems.push(`missing label ${name}`);
    else if (pattern && !matches(pattern, value))
      problems.push(`label ${name} is ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}, which does not match /${pattern}/`);
  }
  return problems;
}

/** A pattern that does not compile matches nothing (the config check has reported it). */
function matches(pattern: string, value: string): boolean {
  return workspacePatternOrUndefined(pattern)?.test(value) ?? false;
}

async function checkRevision(label: string | undefined, ctx: GateContext): Promise<{ status: 'passed' | 'failed' | 'error'; reason: string }> {
  if (!label)
    return { status: 'failed', reason: `the image has no ${REVISION_LABEL} label naming its commit; build it with --label ${REVISION_LABEL}=<commit SHA>` };
  const sha = label.trim().toLowerCase();
  if (!COMMIT_SHA.test(sha))
    return { status: 'failed', reason: `${REVISION_LABEL} is ${JSON.stringify(label.slice(0, 80))}, which is not a commit SHA (7 to 64 hex digits)` };
  if (!ctx.workspaceDir) return { status: 'error', reason: `there is no workspace folder whose git history could hold commit ${sha}` };
  const found = await lookupCommit(ctx.workspaceDir, sha, ctx.signal);
  switch (found.kind) {
    case 'found':
      return { status: 'passed', reason: `commit ${sha} exists in the workspace's git history` };
    case 'missing':
      return {
        status: 'failed',
        reason: `commit ${sha} (the image's ${REVISION_LABEL}) is not in the workspace's git history; run git fetch if it was built from a branch you do not have, or check the image was built from this repository`,
      };
    case 'not-a-repository':
      return {
        status: 'error',
        reason: `the workspace folder is not a git repository, so commit ${sha} cannot be checked; open the repository the image is built from, or remove revision: true`,
      };
    case 'failed':
      return { status: 'error', reason: found.reason };
  }
}
