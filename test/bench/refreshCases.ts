// The refresh: every environment's digest and the builds, details cached as in the tree's steady
// state, against one HEAD over a kept connection (the floor) and against typing the lookups. Ours
// are the services as composeServices() builds them for the extension and the CLI, the defaults on
// (records: both, so the registry's records of the environments' digests are read), and every
// environment was promoted with a record in the registry (the fallback index on Distribution 2.8).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { silentLogger } from '../../src/core/log';
import { anonymous } from '../../src/credentials/credentials';
import { recordFromOutcome } from '../../src/history/record';
import { takeSnapshot } from '../../src/model/snapshot';
import { RegistryRecords } from '../../src/records/registryRecords';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { MANIFEST_ACCEPT, makeTempDir, pushImage, tagExisting, testAppServices, uniqueRepo, type TestServices } from '../harness';
import { promotionYaml } from '../fixtures/promotionYaml';
import { config } from '../integration/support';
import { skopeoInspectRaw, skopeoListTags } from './cli';
import type { Profile, Route } from './network';
import type { CaseSpec } from './rounds';

export interface RefreshRepo {
  readonly repo: string;
  readonly environments: number;
  readonly builds: number;
}

/** `builds` images with commit-like tags, the environments holding the newest ones. */
export async function makeRefreshRepo(registryUrl: string, environments: number, builds: number): Promise<RefreshRepo> {
  const repo = uniqueRepo('refresh');
  const digests: string[] = [];
  for (let i = 0; i < builds; i++) {
    const tag = (0x1000000 + i).toString(16);
    digests.push((await pushImage(registryUrl, repo, tag, { created: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() })).digest);
  }
  const registry = `${new URL(registryUrl).host}`;
  const writer = new RegistryRecords({
    registry: new HttpRegistryClient({ credentials: anonymous, log: silentLogger, timeoutMs: () => 30_000 }),
    log: silentLogger,
  });
  for (let e = 0; e < environments; e++) {
    const digest = digests[builds - 1 - e]!;
    const tag = envTag(e, environments);
    await tagExisting(registryUrl, repo, digest, tag);
    // As a promotion with the default records (both) left it: a record on the digest it moved.
    const repository = `${registry}/${repo}`;
    const record = recordFromOutcome(
      { status: 'succeeded', message: 'bench', digest, previousDigest: null, finalDigest: digest, gates: [], durationMs: 1, transport: 'registry' },
      { source: { label: 'bench', repository }, target: { environment: envName(e, environments), tag, repository } },
      { user: 'bench' },
    );
    await writer.write({ registry, path: repo }, digest, record);
  }
  return { repo, environments, builds };
}

function envName(i: number, count: number): string {
  return count === 3 ? ['development', 'staging', 'production'][i]! : envTag(i, count);
}

function envTag(i: number, count: number): string {
  return count === 3 ? ['dev', 'staging', 'production'][i]! : `env${i + 1}`;
}

export function refreshConfig(route: Route, r: RefreshRepo) {
  const names = Array.from({ length: r.environments }, (_, i) => envTag(i, r.environments));
  return config(
    promotionYaml(
      `${route.host}/${r.repo}`,
      names.map((tag, i) => ({ name: envName(i, r.environments), tag })),
    ),
  );
}

/** The snapshot services the extension and the CLI compose, the defaults on; details kept in a file as the extension keeps them. */
export function composedSnapshotServices(svc: TestServices) {
  const app = testAppServices(svc, {
    lookupTimeoutMs: () => 30_000,
    transport: () => 'auto',
    records: () => 'both',
    detailsFile: join(makeTempDir('bench-refresh'), 'image-details.json'),
  });
  return app.snapshotServices(undefined);
}

export function refreshCase(r: RefreshRepo, route: Route, svc: TestServices, profile: Profile): CaseSpec {
  const cfg = refreshConfig(route, r);
  const services = composedSnapshotServices(svc);
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 4 });
  const envTags = cfg.environments.map((e) => e.tag);
  // One skopeo process per tag: 211 of them take 40 s a round on loopback already, minutes shaped.
  const cliRounds = r.builds > 50 ? (profile.rttMs > 0 ? 0 : 1) : profile.rttMs >= 150 ? 2 : undefined;
  return {
    name: `refresh ${r.environments} + ${r.builds}, details cached`,
    rounds: 5,
    ...(cliRounds !== undefined ? { note: `sequential CLI: ${cliRounds || 'no'} round${cliRounds === 1 ? '' : 's'} on this profile` } : {}),
    ours: {
      label: 'ours',
      warmup: true,
      run: async (round) => {
        // Steady state, as the tree after its first refreshes: each refresh looks up a bounded number of new tags.
        // (25 new digests described per refresh by design: 200 builds take 8 refreshes to place.)
        if (round < 0) {
          for (let i = 0; i < 20; i++) {
            const warm = await takeSnapshot(cfg, services);
            if (!warm.requests?.blobGets) break;
          }
        }
        const snap = await takeSnapshot(cfg, services);
        if (snap.builds.state !== 'ok' || snap.builds.matching !== r.builds)
          throw new Error(`refresh saw ${snap.builds.state === 'ok' ? snap.builds.matching : snap.builds.error.message} builds, expected ${r.builds}`);
        if (snap.environments.some((e) => e.lookup.state !== 'present')) throw new Error('an environment lookup failed');
        return { roundTrips: snap.requests?.roundTrips };
      },
    },
    peers: [
      {
        label: 'one HEAD, kept connection',
        warmup: true,
        run: async () => {
          const res = await request(`${route.url}/v2/${r.repo}/manifests/${envTags[0]}`, {
            method: 'HEAD',
            reset: false,
            headers: { accept: MANIFEST_ACCEPT },
            dispatcher: agent,
          });
          await res.body.dump();
          if (res.statusCode !== 200) throw new Error(`HEAD answered ${res.statusCode}`);
        },
      },
      {
        label: 'sequential CLI (skopeo list-tags, inspect --raw per tag)',
        rounds: cliRounds,
        run: async () => {
          const listed = JSON.parse(await skopeoListTags(`${route.host}/${r.repo}`)) as { Tags: string[] };
          const builds = listed.Tags.filter((t) => cfg.builds.tagPattern.test(t));
          for (const tag of [...envTags, ...builds]) createHash('sha256').update(await skopeoInspectRaw(`${route.host}/${r.repo}:${tag}`));
        },
      },
    ],
  };
}
