// `npm run bench`: the extension side by side with the command-line peers, on its own engine,
// registries and images (the test harness), on loopback and through the harness's fault proxy
// shaping latency and bandwidth. Prints one table of medians and ratios (ours / peer) with requests,
// connections and round trips, a few single figures, and the same as JSON (test-results/bench.json).
//
//   npm run bench [-- --profiles=loopback,50 --cases=refresh,same,local,cross,index,signing,release,recorded,cold,scale,startup,host --no-host --quick]
//   (firstlookup: a new session's first lookup on a token-auth registry, the challenge remembered or not;
//   recorded: promote() and the whole recorded run of 50 MB images as composeServices() builds the
//   services; cold: 30 and 100 MB into another registry with nothing to mount, loopback; scale: 50 recorded
//   promotions in a row, memory before and after; IMGPROMO_BENCH_HEAP_SNAPSHOTS=<dir> writes a heap
//   snapshot at 10 and 50 for `node test/bench/heapDiff.mjs <dir>/promotions-first.heapsnapshot
//   <dir>/promotions-last.heapsnapshot`: what grew, by constructor and by what holds it)
//   (start-up figures alone: --cases=startup,host --profiles=none; a new window's first look alone,
//   registry 50 ms away: --cases=firstlook --profiles=none; behind other round trips too: --firstlook-rtt=50,150)
//   (--handshake: the shaped profiles charge a round trip for each new connection, as TCP does; without
//   it the proxy accepts at once and a new connection is as cheap as a kept one)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sharedServices, startRegistry, tagExisting, uniqueRepo, type Registry } from '../harness';
import { repoRoot } from '../vscode-host/codeServer';
import { bundleFigures } from './bundle';
import { cliStartup } from './cli';
import { benchCore } from './core';
import { historyReadMs } from './historyRead';
import { firstLookFigures, hostFigures } from './host';
import { imageOn, makeLayer } from './images';
import { PROFILES as ALL_PROFILES, shape, withHandshake, type Profile } from './network';
import { crossRegistryCase, indexCase, localImageCase, releaseCase, sameRepoCase, type Sources } from './promotionCases';
import { makeRefreshRepo, refreshCase, type RefreshRepo } from './refreshCases';
import { figuresTable, markdownTable, rows, type Figure, type ProfileResults } from './report';
import { runCase, type CaseSpec } from './rounds';
import { signingCase } from './signingCase';
import { appBench } from './appCore';
import { coldCrossCase, manyPromotions, recordedLocalCases, recordedSameRepoCases } from './recordedCases';
import { AccessLog } from './wire';
import { firstLookupFigures } from './firstLookup';
import { startTokenRegistry, type TokenRegistry } from '../harness/tokenAuth';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const wantedProfiles = option('profiles')?.split(',');
const wantedCases = new Set(
  option('cases')?.split(',') ?? [
    'refresh',
    'same',
    'local',
    'cross',
    'index',
    'signing',
    'release',
    'recorded',
    'cold',
    'scale',
    'firstlookup',
    'startup',
    'host',
  ],
);
const quick = args.includes('--quick');
/** --handshake: every shaped profile charges TCP's handshake, a round trip per new connection (network.ts). */
const PROFILES = args.includes('--handshake') ? ALL_PROFILES.map(withHandshake) : ALL_PROFILES;
/** The first look's registry: the profiles it is measured behind (--firstlook-rtt=50,150; default 50 ms RTT). */
const firstLookProfiles = (option('firstlook-rtt')?.split(',') ?? ['50']).map((rtt) => {
  const profile = PROFILES.find((p) => p.rttMs === Number(rtt) && p.rttMs > 0);
  if (!profile) throw new Error(`--firstlook-rtt=${rtt}: no profile with that round trip (${PROFILES.map((p) => p.rttMs).join(', ')} ms)`);
  return profile;
});

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const began = performance.now();
  const root = repoRoot();
  const figures: Figure[] = [];
  const bundle = bundleFigures(root);
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
  figures.push({ name: 'bundle dist/extension-main.js (production build)', value: `${kib(bundle.bytes)} (${kib(bundle.gzipBytes)} gzipped)` });
  figures.push({ name: 'bundle dist/cli-main.js (production build)', value: `${kib(bundle.cliBytes)} (${kib(bundle.cliGzipBytes)} gzipped)` });
  figures.push({
    name: "the extension's bundle load (a fresh Node process, vscode stubbed): compiled / with its code cache, median of 7",
    value: `${bundle.loadMs.toFixed(1)} / ${bundle.cachedLoadMs.toFixed(1)} ms (${bundle.loadRuns.map((r) => r.toFixed(0)).join(', ')} / ${bundle.cachedLoadRuns.map((r) => r.toFixed(0)).join(', ')})`,
  });
  const history = await historyReadMs();
  figures.push({
    name: 'history file read, 50,000 lines',
    value: `${history.medianMs.toFixed(0)} ms median of ${history.runs.length} (${(history.bytes / 1e6).toFixed(1)} MB)`,
  });
  say(figures.map((f) => `${f.name}: ${f.value}`).join('\n'));

  const svc = await sharedServices();
  let other: Registry | undefined;
  let tokens: TokenRegistry | undefined;
  try {
    other = await startRegistry();
    if (wantedCases.has('firstlookup')) tokens = await startTokenRegistry();
    const a = svc.handles!.registry;
    say('setting up images…');
    const small = { repo: uniqueRepo('small'), layer: makeLayer(10e6) };
    const large = { repo: uniqueRepo('large'), layer: makeLayer(quick ? 50e6 : 500e6) };
    const crossLayer = makeLayer(quick ? 20e6 : 100e6);
    const cross = { repo: uniqueRepo('crosssrc'), layer: crossLayer, tag: 'c0ffee1' };
    await imageOn(a.url, cross.repo, cross.tag, cross.layer, new Date().toISOString());
    const sources: Sources = { small, large, cross, index: { repo: uniqueRepo('index') } };
    // The issue's cases: 50 MB images (the engine path used to be measured with 10 MB).
    const medium = { local: { repo: uniqueRepo('medium-local'), layer: makeLayer(50e6) }, same: { repo: uniqueRepo('medium-same'), layer: makeLayer(50e6) } };
    const refresh = wantedCases.has('refresh') ? [await makeRefreshRepo(a.url, 3, 20), await makeRefreshRepo(a.url, 10, 200)] : [];
    say(`  ready after ${((performance.now() - began) / 1000).toFixed(0)} s`);

    if (wantedCases.has('startup')) {
      say('CLI start-up…');
      const { ours, compiled, peer } = await cliStartup(root, svc);
      const side = (s: typeof ours): string =>
        `${s.wallMs.toFixed(0)} ms wall (${s.cpuMs.toFixed(0)} ms CPU; runs ${s.walls.map((w) => w.toFixed(0)).join(', ')})`;
      figures.push({
        name: `CLI start-up: ${ours.label} (3 environments, 1 build, engine ping; its code cache used / ${compiled.label.replace(`${ours.label} `, '')}) vs ${peer.label} (one tag), loopback, median of ${ours.walls.length} alternating`,
        value: `${side(ours)} / ${side(compiled)} vs ${side(peer)}`,
      });
    }

    const results: ProfileResults[] = [];
    for (const profile of PROFILES) {
      if (wantedProfiles && !wantedProfiles.some((w) => profile.name.startsWith(w))) continue;
      say(`profile ${profile.name}`);
      const shaped = await shape(profile, [a.port, other.port]);
      try {
        const [ra, rb] = shaped.routes as [(typeof shaped.routes)[0], (typeof shaped.routes)[0]];
        const meter = { logs: [new AccessLog(a.logFile), new AccessLog(other.logFile)], routes: shaped.routes };
        const core = benchCore(svc);
        const ctx = { svc, profile, a: ra, b: rb, aUrl: a.url, core, sources };
        const specs: CaseSpec[] = [
          ...refresh.map((r) => refreshCase(r, ra, svc, profile)),
          ...(wantedCases.has('same') ? [sameRepoCase(ctx, 'small'), sameRepoCase(ctx, 'large')] : []),
          ...(wantedCases.has('local') ? [localImageCase(ctx)] : []),
          ...(wantedCases.has('index') ? [indexCase(ctx, 'same'), indexCase(ctx, 'cross')] : []),
          ...(wantedCases.has('cross') ? [crossRegistryCase(ctx)] : []),
          ...(wantedCases.has('signing') ? [signingCase(ctx)] : []),
          ...(wantedCases.has('release') ? [releaseCase(ctx)] : []),
        ];
        // As composeServices() builds them, one set per profile (connections and caches kept across rounds).
        const app = appBench(svc);
        if (wantedCases.has('recorded')) specs.push(...recordedLocalCases(ctx, app, medium.local), ...recordedSameRepoCases(ctx, app, medium.same));
        if (wantedCases.has('cold') && profile.rttMs === 0) specs.push(coldCrossCase(ctx, app, 30), coldCrossCase(ctx, app, 100));
        const cases = [];
        for (const spec of specs) cases.push(await runCase(quick ? { ...spec, rounds: 1 } : spec, meter, say));
        results.push({ profile: profile.name, cases });
        say(markdownTable(rows(results))); // what is measured so far, in case a later profile fails
        if (wantedCases.has('scale') && profile.rttMs === 0) {
          const many = await manyPromotions(ctx, 50);
          const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
          const at = (n: number) => many.samples.find((x) => x.n === n)!;
          const [ten, last] = [at(10), at(many.count)];
          const perPromotion = (before: number, after: number, n: number): string => (((after - before) * 1024) / n).toFixed(1);
          const perPromotionKiB = perPromotion(ten.heapMiB, last.heapMiB, last.n - ten.n);
          // Settled windows (10 → middle → last): warm-up shows as growth that slows; data as growth that does not.
          const points = many.samples.filter((x) => x.settledHeapMiB !== undefined && x.settledCodeMiB !== undefined);
          const windows = points.slice(1).map((to, i) => {
            const from = points[i]!;
            const [heap, code] = [
              perPromotion(from.settledHeapMiB!, to.settledHeapMiB!, to.n - from.n),
              perPromotion(from.settledCodeMiB!, to.settledCodeMiB!, to.n - from.n),
            ];
            const rest = perPromotion(from.settledHeapMiB! - from.settledCodeMiB!, to.settledHeapMiB! - to.settledCodeMiB!, to.n - from.n);
            return `${from.n} → ${to.n}: ${heap} KiB a promotion (code space ${code}, the rest ${rest})`;
          });
          figures.push({
            name: `${many.count} recorded promotions in a row by one set of services in a Node process of its own (composeServices, records both, 1 MB builds), ${profile.name}: heap used after a forced GC at promotion 10 and ${many.count}; settled (once the requests' 30-s time limits ran out) at ${points.map((x) => x.n).join(', ')}, by window, V8's code space apart; RSS; and the history file (read whole: the data itself)`,
            value: `heap ${ten.heapMiB} → ${last.heapMiB} MiB (${perPromotionKiB} KiB a promotion); settled ${points.map((x) => x.settledHeapMiB).join(' → ')} MiB, ${windows.join('; ')}; code space settled ${points.map((x) => x.settledCodeMiB).join(' → ')} MiB; the history file grew ${last.historyKiB - ten.historyKiB} KiB; RSS ${mib(many.before.rss)} → ${mib(many.after.rss)}; every 10 (heap / code / RSS MiB): ${many.samples.map((x) => `${x.heapMiB} / ${x.codeMiB} / ${x.rssMiB}`).join(', ')}; ${(many.ms / many.count).toFixed(0)} ms a promotion`,
          });
          say(`${figures.at(-1)!.name}: ${figures.at(-1)!.value}`);
        }
      } finally {
        await shaped.stop();
      }
      if (tokens) {
        const shapedTokens = await shape(profile, [tokens.port, Number(new URL(tokens.issuer.url).port)]);
        try {
          const f = await firstLookupFigures(svc, tokens, shapedTokens.routes[0]!, shapedTokens.routes[1]!, quick ? 1 : 7);
          figures.push({
            name: `a new session's first lookup on a registry with token auth (Distribution + token issuer; the registry ${profile.name}, the token service on loopback), ${f.rounds} rounds, each: empty caches, then a new session with what the first left`,
            value: `empty caches ${f.coldMs.toFixed(0)} ms (${f.coldHeads} HEADs: 401, then again with a token); the challenge remembered ${f.rememberedMs.toFixed(0)} ms (${f.rememberedHeads} HEAD); remembered, the token service as far as the registry (its realm through the profile's proxy too) ${f.farTokenMs.toFixed(0)} ms`,
          });
          say(`${figures.at(-1)!.name}: ${figures.at(-1)!.value}`);
        } finally {
          await shapedTokens.stop();
        }
      }
    }

    if (!args.includes('--no-host') && (wantedCases.has('host') || wantedCases.has('firstlook')))
      await hostCases(a, refresh[0], svc.env, figures, wantedCases.has('host')).catch((error: unknown) =>
        figures.push({ name: 'VS Code host', value: `failed: ${(error as Error).message.split('\n')[0]}` }),
      );
    const table = rows(results);
    const text = [
      `Image Promotion benchmark — ${new Date().toISOString()}, ${((performance.now() - began) / 60_000).toFixed(1)} min`,
      '',
      markdownTable(table),
      '',
      figuresTable(figures),
    ].join('\n');
    process.stdout.write(`${text}\n`);
    const dir = join(root, 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bench.json'), `${JSON.stringify({ at: new Date().toISOString(), rows: table, figures, raw: results }, null, 1)}\n`);
    writeFileSync(join(dir, 'bench.md'), `${text}\n`);
    process.stdout.write(
      `\nJSON: test-results/bench.json\n${JSON.stringify({ rows: table.map((r) => ({ profile: r.profile, case: r.case, peer: r.peer.label, oursMs: r.ours.medianMs, peerMs: r.peer.medianMs, ratio: r.ratio, ours: { requests: r.ours.requests, connections: r.ours.connections, roundTrips: r.ours.roundTrips }, peerCounts: { requests: r.peer.requests, connections: r.peer.connections } })), figures })}\n`,
    );
  } finally {
    await tokens?.stop();
    await other?.stop();
    await svc.stop();
  }
}

/**
 * In the real VS Code host, on loopback: the environments of the 3 + 20 repository, the first look of
 * a new window (registry 50 ms away), then a Builds view over 2,000 tags; `all` false: the first look alone.
 */
async function hostCases(a: Registry, envRepo: RefreshRepo | undefined, env: Record<string, string>, figures: Figure[], all: boolean): Promise<void> {
  say('VS Code host (code-server + Chromium)…');
  const repo = envRepo ?? (await makeRefreshRepo(a.url, 3, 20));
  if (all) await environmentsFigure(a, repo, env, figures);
  for (const profile of firstLookProfiles) await firstLookFigure(a, repo, env, profile, figures);
  if (all) await buildsFigure(a, env, figures);
}

async function environmentsFigure(a: Registry, repo: RefreshRepo, env: Record<string, string>, figures: Figure[]): Promise<void> {
  const envs = await hostFigures({ registry: a.host, repository: repo.repo, view: 'Environments', rows: 3, env, rounds: quick ? 1 : 7 });
  const inside = envs.extension
    ? `; inside the extension host: activation → rows ${envs.extension.rowsMs.toFixed(0)} ms (config ${envs.extension.configMs.toFixed(0)} ms, digests ${envs.extension.digestsMs.toFixed(0)} ms into the first refresh; the extension host had run ${envs.extension.hostUptimeMs.toFixed(0)} ms)`
    : '';
  figures.push({
    name: `VS Code host: workbench page opened → 3 environment rows with digests (loopback registry), median of ${envs.runs.length}`,
    value:
      `${envs.toRowsMs.toFixed(0)} ms, of which ${envs.workbenchMs.toFixed(0)} ms until the workbench showed and ${envs.viewToRowsMs.toFixed(0)} ms from the view opening to its rows` +
      `${inside} (runs, page open → workbench / view → rows: ${envs.runs.map((r) => `${r.workbenchMs.toFixed(0)} / ${r.viewToRowsMs.toFixed(0)}`).join(', ')} ms); extension host RSS ${envs.extensionHostRssMiB?.toFixed(0) ?? '?'} MiB`,
  });
}

async function firstLookFigure(a: Registry, repo: RefreshRepo, env: Record<string, string>, profile: Profile, figures: Figure[]): Promise<void> {
  // The first look of a window whose extension refreshed before, the registry behind the profile's proxy.
  const shaped = await shape(profile, [a.port]);
  try {
    const look = await firstLookFigures({ registry: shaped.routes[0]!.host, repository: repo.repo, env, rounds: quick ? 1 : 7 });
    // Where the fresh rows' time went, from the extension's start-up line: activation → the config, then the first refresh → the digests.
    // Before activation, the loader's part: the bundle loaded (its code cache used or not, src/extensionLoader.ts).
    const split = (r: (typeof look.runs)[number]): string => {
      const load = r.lines.map((l) => /bundle loaded in (\d+) ms, (with its code cache|compiled)/.exec(l)).find(Boolean);
      const m = r.lines.map((l) => /the config ready after (\d+) ms, their digests (\d+) ms into the first refresh/.exec(l)).find(Boolean);
      const parts = [
        load && `bundle ${load[1]}${load[2] === 'with its code cache' ? ' cached' : ' compiled'}`,
        m && `config ${m[1]}, digests ${m[2]} into the refresh`,
      ].filter(Boolean);
      return parts.length ? ` (${parts.join(', ')})` : '';
    };
    const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : '—');
    const each = look.runs.map((r) => `${r.rememberedMs ?? '—'} / ${r.freshMs ?? '—'}${split(r)}`).join(', ');
    // The target's two halves, per window: a first look within 300 ms, and fresh rows one round trip after it (at once where they were the first drawn).
    const firstSeen = (r: (typeof look.runs)[number]): number | undefined => r.seenRememberedMs ?? r.seenFreshMs;
    const withinRoundTrip = look.runs.filter((r) => r.seenFreshMs !== undefined && r.seenFreshMs - firstSeen(r)! <= profile.rttMs).length;
    const firstLate = look.runs.filter((r) => (firstSeen(r) ?? Infinity) > 300).length;
    figures.push({
      name: `VS Code host, first look (3 + 20, records on, registry at ${profile.name}; a new window after one that refreshed): activation → the last rows, marked refreshing… / → the fresh rows, median of ${look.runs.length}`,
      value:
        `${ms(look.rememberedMs)} ms / ${ms(look.freshMs)} ms in the extension's log; drawn in the page ${ms(look.seenRememberedMs)} / ${ms(look.seenFreshMs)} ms, ` +
        `the first rows (either) ${ms(look.seenFirstMs)} ms; the remembered rows drawn first in ${look.rememberedSeen} of ${look.runs.length} windows, there remembered → fresh ${ms(look.seenGapMs)} ms; ` +
        `the fresh rows drawn within one round trip (${profile.rttMs} ms) of the first rows in ${withinRoundTrip} of ${look.runs.length} windows, the first rows later than 300 ms in ${firstLate} ` +
        `(runs, log: ${each} ms; drawn: ${look.runs.map((r) => `${r.seenRememberedMs ?? '—'} / ${r.seenFreshMs ?? '—'}`).join(', ')} ms)`,
    });
  } finally {
    await shaped.stop();
  }
}

async function buildsFigure(a: Registry, env: Record<string, string>, figures: Figure[]): Promise<void> {
  const many = await manyTags(a.url, 2000);
  const builds = await hostFigures({ registry: a.host, repository: many, view: 'Builds', rows: 1, env });
  figures.push({
    name: 'VS Code host: Builds view over 2,000 tags → first build row with a digest',
    value: `${builds.toRowsMs.toFixed(0)} ms from page open (workbench showed after ${builds.workbenchMs.toFixed(0)} ms); extension host RSS ${builds.extensionHostRssMiB?.toFixed(0) ?? '?'} MiB`,
  });
}

/** 2,000 commit-like tags over 40 images (tags PUT side by side, 8 at a time). */
async function manyTags(registryUrl: string, count: number): Promise<string> {
  const repo = uniqueRepo('many');
  const layer = makeLayer(1024);
  const digests: string[] = [];
  for (let i = 0; i < 40; i++)
    digests.push(await imageOn(registryUrl, repo, (0x2000000 + i).toString(16), layer, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
  const tags = Array.from({ length: count - 40 }, (_, i) => (0x3000000 + i).toString(16));
  for (let i = 0; i < tags.length; i += 8)
    await Promise.all(tags.slice(i, i + 8).map((t, j) => tagExisting(registryUrl, repo, digests[(i + j) % digests.length]!, t)));
  return repo;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
