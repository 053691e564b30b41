// The refresh: every environment's digest and the builds, details cached as in the tree's steady
// state, against one HEAD over a kept connection (the floor) and against typing the lookups.
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { takeSnapshot } from '../../src/model/snapshot';
import { MANIFEST_ACCEPT, pushImage, tagExisting, uniqueRepo } from '../harness';
import { promotionYaml } from '../fixtures/promotionYaml';
import { config } from '../integration/support';
import { skopeoInspectRaw, skopeoListTags } from './cli';
import type { BenchCore } from './core';
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
  for (let e = 0; e < environments; e++) await tagExisting(registryUrl, repo, digests[builds - 1 - e]!, envTag(e, environments));
  return { repo, environments, builds };
}

function envTag(i: number, count: number): string {
  return count === 3 ? ['dev', 'staging', 'production'][i]! : `env${i + 1}`;
}

function refreshConfig(route: Route, r: RefreshRepo) {
  const names = Array.from({ length: r.environments }, (_, i) => envTag(i, r.environments));
  return config(
    promotionYaml(
      `${route.host}/${r.repo}`,
      names.map((tag, i) => ({ name: r.environments === 3 ? ['development', 'staging', 'production'][i]! : tag, tag })),
    ),
  );
}

export function refreshCase(r: RefreshRepo, route: Route, core: BenchCore, profile: Profile): CaseSpec {
  const cfg = refreshConfig(route, r);
  const agent = new Agent({ keepAliveTimeout: 60_000, connections: 4 });
  const envTags = cfg.environments.map((e) => e.tag);
  // One skopeo process per tag: 211 of them take 40 s a round on loopback already, minutes shaped.
  const cliRounds = r.builds > 50 ? (profile.rttMs > 0 ? 0 : 1) : profile.rttMs >= 150 ? 2 : undefined;
  return {
    name: `refresh ${r.environments} + ${r.builds}, details cached`,
    rounds: r.builds > 50 ? 3 : 5,
    ...(cliRounds !== undefined ? { note: `sequential CLI: ${cliRounds || 'no'} round${cliRounds === 1 ? '' : 's'} on this profile` } : {}),
    ours: {
      label: 'ours',
      warmup: true,
      run: async (round) => {
        // Steady state, as the tree after its first refreshes: each refresh looks up a bounded number of new tags.
        // (25 new digests described per refresh by design: 200 builds take 8 refreshes to place.)
        if (round < 0) {
          for (let i = 0; i < 20; i++) {
            core.counting.reset();
            await takeSnapshot(cfg, core.snapshot);
            if (!core.counting.calls.some((c) => c.startsWith('get'))) break;
          }
        }
        core.counting.reset();
        const snap = await takeSnapshot(cfg, core.snapshot);
        if (snap.builds.state !== 'ok' || snap.builds.matching !== r.builds)
          throw new Error(`refresh saw ${snap.builds.state === 'ok' ? snap.builds.matching : snap.builds.error.message} builds, expected ${r.builds}`);
        if (snap.environments.some((e) => e.lookup.state !== 'present')) throw new Error('an environment lookup failed');
        return { roundTrips: core.counting.roundTrips() };
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
