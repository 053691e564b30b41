// One promotion in a process of its own, the way a second window or the CLI would run it: used by
// races.test.ts to have two processes promote into one environment with one history file.
// Input: IMGPROMO_CHILD (JSON: yaml, buildTag, historyFile, barrier dir, name). Output: the
// outcome as JSON on the last line of stdout.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
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
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env['IMGPROMO_CHILD'] ?? '{}') as ChildInput;
  const svc = servicesFromEnv();
  if (!svc) throw new Error('IMGPROMO_TEST_* not set');
  const cfg = config(input.yaml);
  const core = makeCore(svc);
  // Both confirm at the same moment (or after 10 s, when the other was refused before it got there).
  const prompts = new ScriptedPrompts({
    onConfirm: async () => {
      writeFileSync(join(input.barrier, input.name), '');
      const until = Date.now() + 10_000;
      while (Date.now() < until && !input.peers.every((p) => existsSync(join(input.barrier, p)))) await new Promise((r) => setTimeout(r, 20));
    },
  });
  // The history file tells promote() where its cross-process lock lives (promotion flow's API).
  const withHistory: Partial<PromotionEnvironment> = { ...({ historyFile: input.historyFile } as object) };
  const request = { config: cfg, source: { kind: 'build' as const, tag: input.buildTag }, target: env(cfg, 'development') };
  const outcome = await promote(request, core.services, environmentFor(prompts, withHistory));
  await new HistoryStore(input.historyFile, core.log).append(historyRecordFor(request, outcome, { user: input.name }));
  process.stdout.write(`\n${JSON.stringify({ status: outcome.status, message: outcome.message, digest: outcome.digest, finalDigest: outcome.finalDigest })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
