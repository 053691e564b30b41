// The command-line peers, run as a person would type them (execFile, never a shell string), and the
// start-up of our own command line against one of them.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { makeTempDir, pushImage, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { median } from './stats';

export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 15 * 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

let authFile: string | undefined;

/** skopeo with an empty auth file, so it never reads the user's credentials. */
export function skopeo(args: readonly string[]): Promise<string> {
  if (!authFile) {
    authFile = join(mkdtempSync(join(tmpdir(), 'imgpromo-bench-skopeo-')), 'auth.json');
    writeFileSync(authFile, '{"auths":{}}\n');
  }
  const env: NodeJS.ProcessEnv = { ...process.env, REGISTRY_AUTH_FILE: authFile };
  delete env.DOCKER_CONFIG;
  return run('skopeo', args, env);
}

export function skopeoCopy(from: string, to: string): Promise<string> {
  return skopeo(['copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', '-q', `docker://${from}`, `docker://${to}`]);
}

export function skopeoInspectRaw(ref: string): Promise<string> {
  return skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
}

export function skopeoListTags(repository: string): Promise<string> {
  return skopeo(['list-tags', '--tls-verify=false', `docker://${repository}`]);
}

/** The Docker CLI against the harness's private engine (DOCKER_HOST, DOCKER_CONFIG from clientEnv). */
export function docker(args: readonly string[], env: Record<string, string>): Promise<string> {
  return run('docker', args, { ...env });
}

export interface StartupSide {
  readonly label: string;
  /** Medians over the runs; CPU is user + system (GNU time), less at the mercy of a shared machine's load. */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly walls: readonly number[];
}

/** Wall and CPU time of one process run to its end, output discarded. */
function timed(command: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): { wall: number; cpu: number } {
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', command, ...args], { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${child.status}: ${child.stderr.toString()}`);
  const [, user, system] = /CPU (\S+) (\S+)/.exec(child.stderr.toString()) ?? [];
  return { wall, cpu: (Number(user) + Number(system)) * 1000 };
}

/**
 * `image-promotion status` (dist/cli.js: 3 environments, 1 build, the engine pinged), with its code
 * cache and without, against `docker manifest inspect` of one tag, on the harness's registry and
 * engine, alternating, `rounds` each.
 */
export async function cliStartup(root: string, svc: TestServices, rounds = 10): Promise<{ ours: StartupSide; compiled: StartupSide; peer: StartupSide }> {
  const repo = uniqueRepo('startup');
  const build = await pushImage(svc.registryUrl, repo, 'a1b2c3d');
  await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
  await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
  const dir = makeTempDir('bench-cli');
  writeFileSync(
    join(dir, '.promotion.yaml'),
    promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }]),
  );
  // Its own cache folder (the code cache, blob locations), never the user's.
  const env: NodeJS.ProcessEnv = { ...svc.clientEnv(process.env), XDG_CACHE_HOME: join(dir, 'cache') };
  for (const name of ['GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'DOCKER_CONTEXT']) delete env[name];
  const compiledEnv = { ...env, IMGPROMO_CODE_CACHE: 'off' };
  const cli = join(root, 'dist', 'cli.js');
  timed(process.execPath, [cli, 'status'], { cwd: dir, env }); // a build's first command saves the code cache
  const ours: { wall: number; cpu: number }[] = [];
  const compiled: { wall: number; cpu: number }[] = [];
  const peer: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    ours.push(timed(process.execPath, [cli, 'status'], { cwd: dir, env }));
    compiled.push(timed(process.execPath, [cli, 'status'], { cwd: dir, env: compiledEnv }));
    peer.push(timed('docker', ['manifest', 'inspect', '--insecure', `${svc.registry}/${repo}:dev`], { env }));
  }
  const side = (label: string, runs: { wall: number; cpu: number }[]): StartupSide => ({
    label,
    wallMs: median(runs.map((r) => r.wall)),
    cpuMs: median(runs.map((r) => r.cpu)),
    walls: runs.map((r) => r.wall),
  });
  return {
    ours: side('image-promotion status', ours),
    compiled: side('image-promotion status without its code cache', compiled),
    peer: side('docker manifest inspect', peer),
  };
}
