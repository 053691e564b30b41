// Where a steady-state refresh's time goes on loopback (no network to wait for): N refreshes of the
// 10 + 200 repository through the composed services, timed; run with --cpu-prof to see the functions.
// `npx tsc -p test/tsconfig.json && node out/test/bench/refreshProfile.js [environments builds] [profile.cpuprofile]`
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { takeSnapshot } from '../../src/model/snapshot';
import { sharedServices } from '../harness';
import { composedSnapshotServices, makeRefreshRepo, refreshConfig } from './refreshCases';
import { median } from './stats';

async function main(): Promise<void> {
  const svc = await sharedServices();
  try {
    const r = await makeRefreshRepo(svc.registryUrl, Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 200));
    const cfg = refreshConfig({ host: svc.registry, url: svc.registryUrl, connections: () => undefined }, r);
    const services = composedSnapshotServices(svc);
    for (let i = 0; i < 12; i++) await takeSnapshot(cfg, services);
    const session = process.argv[4] ? new Session() : undefined;
    session?.connect();
    await session?.post('Profiler.enable');
    await session?.post('Profiler.start');
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await takeSnapshot(cfg, services);
      times.push(performance.now() - t);
    }
    if (session) writeFileSync(process.argv[4]!, JSON.stringify((await session.post('Profiler.stop')).profile));
    console.log(`refresh ${r.environments} + ${r.builds} on loopback: median ${median(times).toFixed(1)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`);
  } finally {
    await svc.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
