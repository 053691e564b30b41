// A new session's first lookup on a registry with token auth: the harness's Distribution with its
// token issuer, the registry behind the profile's proxy (the token service stays on loopback: its
// realm is fixed in the registry's config). Each round: a session with empty caches (the first
// request is answered 401, then a token, then sent again), then a new session with the caches the
// first one left (the challenge remembered: the token, then one request), then one more whose
// remembered realm goes through the profile's proxy too (the token service as far as the registry). HEADs counted by a proxy of
// their own in front; every answer's digest checked.
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseRepository } from '../../src/core/reference';
import { pushImage, testAppServices, uniqueRepo, type TestServices } from '../harness';
import { startCountingProxy } from '../harness/countingProxy';
import type { TokenRegistry } from '../harness/tokenAuth';
import type { Route } from './network';
import { median } from './stats';

export interface FirstLookupFigures {
  readonly coldMs: number;
  readonly rememberedMs: number;
  /** Remembered, with the token service as far away as the registry (its realm remembered through the profile's proxy). */
  readonly farTokenMs: number;
  readonly coldHeads: number;
  readonly rememberedHeads: number;
  readonly rounds: number;
}

export async function firstLookupFigures(
  svc: TestServices,
  tokens: TokenRegistry,
  route: Route,
  tokenRoute: Route,
  rounds: number,
): Promise<FirstLookupFigures> {
  const repo = uniqueRepo('first-lookup');
  const build = await pushImage(svc.registryUrl, repo, '5a6b7c8');
  await tokens.copyIn(`${svc.registry}/${repo}:5a6b7c8`, repo, '5a6b7c8');
  const counting = await startCountingProxy('127.0.0.1', Number(route.host.split(':')[1]));
  const repository = parseRepository(`${counting.host}/${repo}`);
  const lookup = async (dir: string): Promise<{ ms: number; heads: number }> => {
    const services = testAppServices(svc, {
      lookupTimeoutMs: () => 30_000,
      detailsFile: join(dir, 'image-details.json'),
      credentialSource: { get: async (registry) => (registry === counting.host ? { serverAddress: registry, ...tokens.auth } : undefined) },
    });
    counting.reset();
    const started = performance.now();
    const found = await services.registry.resolve(repository, '5a6b7c8');
    const ms = performance.now() - started;
    if (found?.digest !== build.digest) throw new Error(`first lookup: ${found?.digest} is not ${build.digest}`);
    return { ms, heads: counting.requests.filter((r) => r.startsWith('HEAD ')).length };
  };
  const cold: { ms: number; heads: number }[] = [];
  const remembered: { ms: number; heads: number }[] = [];
  const farToken: { ms: number; heads: number }[] = [];
  try {
    for (let round = 0; round <= rounds; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'imgpromo-first-lookup-'));
      try {
        const first = await lookup(dir);
        const file = join(dir, 'registry-challenges.json');
        for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 10));
        const next = await lookup(dir);
        // The same challenge, its realm through the profile's proxy: the token service on another
        // origin as far away as the registry (Docker Hub's auth.docker.io, GitLab's /jwt/auth).
        const challenge = { scheme: 'bearer', params: { realm: `${tokenRoute.url}/token`, service: tokens.issuer.service } };
        writeFileSync(file, JSON.stringify({ version: 1, challenges: [[counting.host, challenge]] }));
        const far = await lookup(dir);
        if (round === 0) continue; // warm-up: this process's code and the registry's
        cold.push(first);
        remembered.push(next);
        farToken.push(far);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await counting.stop();
  }
  return {
    coldMs: median(cold.map((r) => r.ms)),
    rememberedMs: median(remembered.map((r) => r.ms)),
    farTokenMs: median(farToken.map((r) => r.ms)),
    coldHeads: median(cold.map((r) => r.heads)),
    rememberedHeads: median(remembered.map((r) => r.heads)),
    rounds,
  };
}
