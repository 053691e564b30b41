// What signing adds to a promotion: the CLI's own `promote` (openContext + promoteCommand, in this
// process so the registry client's round trips can be counted) with its defaults — records `both`
// (the history file and the registry record), verification after the move, transport `auto` — with a
// P-256 signing key against the same run without one, alternating round by round. A fresh build per
// run and fresh services per run (a CLI process is new each time: new connections, its key loaded
// again). After each run, untimed: the tag is read back over plain HTTP, and for the signed side the
// `.att` envelope is checked with Node's crypto (test/evidence/independentCheck.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openContext } from '../../src/cli/context';
import { promoteCommand } from '../../src/cli/commands/promote';
import { EXIT } from '../../src/cli/exitCodes';
import { Output } from '../../src/cli/output';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, makeTempDir } from '../harness';
import { checkedAttestations } from '../evidence/independentCheck';
import { p256KeyFiles } from '../evidence/keyFiles';
import { imageOn } from './images';
import type { PromotionContext } from './promotionCases';
import type { CaseSpec, Side } from './rounds';

/**
 * Counts the calls of every HttpRegistryClient in this process (the CLI composes its own client, so
 * the bench cannot wrap one): calls in order, and sequential round trips — one starts when a call
 * begins while none is in flight, as test/integration/countingRegistry.ts counts them.
 */
function countEveryClient(): { reset(): void; roundTrips(): number; calls: string[] } {
  const calls: string[] = [];
  let inFlight = 0;
  let trips = 0;
  const proto = HttpRegistryClient.prototype as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(HttpRegistryClient.prototype)) {
    const original = proto[name];
    if (name === 'constructor' || name === 'close' || typeof original !== 'function') continue;
    proto[name] = async function (this: unknown, ...args: unknown[]) {
      // A call made inside another (resolve reading the manifest to hash it) is part of it.
      const outer = inFlight === 0;
      if (outer) trips++;
      calls.push(`${name} ${(args[0] as { path?: string } | undefined)?.path ?? ''} ${typeof args[1] === 'string' ? args[1] : ''}`.trim());
      inFlight++;
      try {
        return await (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      } finally {
        inFlight--;
      }
    };
  }
  return {
    calls,
    roundTrips: () => trips,
    reset: () => {
      calls.length = 0;
      trips = 0;
    },
  };
}

let counter: ReturnType<typeof countEveryClient> | undefined;
let tagCounter = 0x5000000;

export function signingCase(ctx: PromotionContext): CaseSpec {
  counter ??= countEveryClient();
  const counting = counter;
  const { repo, layer } = ctx.sources.small;
  const dir = makeTempDir('bench-signing');
  const keys = p256KeyFiles(dir, 'promotion');
  const workspace = (signed: boolean): string => {
    const folder = join(dir, signed ? 'signed' : 'unsigned');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, '.promotion.yaml'), promotionYaml(`${ctx.a.host}/${repo}`, [{ name: 'development', tag: signed ? 'dev-signed' : 'dev' }]));
    return join(folder, '.promotion.yaml');
  };
  const files = { signed: workspace(true), unsigned: workspace(false) };
  const builds = new Map<string, { tag: string; digest: string }>();
  const side = (signed: boolean): Side => {
    const key = (round: number): string => `${signed}:${round}`;
    return {
      label: signed ? 'ours, signed (--signing-key, P-256 PEM)' : 'ours, no key',
      warmup: true,
      prepare: async (round) => {
        const tag = (tagCounter++).toString(16);
        const digest = await imageOn(ctx.aUrl, repo, tag, layer, new Date().toISOString());
        builds.set(key(round), { tag, digest });
      },
      run: async (round) => {
        const build = builds.get(key(round))!;
        counting.reset();
        const said: string[] = [];
        const out = new Output(true, false, { stdout: sink(said), stderr: sink(said) });
        // As `image-promotion promote development --build <tag> [--signing-key promotion.key]` in CI: the
        // harness's engine and Docker config, the CLI's cache (where blobs were seen) in the bench's temp dir.
        const harness = ctx.svc.clientEnv(process.env);
        const code = await withEnv({ DOCKER_HOST: harness.DOCKER_HOST, DOCKER_CONFIG: harness.DOCKER_CONFIG, XDG_CACHE_HOME: join(dir, 'cache') }, async () => {
          const cli = await openContext({ config: files[signed ? 'signed' : 'unsigned'], ...(signed ? { signingKey: keys.privateFile } : {}) }, out);
          const interrupt = { signal: new AbortController().signal, interrupted: () => false, dispose: () => undefined };
          return promoteCommand(cli, 'development', { build: build.tag }, { yes: true, approvedBy: undefined, interactive: false }, interrupt);
        });
        if (code !== EXIT.ok) throw new Error(`promote exited ${code}: ${said.join('').slice(0, 2000)}`);
        return { roundTrips: counting.roundTrips(), calls: [...counting.calls] };
      },
      check: async (round) => {
        const build = builds.get(key(round))!;
        const held = await digestOf(ctx.aUrl, repo, signed ? 'dev-signed' : 'dev');
        if (held !== build.digest) throw new Error(`development holds ${held}, not the promoted ${build.digest}`);
        if (!signed) return;
        const checked = await checkedAttestations(ctx.aUrl, repo, build.digest, keys.publicKey);
        if (!checked.some((a) => a.verifies && a.statement.subject[0]?.digest['sha256'] === build.digest.slice('sha256:'.length)))
          throw new Error(`no attestation on ${build.digest} verifies with the promotion key`);
      },
    };
  };
  return {
    name: 'CLI promote of a 10 MB build, recorded (file + registry record), verified: signed vs no key',
    rounds: 5,
    ours: side(true),
    peers: [side(false)],
  };
}

/** Runs `act` with these variables set in this process, as the CLI reads them; puts the old values back after. */
async function withEnv<T>(vars: Record<string, string | undefined>, act: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return await act();
  } finally {
    set(before);
  }
}

/** What the CLI printed, kept to say why a run failed. */
function sink(into: string[]): NodeJS.WritableStream {
  return new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      into.push(chunk.toString());
      done();
    },
  });
}
