// Benchmark: how long a tree refresh takes (3 environments + 20 builds) against one lookup, and the
// engine's distribution endpoint for comparison. Prints figures; asserts nothing. `npm run bench`.
import { performance } from 'node:perf_hooks';
import { takeSnapshot } from '../../src/model/snapshot';
import { engineDistribution, pushImage, sharedServices, tagExisting, uniqueRepo } from '../harness';
import { makeCore, threeEnvironments } from '../integration/support';

const ROUNDS = 20;

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${pick(0.5).toFixed(1)} ms, p90 ${pick(0.9).toFixed(1)} ms, min ${sorted[0]!.toFixed(1)} ms (n=${samples.length})`;
}

async function time(fn: () => Promise<unknown>, rounds = ROUNDS): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

async function main(): Promise<void> {
  const svc = await sharedServices();
  try {
    const repo = uniqueRepo('bench');
    const digests: string[] = [];
    for (let i = 0; i < 20; i++) {
      const tag = (0x1000000 + i).toString(16).padStart(7, '0');
      digests.push((await pushImage(svc.registryUrl, repo, tag, { created: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() })).digest);
    }
    await tagExisting(svc.registryUrl, repo, digests[19]!, 'dev');
    await tagExisting(svc.registryUrl, repo, digests[18]!, 'staging');
    await tagExisting(svc.registryUrl, repo, digests[17]!, 'production');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);

    const cold = makeCore(svc);
    const t0 = performance.now();
    const first = await takeSnapshot(cfg, cold.snapshotServices);
    const coldMs = performance.now() - t0;
    if (first.builds.state !== 'ok' || first.builds.rows.length !== 20) throw new Error('the benchmark expected 20 builds');

    const core = makeCore(svc);
    await takeSnapshot(cfg, core.snapshotServices); // warm the details cache, as the tree does
    const env = cfg.environments[0]!;
    const single = await time(() => core.snapshotServices.registry.resolve(env.repository, env.tag));
    const refresh = await time(() => takeSnapshot(cfg, core.snapshotServices));
    const engineOne = await time(() => engineDistribution(svc.dockerHost, `${svc.registry}/${repo}:dev`), 10);
    const engineTwenty = await time(() => Promise.all(digests.map((_, i) => engineDistribution(svc.dockerHost, `${svc.registry}/${repo}:${(0x1000000 + i).toString(16)}`))), 5);

    console.log('Refresh of 3 environments + 20 builds, loopback registry (Distribution 2.8), engine 20.10:');
    console.log(`  one registry HEAD lookup:             ${stats(single)}`);
    console.log(`  full refresh, details cached:         ${stats(refresh)}`);
    console.log(`  first refresh (manifest+config reads): ${coldMs.toFixed(1)} ms`);
    console.log(`  engine /distribution, one lookup:     ${stats(engineOne)}`);
    console.log(`  engine /distribution, 20 in parallel: ${stats(engineTwenty)}`);
  } finally {
    await svc.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
