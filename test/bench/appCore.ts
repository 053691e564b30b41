// Our side as a person meets it: the services composeServices() builds for the CLI and the extension
// (records on, the default `both`; the history file in a workspace folder of its own; where blobs were
// seen kept on disk), one set per profile so connections and caches are kept across rounds, and the
// registry client wrapped to count sequential round trips. A recorded run is runPromotion() until the
// person is told "done"; the registry record that may still be on its way is awaited (untimed) before
// the next round, and every result is read back independently of the services under test.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { composeServices, type AppServices } from '../../src/app/services';
import { runPromotion } from '../../src/app/runPromotion';
import type { PromotionConfig } from '../../src/config/types';
import { silentLogger } from '../../src/core/log';
import { parseRepository } from '../../src/core/reference';
import { anonymous } from '../../src/credentials/credentials';
import { lookupEnvironment } from '../../src/model/snapshot';
import { promote } from '../../src/promotion/promote';
import type { PromotionSource } from '../../src/promotion/promotionTypes';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { makeTempDir, type TestServices } from '../harness';
import { countingRegistry, type RegistryCalls } from '../integration/countingRegistry';
import { env, environmentFor, MemoryLog, ScriptedPrompts } from '../integration/support';

export interface AppBench {
  readonly app: AppServices;
  readonly counting: RegistryCalls;
  readonly workspaceDir: string;
  readonly log: TimedLog;
}

/** The core's log with the time since the run began on every line: where the time goes. */
class TimedLog extends MemoryLog {
  began = performance.now();
  private at(m: string | Error): string {
    return `+${(performance.now() - this.began).toFixed(0)} ms ${m instanceof Error ? m.message : m}`;
  }
  override debug(m: string): void {
    super.debug(this.at(m));
  }
  override info(m: string): void {
    super.info(this.at(m));
  }
  override warn(m: string): void {
    super.warn(this.at(m));
  }
  override error(m: string | Error): void {
    super.error(this.at(m));
  }
}

export function appBench(svc: TestServices, transport: 'engine' | 'registry' | 'auto' = 'auto'): AppBench {
  // The engine and the Docker config as the CLI finds them: DOCKER_HOST, DOCKER_CONFIG.
  process.env.DOCKER_CONFIG = svc.dockerConfig;
  let counting: RegistryCalls | undefined;
  const log = new TimedLog();
  const app = composeServices({
    log,
    dockerHost: () => svc.dockerHost,
    insecureRegistries: () => [],
    lookupTimeoutMs: () => 30_000,
    transport: () => transport,
    historyFile: () => undefined,
    records: () => 'both',
    warn: (message) => log.warn(message),
    blobLocationsFile: join(makeTempDir('bench-app-cache'), 'blob-locations.json'),
    wrapRegistry: (client) => (counting = countingRegistry(client)).registry,
  });
  // As the CLI does (cli/context.ts): gates, rollback and the runner read the registry's records of
  // what the environments hold now, with the history file, before a promotion starts.
  app.history.useRecords(async (history) => {
    const held = await Promise.all(
      (current?.environments ?? []).map(async (e) => {
        const lookup = await lookupEnvironment(app.registry, e);
        return { env: e, ...(lookup.state === 'present' ? { digest: lookup.digest } : lookup.state === 'absent' ? { digest: null } : {}) };
      }),
    );
    return app.withRecords(history, held);
  });
  return { app, counting: counting!, workspaceDir: makeTempDir('bench-workspace'), log };
}

export interface RecordedRun {
  readonly roundTrips: number;
  readonly calls: string[];
  /** Untimed, after the measurement: waits for the registry record and reads the target back. */
  readonly after: () => Promise<{ recordAfterDoneMs?: number }>;
  /** The core's log of this run, timed (read after `after`). */
  readonly timeline: () => string[];
}

/**
 * One promotion into `target`, no gates, confirmed at once. `promote`: promote() alone (the move and
 * its verification); `done`: the whole recorded run until runPromotion() says done. Throws unless it
 * succeeded through `expectTransport`; `after` throws unless the registry record was written and the
 * target reads back as the promoted digest.
 */
export async function runOnce(
  bench: AppBench,
  config: PromotionConfig,
  source: PromotionSource,
  target: string,
  until: 'promote' | 'done',
  expectTransport?: 'engine' | 'registry',
): Promise<RecordedRun> {
  bench.counting.reset();
  bench.log.lines.length = 0;
  bench.log.began = performance.now();
  const request = { config, source, target: env(config, target) };
  current = config;
  const environment = { ...environmentFor(new ScriptedPrompts()), workspaceDir: bench.workspaceDir };
  let outcome;
  let pending: Promise<readonly { state: string; reason?: string }[]> | undefined;
  if (until === 'promote') {
    outcome = await promote(request, bench.app.promotion, environment);
  } else {
    const recorded = await runPromotion(bench.app, request, environment);
    outcome = recorded.outcome;
    // Before the record followed "done", runPromotion had no registryRecords: it was written before.
    pending = (recorded as { registryRecords?: typeof pending }).registryRecords;
  }
  const done = performance.now();
  bench.log.info('done');
  const roundTrips = bench.counting.roundTrips();
  const calls = [...bench.counting.calls];
  if (outcome.status !== 'succeeded') throw new Error(`promotion into ${target} ${outcome.status}: ${outcome.message}`);
  if (expectTransport && outcome.transport !== expectTransport)
    throw new Error(`promotion went through ${outcome.transport}, the case measures ${expectTransport}`);
  const after = async (): Promise<{ recordAfterDoneMs?: number }> => {
    let recordAfterDoneMs: number | undefined;
    if (pending) {
      const writes = await pending;
      recordAfterDoneMs = performance.now() - done;
      bench.log.info('registry record settled');
      for (const w of writes) if (w.state !== 'written') throw new Error(`the registry record was ${w.state}: ${w.reason ?? ''}`);
    }
    if (until === 'done' && !bench.log.lines.some((l) => /promotion record \S+ written to/.test(l)))
      throw new Error(`no registry record was written:\n${bench.log.text()}`);
    await readBack(request.target.repository, request.target.tag, outcome.digest!);
    return recordAfterDoneMs !== undefined ? { recordAfterDoneMs } : {};
  };
  return { roundTrips, calls, after, timeline: () => bench.log.lines.filter((l) => !l.startsWith('debug') && !l.startsWith('trace')) };
}

/** The config of the promotion running now (the CLI has one config per process). */
let current: PromotionConfig | undefined;

// Its log keeps nothing: a MemoryLog here gained a line at every read back, for the life of the
// process, in the heap the scale case measures (~0.4 KiB a promotion that was the bench's, not ours).
const reader = new HttpRegistryClient({ credentials: anonymous, log: silentLogger, timeoutMs: () => 30_000 });

/** The target's tag, read by a client of its own: it must name the promoted digest. */
export async function readBack(repository: { registry: string; path: string }, tag: string, digest: string): Promise<void> {
  const found = await reader.resolve(parseRepository(`${repository.registry}/${repository.path}`), tag);
  if (found?.digest !== digest) throw new Error(`${repository.path}:${tag} reads back as ${found?.digest ?? 'nothing'}, not ${digest}`);
}
