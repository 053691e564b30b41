// Start-up of the CLI: `status` on 3 environments against `docker manifest inspect` of one tag, both
// against the harness's registry (and engine), alternating, median of 10 each.
// Run: npx tsc -p test/tsconfig.json && node esbuild.mjs && node out/test/cli/startup.bench.js
import { execFileSync, spawnSync } from 'node:child_process';
import { promotionYaml } from '../fixtures/promotionYaml';
import { pushImage, startServices, tagExisting, uniqueRepo } from '../harness';
import { CLI, cliEnv, workspace } from './support';

/** Wall time, and CPU time (user + system, from GNU time: less at the mercy of a shared machine's load). */
function timed(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): { wall: number; cpu: number } {
  const started = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', command, ...args], { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const [, user, system] = /CPU (\S+) (\S+)/.exec(run.stderr.toString()) ?? [];
  return { wall, cpu: (Number(user) + Number(system)) * 1000 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

async function main(): Promise<void> {
  const svc = await startServices();
  try {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a1b2c3d');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
    const dir = workspace(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }]));
    const env = cliEnv(svc);
    console.log(execFileSync('docker', ['version', '--format', 'docker client {{.Client.Version}}, engine {{.Server.Version}}'], { env }).toString().trim());
    const cli: { wall: number; cpu: number }[] = [];
    const docker: { wall: number; cpu: number }[] = [];
    for (let i = 0; i < 10; i++) {
      cli.push(timed(process.execPath, [CLI, 'status'], { cwd: dir, env }));
      docker.push(timed('docker', ['manifest', 'inspect', '--insecure', `${svc.registry}/${repo}:dev`], { env }));
    }
    const fmt = (xs: number[]): string => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
    const report = (runs: { wall: number; cpu: number }[]): string => `wall ${fmt(runs.map((r) => r.wall))}; cpu ${fmt(runs.map((r) => r.cpu))}`;
    console.log(`load average ${execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ')}`);
    console.log(`image-promotion status (3 environments, 1 build, engine ping): ${report(cli)}`);
    console.log(`docker manifest inspect (one tag):                           ${report(docker)}`);
  } finally {
    await svc.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
