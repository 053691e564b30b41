// What an environment runs at a refresh, beside what its tag holds: read with a time limit so that a
// slow or unreachable runtime is a word in the row, never a wait or an error dialog.
import { envVariables } from '../config/placeholders';
import { isSecretHeaderName } from '../config/secretHeaders';
import type { RuntimeConfig } from '../config/types';
import { errorMessage, isCancelled } from '../core/errors';
import { countRunning, runsEverywhere, type RunningCount, type RunningInstance, type RuntimeReader } from './runtime';

/** A refresh waits this long for a runtime; then the row says it did not answer. */
export const RUNTIME_READ_LIMIT_MS = 5_000;

export type Running =
  | { readonly state: 'read'; readonly where: string; readonly instances: readonly RunningInstance[] }
  /** `restricted`: not read at all, in Restricted Mode (untrustedRuntimeProblem). */
  | { readonly state: 'unreachable'; readonly where: string; readonly reason: string; readonly restricted?: true };

/** How what runs stands against the tag: all on its digest, some elsewhere, nothing at all, or not known. */
export type RuntimeVerdict = 'runs-tag' | 'not-redeployed' | 'not-running' | 'unreachable';

export async function readRunning(reader: RuntimeReader, signal?: AbortSignal, limitMs = RUNTIME_READ_LIMIT_MS): Promise<Running> {
  const limit = AbortSignal.timeout(limitMs);
  const combined = signal ? AbortSignal.any([signal, limit]) : limit;
  let timer: NodeJS.Timeout | undefined;
  // A reader that ignores its signal still ends the wait at the limit.
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), limitMs)));
  try {
    const read = reader.read(combined);
    read.catch(() => undefined);
    const report = await Promise.race([read, late]);
    if (report === 'late') return { state: 'unreachable', where: reader.where, reason: `no answer within ${limitMs / 1000} s` };
    return { state: 'read', where: report.where, instances: report.instances };
  } catch (error) {
    if (signal?.aborted) throw error;
    if (limit.aborted) return { state: 'unreachable', where: reader.where, reason: `no answer within ${limitMs / 1000} s` };
    if (isCancelled(error)) throw error;
    return { state: 'unreachable', where: reader.where, reason: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why `runs:` is not read in Restricted Mode, as http gates are not run there: a cloned config must not
 * point the person's machine at an engine of its choosing (an ssh:// host gets their SSH agent) or send
 * their environment's secrets to an endpoint. The engine they chose and their own kubeconfig are read.
 */
export function untrustedRuntimeProblem(runs: RuntimeConfig): string | undefined {
  if (runs.kind === 'docker' && runs.host) return 'not read in Restricted Mode: runs.docker names its own engine (host); trust the workspace to read it';
  if (runs.kind !== 'http') return undefined;
  const secrets = Object.keys(runs.headers).some(isSecretHeaderName) || [runs.url, ...Object.values(runs.headers)].some((t) => envVariables(t).length > 0);
  if (secrets) return 'not read in Restricted Mode: runs.http sends secrets (${env:…} or a secret header); trust the workspace to read it';
  return undefined;
}

/** `tagDigest`: what the tag holds; a release's: every image's digest (each instance runs one of them). */
export function runtimeVerdict(running: Running, tagDigest: string | readonly string[] | null | undefined): RuntimeVerdict {
  if (running.state === 'unreachable') return 'unreachable';
  if (!running.instances.length) return 'not-running';
  return tagDigest && tagDigest.length && runsEverywhere(running.instances, tagDigest) ? 'runs-tag' : 'not-redeployed';
}

/** `running: [{ digest, count }]` as status --json prints it. */
export function runningCounts(running: Running, tagDigest: string | null | undefined): RunningCount[] {
  return running.state === 'read' ? countRunning(running.instances, tagDigest) : [];
}
