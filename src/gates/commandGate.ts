// Runs a command gate: argv without a shell, promotion facts in the environment, output to the log,
// a time limit and cancellation that kill the whole process group. Only in a trusted workspace.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { CommandGateConfig } from '../config/types';
import { CancelledError, throwIfAborted } from '../core/errors';
import { failed, passed, type GateContext, type GateResult } from './gate';
import { untrustedReason } from './trust';

const KEPT_LINES = 20;
/** How many of the last output lines a failed gate's result carries in `details`. */
export const REPORTED_LINES = 5;
/** A process that ignores SIGTERM this long is killed. */
export const KILL_GRACE_MS = 3_000;

export const UNTRUSTED_REASON = untrustedReason('command gates run');

/**
 * The variables a command gate sees besides the extension host's own environment. A release adds, per
 * image, `DIGEST_<NAME>` and `IMAGE_REF_<NAME>` (the name upper-cased, other characters as `_`), and
 * `IMAGE_REFS`: every image's reference, one per line (`IMAGE`, `DIGEST`, `IMAGE_REF` are the first's).
 */
export function gateEnvironment(ctx: GateContext): Record<string, string> {
  const release: Record<string, string> = {};
  for (const c of ctx.components ?? []) {
    const key = componentVariable(c.name);
    release[`DIGEST_${key}`] = c.digest;
    release[`IMAGE_REF_${key}`] = `${c.sourceImage}@${c.digest}`;
  }
  if (ctx.components) release.IMAGE_REFS = ctx.components.map((c) => `${c.sourceImage}@${c.digest}`).join('\n');
  return {
    IMAGE: ctx.sourceImage,
    DIGEST: ctx.sourceDigest,
    IMAGE_REF: `${ctx.sourceImage}@${ctx.sourceDigest}`,
    SOURCE_ENV: ctx.sourceEnvironment ?? '',
    TARGET_ENV: ctx.target.name,
    TARGET_TAG: ctx.target.tag,
    TARGET_IMAGE: ctx.target.image,
    ...release,
  };
}

/** `api-gateway` → `API_GATEWAY`: an image name as part of an environment variable's name. */
export function componentVariable(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export async function runCommandGate(gate: CommandGateConfig, ctx: GateContext): Promise<GateResult> {
  const started = Date.now();
  throwIfAborted(ctx.signal);
  if (!ctx.trusted) return failed(gate.name, gate.type, UNTRUSTED_REASON);
  if (!ctx.workspaceDir) return failed(gate.name, gate.type, 'command gates need a workspace folder to run in');
  const cwd = path.resolve(ctx.workspaceDir, gate.cwd ?? '.');
  const [program, ...args] = gate.run;
  if (!program) return failed(gate.name, gate.type, 'the gate has no command to run');
  const log = ctx.log;
  log.info(`[${gate.name}] running ${JSON.stringify(gate.run)} in ${cwd}`);

  return new Promise<GateResult>((resolve, reject) => {
    const child = spawn(program, args, {
      cwd,
      env: { ...process.env, ...gate.env, ...gateEnvironment(ctx) },
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout or cancel also stops what the script started.
      detached: process.platform !== 'win32',
    });
    const tail: string[] = [];
    let timedOut = false;
    let cancelled = false;
    const keep = (stream: string) => {
      let partial = '';
      return (chunk: Buffer): void => {
        const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
        partial = lines.pop() ?? '';
        for (const line of lines) record(line, stream);
      };
    };
    const record = (line: string, stream: string): void => {
      if (!line.trim()) return;
      log.info(`[${gate.name}] ${stream === 'stderr' ? '! ' : ''}${line}`);
      tail.push(line);
      if (tail.length > KEPT_LINES) tail.shift();
    };
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));

    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) {
          try {
            if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
            else child.kill('SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }, KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, gate.timeoutSeconds * 1000);
    const onAbort = (): void => {
      cancelled = true;
      kill();
    };
    ctx.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      const reason =
        error.code === 'ENOENT'
          ? `cannot run "${program}": not found (looked in ${cwd} and on PATH)`
          : error.code === 'EACCES'
            ? `cannot run "${program}": permission denied (is it executable?)`
            : `cannot run "${program}": ${error.message}`;
      resolve({ name: gate.name, type: gate.type, status: 'error', reason, durationMs: Date.now() - started });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      const durationMs = Date.now() - started;
      const seconds = (durationMs / 1000).toFixed(1);
      const last = tail[tail.length - 1];
      const lastLines = tail.slice(-REPORTED_LINES);
      if (cancelled) return reject(new CancelledError(`${gate.name} cancelled`));
      if (timedOut)
        return resolve(
          failed(
            gate.name,
            gate.type,
            `timed out after ${gate.timeoutSeconds} s and was stopped${last ? `; last output: ${last}` : ''}`,
            durationMs,
            lastLines,
          ),
        );
      if (code === 0) return resolve(passed(gate.name, gate.type, `exited 0 after ${seconds} s`, durationMs));
      const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
      resolve(failed(gate.name, gate.type, `${how} after ${seconds} s${last ? `: ${last}` : ''}`, durationMs, lastLines));
    });
  });
}
