// The promotions, each against what a person would type instead. Every round promotes a digest the
// target has never held; cross-registry rounds go into a repository of their own (from round 2 on
// both sides know the layer is in the target registry, in the round before's repository, and mount it). Gates: none configured (excluded); verification: included (promote() reads back).
import { randomBytes } from 'node:crypto';
import { pushIndex, uniqueRepo, type TestServices } from '../harness';
import { promotionYaml } from '../fixtures/promotionYaml';
import { releaseYaml } from '../fixtures/releaseYaml';
import { config } from '../integration/support';
import { docker, skopeoCopy } from './cli';
import { promoteOnce, type BenchCore } from './core';
import { imageOn, makeLayer, type Layer } from './images';
import type { Profile, Route } from './network';
import type { CaseSpec, Side } from './rounds';

export interface Sources {
  /** Repositories on the source registry, each with its layer uploaded. */
  readonly small: { repo: string; layer: Layer };
  readonly large: { repo: string; layer: Layer };
  readonly cross: { repo: string; layer: Layer; tag: string };
  readonly index: { repo: string };
}

export interface PromotionContext {
  readonly svc: TestServices;
  readonly profile: Profile;
  /** The source registry as this profile reaches it, and its loopback URL for untimed setup. */
  readonly a: Route;
  readonly b: Route;
  readonly aUrl: string;
  readonly core: BenchCore;
  readonly sources: Sources;
}

let counter = 0x4000000;
/** Commit-like build tags, unique over the whole run. */
function buildTag(): string {
  return (counter++).toString(16);
}

function sameRepoConfig(route: Route, repo: string) {
  // One environment: a build goes straight in (no promotion order to satisfy first).
  return config(promotionYaml(`${route.host}/${repo}`, [{ name: 'staging' }]));
}

function crossConfig(a: Route, repo: string, b: Route, targetRepo: string) {
  return config(promotionYaml(`${a.host}/${repo}`, [{ name: 'production', image: `${b.host}/${targetRepo}` }]));
}

async function emptyEngine(ctx: PromotionContext): Promise<void> {
  await docker(['image', 'prune', '-af'], ctx.svc.clientEnv());
}

/** A fresh build per round, made once whichever side runs first. */
function perRound<T>(make: () => Promise<T>): (round: number) => Promise<T> {
  const made = new Map<number, Promise<T>>();
  return (round) => {
    let p = made.get(round);
    if (!p) made.set(round, (p = make()));
    return p;
  };
}

export function sameRepoCase(ctx: PromotionContext, size: 'small' | 'large'): CaseSpec {
  const { repo, layer } = ctx.sources[size];
  const cfg = sameRepoConfig(ctx.a, repo);
  const build = perRound(async () => {
    const tag = buildTag();
    await imageOn(ctx.aUrl, repo, tag, layer, new Date().toISOString());
    return tag;
  });
  const ref = (tag: string) => `${ctx.a.host}/${repo}:${tag}`;
  const mb = Math.round(layer.bytes.length / 1e6);
  // docker pulls every byte: 500 MB through 20 Mbit/s is over 200 s a round.
  const dockerRounds = size === 'large' ? (ctx.profile.rttMs >= 150 ? 0 : ctx.profile.rttMs > 0 ? 1 : 2) : undefined;
  const pullTagPush: Side = {
    label: 'docker pull/tag/push',
    ...(dockerRounds !== undefined ? { rounds: dockerRounds } : {}),
    prepare: async (round) => {
      await build(round);
      await emptyEngine(ctx);
    },
    run: async (round) => {
      const tag = await build(round);
      const env = ctx.svc.clientEnv();
      await docker(['pull', '-q', ref(tag)], env);
      await docker(['tag', ref(tag), ref('peer-staging')], env);
      await docker(['push', '-q', ref('peer-staging')], env);
    },
  };
  return {
    name: `same-repository promotion, ${mb} MB image not in the engine`,
    rounds: size === 'large' ? 3 : 5,
    note: dockerRounds !== undefined ? `docker pull/tag/push: ${dockerRounds || 'no'} round${dockerRounds === 1 ? '' : 's'} on this profile` : undefined,
    ours: {
      label: 'ours',
      warmup: true,
      prepare: async (round) => {
        await build(round);
        await emptyEngine(ctx);
      },
      run: async (round) => promoteOnce(ctx.core, cfg, { kind: 'build', tag: await build(round) }, 'staging', 'registry'),
    },
    peers: [
      {
        label: 'skopeo copy --all --preserve-digests',
        prepare: async (round) => void (await build(round)),
        run: async (round) => void (await skopeoCopy(ref(await build(round)), ref('peer-staging'))),
      },
      pullTagPush,
    ],
  };
}

export function localImageCase(ctx: PromotionContext): CaseSpec {
  const { repo, layer } = ctx.sources.small;
  const cfg = sameRepoConfig(ctx.a, repo);
  const ref = (tag: string) => `${ctx.a.host}/${repo}:${tag}`;
  const build = perRound(async () => {
    const tag = buildTag();
    await imageOn(ctx.aUrl, repo, tag, layer, new Date().toISOString());
    await docker(['pull', '-q', ref(tag)], ctx.svc.clientEnv());
    return tag;
  });
  return {
    name: 'promotion of a 10 MB image already in the engine',
    rounds: 5,
    ours: {
      label: 'ours',
      warmup: true,
      prepare: async (round) => void (await build(round)),
      run: async (round) => promoteOnce(ctx.core, cfg, { kind: 'build', tag: await build(round) }, 'staging', 'engine'),
    },
    peers: [
      {
        label: 'docker tag && docker push',
        prepare: async (round) => void (await build(round)),
        run: async (round) => {
          const env = ctx.svc.clientEnv();
          await docker(['tag', ref(await build(round)), ref('peer-staging')], env);
          await docker(['push', '-q', ref('peer-staging')], env);
        },
      },
    ],
  };
}

export function crossRegistryCase(ctx: PromotionContext): CaseSpec {
  const { repo, layer, tag } = ctx.sources.cross;
  const mb = Math.round(layer.bytes.length / 1e6);
  return {
    name: `promotion of ${mb} MB into another registry`,
    // Both sides keep where blobs were seen (skopeo's blob-info cache, our blob locations): round 1
    // copies every byte (about 40 s on 150 ms), later rounds mount the layer from the round before.
    rounds: 3,
    ours: {
      label: 'ours',
      run: async () => {
        const target = uniqueRepo('cross');
        return promoteOnce(ctx.core, crossConfig(ctx.a, repo, ctx.b, target), { kind: 'build', tag }, 'production', 'registry');
      },
    },
    peers: [
      {
        label: 'skopeo copy --all --preserve-digests',
        run: async () => void (await skopeoCopy(`${ctx.a.host}/${repo}:${tag}`, `${ctx.b.host}/${uniqueRepo('cross')}:production`)),
      },
    ],
  };
}

export function indexCase(ctx: PromotionContext, where: 'same' | 'cross'): CaseSpec {
  const { repo } = ctx.sources.index;
  const build = perRound(async () => {
    const tag = buildTag();
    const platforms = ['amd64', 'arm64'].map((architecture) => ({ os: 'linux', architecture, files: { 'app.bin': randomBytes(256 * 1024) } }));
    await pushIndex(ctx.aUrl, repo, tag, platforms, { kind: 'oci' });
    return tag;
  });
  const prepare = async (round: number): Promise<void> => void (await build(round));
  const ours: Side =
    where === 'same'
      ? {
          label: 'ours',
          warmup: true,
          prepare,
          run: async (round) => promoteOnce(ctx.core, sameRepoConfig(ctx.a, repo), { kind: 'build', tag: await build(round) }, 'staging', 'registry'),
        }
      : {
          label: 'ours',
          warmup: true,
          prepare,
          run: async (round) =>
            promoteOnce(ctx.core, crossConfig(ctx.a, repo, ctx.b, uniqueRepo('index')), { kind: 'build', tag: await build(round) }, 'production', 'registry'),
        };
  const peerTarget = (): string => (where === 'same' ? `${ctx.a.host}/${repo}:peer-staging` : `${ctx.b.host}/${uniqueRepo('index')}:production`);
  return {
    name: `multi-platform index (2 platforms, 256 KiB each), ${where === 'same' ? 'same repository' : 'into another registry'}`,
    rounds: 5,
    ours,
    peers: [
      {
        label: 'skopeo copy --all --preserve-digests',
        prepare,
        run: async (round) => void (await skopeoCopy(`${ctx.a.host}/${repo}:${await build(round)}`, peerTarget())),
      },
    ],
  };
}

/**
 * A release of 5 images (small, one layer of 1 MB each, same registry), against promoting the 5 one
 * after another (5 single-image promotions, each verified) and against skopeo copying them.
 */
export function releaseCase(ctx: PromotionContext): CaseSpec {
  const names = ['api', 'web', 'worker', 'cron', 'admin'];
  const repos = names.map((n) => uniqueRepo(n));
  const layers = names.map(() => makeLayer(1e6));
  const build = perRound(async () => {
    const tag = buildTag();
    const created = new Date().toISOString();
    await Promise.all(repos.map((repo, i) => imageOn(ctx.aUrl, repo, tag, layers[i]!, created)));
    return tag;
  });
  const prepare = async (round: number): Promise<void> => void (await build(round));
  const release = config(
    releaseYaml(
      names.map((name, i) => ({ name, image: `${ctx.a.host}/${repos[i]}` })),
      [{ name: 'staging' }],
    ),
  );
  const singles = repos.map((repo) => sameRepoConfig(ctx.a, repo));
  return {
    name: 'release of 5 images (1 MB each, same registry)',
    rounds: 5,
    ours: {
      label: 'ours (one release)',
      warmup: true,
      prepare,
      run: async (round) => promoteOnce(ctx.core, release, { kind: 'build', tag: await build(round) }, 'staging', 'registry'),
    },
    peers: [
      {
        label: 'ours, 5 promotions one after another',
        prepare,
        run: async (round) => {
          const tag = await build(round);
          for (const cfg of singles) await promoteOnce(ctx.core, cfg, { kind: 'build', tag }, 'staging', 'registry');
        },
      },
      {
        label: 'skopeo copy --all --preserve-digests ×5',
        prepare,
        run: async (round) => {
          const tag = await build(round);
          for (const repo of repos) await skopeoCopy(`${ctx.a.host}/${repo}:${tag}`, `${ctx.a.host}/${repo}:peer-staging`);
        },
      },
    ],
  };
}
