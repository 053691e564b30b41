// Promotions measured the way a person meets them (issue 18): the services composeServices() builds,
// records on (the default `both`), promote() alone and the whole recorded run until "done", each
// beside the command a person would type instead; every result read back. Plus the cold copy into
// another registry (nothing to mount on either side) and 50 recorded promotions in a row.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_HISTORY_FILE } from '../../src/history/historyStore';
import { uniqueRepo, type TestServices } from '../harness';
import { promotionYaml } from '../fixtures/promotionYaml';
import { config } from '../integration/support';
import { appBench, readBack, runOnce, type AppBench } from './appCore';
import { docker, skopeoCopy } from './cli';
import { imageOn, makeLayer, type Layer } from './images';
import type { PromotionContext } from './promotionCases';
import type { Route } from './network';
import type { CaseSpec, Side } from './rounds';

let counter = 0x5000000;
function buildTag(): string {
  return (counter++).toString(16);
}

function perRound<T>(make: () => Promise<T>): (round: number) => Promise<T> {
  const made = new Map<number, Promise<T>>();
  return (round) => {
    let p = made.get(round);
    if (!p) made.set(round, (p = make()));
    return p;
  };
}

const oneEnvironment = (route: Route, repo: string) => config(promotionYaml(`${route.host}/${repo}`, [{ name: 'staging' }]));
const repository = (route: Route, repo: string) => ({ registry: route.host, path: repo });

interface Build {
  readonly tag: string;
  readonly digest: string;
}

/** The same move measured twice: promote() alone, and the whole recorded run until "done". */
function bothWays(name: string, rounds: number, ours: (until: 'promote' | 'done') => Side, peers: readonly Side[]): CaseSpec[] {
  return [
    { name: `${name}: promote()`, rounds, ours: ours('promote'), peers },
    { name: `${name}: the whole recorded run until "done" (history file + registry record)`, rounds, ours: ours('done'), peers },
  ];
}

export function recordedLocalCases(ctx: PromotionContext, bench: AppBench, source: { repo: string; layer: Layer }): CaseSpec[] {
  const { repo, layer } = source;
  const cfg = oneEnvironment(ctx.a, repo);
  const ref = (tag: string) => `${ctx.a.host}/${repo}:${tag}`;
  const mb = Math.round(layer.bytes.length / 1e6);
  const builds = (): ((round: number) => Promise<Build>) =>
    perRound(async () => {
      const tag = buildTag();
      const digest = await imageOn(ctx.aUrl, repo, tag, layer, new Date().toISOString());
      await docker(['pull', '-q', ref(tag)], ctx.svc.clientEnv());
      return { tag, digest };
    });
  const peerBuild = builds();
  const peer: Side = {
    label: 'docker tag && docker push',
    prepare: async (round) => void (await peerBuild(round)),
    run: async (round) => {
      const env = ctx.svc.clientEnv();
      await docker(['tag', ref((await peerBuild(round)).tag), ref('peer-staging')], env);
      await docker(['push', '-q', ref('peer-staging')], env);
    },
    check: async (round) => readBack(repository(ctx.a, repo), 'peer-staging', (await peerBuild(round)).digest),
  };
  const ours = (until: 'promote' | 'done'): Side => {
    const build = builds();
    return {
      label: 'ours',
      warmup: true,
      prepare: async (round) => void (await build(round)),
      run: async (round) => runOnce(bench, cfg, { kind: 'build', tag: (await build(round)).tag }, 'staging', until, 'engine'),
    };
  };
  return bothWays(`promotion of a ${mb} MB image already in the engine`, 5, ours, [peer]);
}

export function recordedSameRepoCases(ctx: PromotionContext, bench: AppBench, source: { repo: string; layer: Layer }): CaseSpec[] {
  const { repo, layer } = source;
  const cfg = oneEnvironment(ctx.a, repo);
  const ref = (tag: string) => `${ctx.a.host}/${repo}:${tag}`;
  const mb = Math.round(layer.bytes.length / 1e6);
  const builds = (): ((round: number) => Promise<Build>) =>
    perRound(async () => {
      const tag = buildTag();
      return { tag, digest: await imageOn(ctx.aUrl, repo, tag, layer, new Date().toISOString()) };
    });
  const peerBuild = builds();
  const peer: Side = {
    label: 'skopeo copy --all --preserve-digests',
    prepare: async (round) => void (await peerBuild(round)),
    run: async (round) => void (await skopeoCopy(ref((await peerBuild(round)).tag), ref('peer-staging'))),
    check: async (round) => readBack(repository(ctx.a, repo), 'peer-staging', (await peerBuild(round)).digest),
  };
  const ours = (until: 'promote' | 'done'): Side => {
    const build = builds();
    return {
      label: 'ours',
      warmup: true,
      prepare: async (round) => {
        await build(round);
        await docker(['image', 'prune', '-af'], ctx.svc.clientEnv());
      },
      run: async (round) => runOnce(bench, cfg, { kind: 'build', tag: (await build(round)).tag }, 'staging', until, 'registry'),
    };
  };
  return bothWays(`same-repository promotion, ${mb} MB image not in the engine`, 5, ours, [peer]);
}

/**
 * Into another registry with nothing to mount on either side: every round, each side copies a layer
 * of its own that no repository of the target registry has ever held (skopeo's blob-info cache and
 * our blob locations know nothing of it), into a repository of its own.
 */
export function coldCrossCase(ctx: PromotionContext, bench: AppBench, megabytes: number): CaseSpec {
  const fresh = (): ((round: number) => Promise<{ repo: string; tag: string; digest: string }>) =>
    perRound(async () => {
      const repo = uniqueRepo('coldsrc');
      const tag = buildTag();
      return { repo, tag, digest: await imageOn(ctx.aUrl, repo, tag, makeLayer(megabytes * 1e6), new Date().toISOString()) };
    });
  const ourBuild = fresh();
  const peerBuild = fresh();
  const peerTargets = new Map<number, string>();
  return {
    name: `promotion of ${megabytes} MB into another registry, cold (nothing to mount): promote()`,
    rounds: 9, // loopback, two registries and skopeo on two cores: noisy
    ours: {
      label: 'ours',
      warmup: true,
      prepare: async (round) => void (await ourBuild(round)),
      run: async (round) => {
        const { repo, tag } = await ourBuild(round);
        const cfg = config(promotionYaml(`${ctx.a.host}/${repo}`, [{ name: 'production', image: `${ctx.b.host}/${uniqueRepo('coldcross')}` }]));
        return runOnce(bench, cfg, { kind: 'build', tag }, 'production', 'promote', 'registry');
      },
    },
    peers: [
      {
        label: 'skopeo copy --all --preserve-digests',
        prepare: async (round) => void (await peerBuild(round)),
        run: async (round) => {
          const { repo, tag } = await peerBuild(round);
          const target = uniqueRepo('coldcross');
          peerTargets.set(round, target);
          await skopeoCopy(`${ctx.a.host}/${repo}:${tag}`, `${ctx.b.host}/${target}:production`);
        },
        check: async (round) => readBack(repository(ctx.b, peerTargets.get(round)!), 'production', (await peerBuild(round)).digest),
      },
    ],
  };
}

/**
 * RSS and heap before and after `count` recorded promotions in a row by one set of services, in a
 * Node process of its own (as one CLI process or window; the bench's own process holds its images).
 */
export async function manyPromotions(
  ctx: PromotionContext,
  count: number,
): Promise<{ before: NodeJS.MemoryUsage; after: NodeJS.MemoryUsage; ms: number; count: number; samples: MemorySample[] }> {
  const child = join(__dirname, 'scaleChild.js');
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', child, ctx.a.host, ctx.aUrl, String(count)], {
    env: { ...process.env, ...ctx.svc.env },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof manyPromotions>>;
}

/** After promotion `n` and a forced GC; the history file (read whole into memory: the data itself) beside. */
export interface MemorySample {
  readonly n: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  /** Of the heap: V8's compiled code (grows while the code warms up, then settles). */
  readonly codeMiB: number;
  /**
   * At 10, the middle and the last: the heap once the requests' time limits have run out (31 s later,
   * after a GC), and of it V8's code space then (warm-up is told apart from data by the two windows).
   */
  readonly settledHeapMiB?: number;
  readonly settledCodeMiB?: number;
  readonly historyKiB: number;
}

/** The child's side: one set of services, `count` recorded promotions of fresh 1 MB builds. */
export async function promotionsInARow(svc: TestServices, route: Route, registryUrl: string, count: number) {
  const bench = appBench(svc);
  const repo = uniqueRepo('many-promotions');
  const layer = makeLayer(1e6);
  const cfg = oneEnvironment(route, repo);
  const one = async (): Promise<void> => {
    const tag = buildTag();
    await imageOn(registryUrl, repo, tag, layer, new Date().toISOString());
    const run = await runOnce(bench, cfg, { kind: 'build', tag }, 'staging', 'done', 'registry');
    await run.after();
  };
  // A forced GC, then a turn of the event loop (finalizers run, undici lets go of requests), then another.
  const gcNow = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const gc = async (): Promise<void> => {
    gcNow();
    await new Promise((resolve) => setImmediate(resolve));
    gcNow();
  };
  const historyFile = join(bench.workspaceDir, DEFAULT_HISTORY_FILE);
  await one(); // warm: connections, caches, the code loaded
  await gc();
  const before = process.memoryUsage();
  const started = Date.now();
  const samples: MemorySample[] = [];
  const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 100) / 100;
  // Each request holds its time limit (the lookup timeout, 30 s) until it runs out: what was asked in
  // the last 30 s is still in the heap, however the promotions end. Settled: after that time, untimed.
  const codeSpace = (): number => getHeapSpaceStatistics().find((space) => space.space_name === 'code_space')?.space_used_size ?? 0;
  const settled = async (n: number): Promise<{ settledHeapMiB: number; settledCodeMiB: number }> => {
    await new Promise((resolve) => setTimeout(resolve, 31_000));
    await gc();
    const heapUsed = process.memoryUsage().heapUsed;
    const code = codeSpace();
    // For finding what grows: compare two snapshots by constructor (test/bench/heapDiff.mjs).
    const dir = process.env.IMGPROMO_BENCH_HEAP_SNAPSHOTS;
    if (dir) writeHeapSnapshot(join(dir, `promotions-${n}.heapsnapshot`));
    return { settledHeapMiB: mib(heapUsed), settledCodeMiB: mib(code) };
  };
  // Where the heap is also measured settled (and snapshotted): 10, the middle (a multiple of 10), the
  // last, and any of IMGPROMO_BENCH_SETTLED_AT. Two windows: a growth that slows is warm-up, not a leak.
  const middle = Math.round((10 + count) / 20) * 10;
  const settleAt = new Set([10, middle, count, ...(process.env.IMGPROMO_BENCH_SETTLED_AT ?? '').split(',').filter(Boolean).map(Number)]);
  let paused = 0;
  for (let i = 1; i <= count; i++) {
    await one();
    if (i % 10 === 0) {
      await gc();
      const m = process.memoryUsage();
      const code = codeSpace();
      const at = Date.now();
      const settledAt = settleAt.has(i) ? await settled(i) : undefined;
      paused += Date.now() - at;
      samples.push({
        n: i,
        rssMiB: mib(m.rss),
        heapMiB: mib(m.heapUsed),
        codeMiB: mib(code),
        ...settledAt,
        historyKiB: Math.round(statSync(historyFile).size / 1024),
      });
    }
  }
  const ms = Date.now() - started - paused;
  await gc();
  return { before, after: process.memoryUsage(), ms, count, samples };
}
