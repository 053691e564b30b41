// Benchmark: what a tree refresh costs, in time and requests, for 3 environments + 20 builds and
// + 5,000 builds, first (nothing cached) and second (build tags' digests and details cached), on
// loopback and through a proxy adding 25 ms each way (50 ms round trip), against one manifest HEAD
// over a kept connection. Prints a table and the same as JSON; asserts nothing. `npm run bench`.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, fetch as undiciFetch } from 'undici';
import type { PromotionConfig } from '../../src/config/types';
import type { Logger } from '../../src/core/log';
import { DetailsStore } from '../../src/images/detailsStore';
import { ImageDetailsCache } from '../../src/images/imageDetails';
import { mapLimit } from '../../src/model/mapLimit';
import { takeSnapshot, type SnapshotServices } from '../../src/model/snapshot';
import { anonymous } from '../../src/credentials/credentials';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { putManifest, pushImage, startRegistry, tagExisting, uniqueRepo } from '../harness';
import { config } from '../integration/support';
import { promotionYaml } from '../fixtures/promotionYaml';

const ROUNDS = 15;
const quiet: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A TCP proxy that delays every chunk by `oneWayMs` in each direction (order kept: equal timers fire in order). */
async function latencyProxy(targetPort: number, oneWayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const relay = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), oneWayMs));
      from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    };
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Row {
  profile: string;
  builds: number;
  oneHeadMs: number;
  firstMs: number;
  firstRequests: number;
  firstManifestGets: number;
  secondMs: number;
  secondRequests: number;
  ratio: number;
}

async function main(): Promise<void> {
  const registry = await startRegistry();
  const dir = mkdtempSync(join(tmpdir(), 'imgpromo-bench-'));
  const proxies: { close(): Promise<void> }[] = [];
  try {
    // Setup on loopback, straight to the registry.
    const small = uniqueRepo('bench');
    for (let i = 0; i < 20; i++)
      await pushImage(registry.url, small, (0x1000000 + i).toString(16), { created: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() });
    const large = uniqueRepo('bench');
    const image = await pushImage(registry.url, large, undefined, { created: '2026-01-01T00:00:00Z' });
    await mapLimit(
      Array.from({ length: 5000 }, (_, i) => String(i + 1)),
      16,
      (tag) => putManifest(registry.url, large, tag, image.manifest, image.mediaType),
    );
    for (const [repo, from] of [
      [small, '1000013'],
      [large, '5000'],
    ] as const)
      for (const tag of ['dev', 'staging', 'production']) await tagExisting(registry.url, repo, from, tag);

    const rows: Row[] = [];
    const profiles: [string, number][] = [
      ['loopback', 0],
      ['50 ms RTT', 25],
    ];
    for (const [profile, oneWay] of profiles) {
      const proxy = oneWay ? await latencyProxy(registry.port, oneWay) : undefined;
      if (proxy) proxies.push(proxy);
      const host = `127.0.0.1:${proxy?.port ?? registry.port}`;
      const cases: [number, PromotionConfig][] = [
        [20, config(promotionYaml(`${host}/${small}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }]))],
        [
          5000,
          config(
            `${promotionYaml(`${host}/${large}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }])}builds:\n  tagPattern: '^[0-9]+$'\n`,
          ),
        ],
      ];
      for (const [builds, cfg] of cases) {
        // A keep-alive agent, as the reworked transport will pass: Node's own fetch drops the connection after every HEAD.
        const agent = new Agent({ keepAliveTimeout: 30_000, connections: 32 });
        const keptFetch = ((input: string | URL | Request, init?: RequestInit) =>
          undiciFetch(input as string, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof fetch;
        const client = new HttpRegistryClient({ credentials: anonymous, log: quiet, timeoutMs: () => 30_000, fetch: keptFetch });
        const store = new DetailsStore({ file: join(dir, `${profile}-${builds}.json`) });
        const details = new ImageDetailsCache(client, undefined, store);
        const services: SnapshotServices = { registry: client, describe: (r, d, s) => details.get(r, d, s), details, log: quiet };
        const env = cfg.environments[0]!;
        await client.resolve(env.repository, env.tag); // open the connection
        const heads: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          const t = performance.now();
          await client.resolve(env.repository, env.tag);
          heads.push(performance.now() - t);
        }
        const t0 = performance.now();
        const first = await takeSnapshot(cfg, services);
        const firstMs = performance.now() - t0;
        const seconds: number[] = [];
        let second = first;
        for (let i = 0; i < ROUNDS; i++) {
          const t = performance.now();
          second = await takeSnapshot(cfg, services);
          seconds.push(performance.now() - t);
        }
        const total = (s: typeof first): number => (s.requests ? s.requests.heads + s.requests.manifestGets + s.requests.blobGets + s.requests.tagLists : NaN);
        const oneHeadMs = median(heads);
        rows.push({
          profile,
          builds,
          oneHeadMs,
          firstMs,
          firstRequests: total(first),
          firstManifestGets: first.requests?.manifestGets ?? NaN,
          secondMs: median(seconds),
          secondRequests: total(second),
          ratio: median(seconds) / oneHeadMs,
        });
        await agent.close();
      }
    }
    console.log('Refresh of 3 environments + N builds (Distribution 2.8, keep-alive connections; requests: HEAD + GET + tag listings):');
    console.log('| profile | builds | one HEAD | first refresh | requests (manifest GETs) | second refresh | requests | second / one HEAD |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.profile} | ${r.builds} | ${r.oneHeadMs.toFixed(1)} ms | ${r.firstMs.toFixed(0)} ms | ${r.firstRequests} (${r.firstManifestGets}) | ${r.secondMs.toFixed(1)} ms | ${r.secondRequests} | ${r.ratio.toFixed(2)}× |`,
      );
    }
    console.log(JSON.stringify(rows));
  } finally {
    for (const p of proxies) await p.close();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
