// Benchmark: what promotion records in the registry cost — one record written (Distribution 2.8: the
// fallback index), the records of a digest read cold and cached, and a refresh of 3 environments with
// and without reading records. Prints figures; asserts nothing.
// `npx tsc -p test/tsconfig.json && node out/test/bench/records.bench.js`
import { performance } from 'node:perf_hooks';
import { recordFromOutcome } from '../../src/history/record';
import { takeSnapshot } from '../../src/model/snapshot';
import { RefreshRecords } from '../../src/records/refreshRecords';
import { RegistryRecords } from '../../src/records/registryRecords';
import { pushImage, sharedServices, tagExisting, uniqueRepo } from '../harness';
import { makeCore, threeEnvironments } from '../integration/support';

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${pick(0.5).toFixed(1)} ms, p90 ${pick(0.9).toFixed(1)} ms, min ${sorted[0]!.toFixed(1)} ms (n=${samples.length})`;
}

async function time(fn: () => Promise<unknown>, rounds: number): Promise<number[]> {
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
    const repository = `${svc.registry}/${repo}`;
    const at = { registry: svc.registry, path: repo };
    const build = await pushImage(svc.registryUrl, repo, 'be0c001');
    for (const tag of ['dev', 'staging', 'production']) await tagExisting(svc.registryUrl, repo, build.digest, tag);
    const core = makeCore(svc);
    const writer = new RegistryRecords({ registry: core.services.registry, log: core.log });
    let n = 0;
    const write = await time(() => {
      const environment = ['development', 'staging', 'production'][n++ % 3]!;
      const record = recordFromOutcome(
        {
          status: 'succeeded',
          message: 'bench',
          digest: build.digest,
          previousDigest: null,
          finalDigest: build.digest,
          gates: [],
          durationMs: 1,
          transport: 'registry',
        },
        { source: { label: 'bench', repository }, target: { environment, tag: environment === 'development' ? 'dev' : environment, repository } },
        { user: 'bench' },
      );
      return writer.write(at, build.digest, record);
    }, 30);
    const cold = await time(() => new RegistryRecords({ registry: makeCore(svc).services.registry, log: core.log }).read(at, build.digest), 5);
    const reader = new RegistryRecords({ registry: core.services.registry, log: core.log });
    await reader.read(at, build.digest);
    const warm = await time(() => reader.read(at, build.digest), 20);

    const cfg = threeEnvironments(repository);
    const plain = await time(() => takeSnapshot(cfg, core.snapshotServices), 20);
    const refreshRecords = new RefreshRecords({ records: reader, log: core.log });
    const withRecords = await time(
      () =>
        takeSnapshot(cfg, { ...core.snapshotServices, readRecords: (environments, context, signal) => refreshRecords.begin(environments, context, signal) }),
      20,
    );

    console.log('Promotion records, loopback registry (Distribution 2.8: fallback index), one digest holding 30 records:');
    console.log(`  write one record (blobs, manifest, index read/write/verify): ${stats(write)}`);
    console.log(`  read a digest's 30 records, cold (new client, empty cache):  ${stats(cold)}`);
    console.log(`  read them again, artifacts cached (index only):             ${stats(warm)}`);
    console.log(`  refresh of 3 environments, no records:                      ${stats(plain)}`);
    console.log(`  refresh of 3 environments with their records (cached):      ${stats(withRecords)}`);
  } finally {
    await svc.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
