// One promotion in a process of its own, the way a second window or the CLI would run it: used by
// races.test.ts to have two processes promote into one environment with one history file.
// Input: IMGPROMO_CHILD (JSON: yaml, buildTag, historyFile, barrier dir, name, and killAt: a
// progress message at which the process SIGKILLs itself, as a dying extension host would).
// Output: the outcome as JSON on the last line of stdout.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import * as historyEntry from '../../src/promotion/historyEntry';
import { historyRecordFor } from '../../src/promotion/historyEntry';
import { promote, type PromotionEnvironment } from '../../src/promotion/promote';
import { servicesFromEnv } from '../harness/services';
import { config, env, environmentFor, makeCore, ScriptedPrompts } from '../integration/support';

interface ChildInput {
  readonly yaml: string;
  readonly buildTag: string;
  readonly historyFile: string;
  readonly barrier: string;
  readonly name: string;
  readonly peers: readonly string[];
  readonly transport?: 'engine' | 'registry';
  readonly killAt?: string;
}

/** The promotion flow's start record ("started", shown as interrupted when nobody ends it). */
type StartedRecordFor = (request: unknown, write: unknown, who: { user: string }, id: string) => unknown;

async function main(): Promise<void> {
  const input = JSON.parse(process.env['IMGPROMO_CHILD'] ?? '{}') as ChildInput;
  const svc = servicesFromEnv();
  if (!svc) throw new Error('IMGPROMO_TEST_* not set');
  const cfg = config(input.yaml);
  const core = makeCore(svc, input.transport ? { transport: input.transport } : {});
  const store = new HistoryStore(input.historyFile, core.log);
  // Both confirm at the same moment (or after 10 s, when the other was refused before it got there).
  const prompts = new ScriptedPrompts({
    onConfirm: async () => {
      writeFileSync(join(input.barrier, input.name), '');
      const until = Date.now() + 10_000;
      while (Date.now() < until && !input.peers.every((p) => existsSync(join(input.barrier, p)))) await new Promise((r) => setTimeout(r, 20));
    },
  });
  const request = { config: cfg, source: { kind: 'build' as const, tag: input.buildTag }, target: env(cfg, 'development') };
  // The promotion flow's API, as the extension's runner uses it: the history file (its
  // cross-process lock lives beside it) and a journal that records the start before the write.
  const startedRecordFor = (historyEntry as unknown as { startedRecordFor?: StartedRecordFor }).startedRecordFor;
  const journal = {
    started: async (write: unknown) =>
      void (startedRecordFor && (await store.append(startedRecordFor(request, write, { user: input.name }, `${input.name}-${process.pid}`) as never))),
  };
  const withHistory: Partial<PromotionEnvironment> = { ...({ historyFile: input.historyFile, journal } as object) };
  const progress = (m: string): void => {
    if (input.killAt && new RegExp(input.killAt).test(m)) process.kill(process.pid, 'SIGKILL');
  };
  const outcome = await promote(request, core.services, environmentFor(prompts, { ...withHistory, progress }));
  await store.append(historyRecordFor(request, outcome, { user: input.name }));
  process.stdout.write(`\n${JSON.stringify({ status: outcome.status, message: outcome.message, digest: outcome.digest, finalDigest: outcome.finalDigest })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
