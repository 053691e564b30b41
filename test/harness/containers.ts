// Images that really run, and containers of them on the test engine. The image is a tiny root file
// system — /bin/sh, /bin/sleep and the shared libraries `ldd` lists, copied from this machine — pushed
// to a registry with the harness's own fixtures; containers run it with `--network none` (the test
// engine has no bridge) or the host's network. Everything here goes through the raw Engine API
// client (engine.ts), never through the code under test.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { engineInspectImage, enginePull, engineRequest } from './engine';
import { pushImage, type PushedImage } from './fixtures';

let rootFs: Record<string, Buffer> | undefined;

/** /bin/sh, /bin/sleep and every library they load, at the paths the loader looks for them. */
export function tinyRootFs(): Record<string, Buffer> {
  if (rootFs) return rootFs;
  const files: Record<string, Buffer> = { 'bin/sh': readFileSync('/bin/sh'), 'bin/sleep': readFileSync('/bin/sleep') };
  for (const program of ['/bin/sh', '/bin/sleep']) {
    const listed = execFileSync('ldd', [program], { encoding: 'utf8' });
    for (const match of listed.matchAll(/(\/[^\s]+\.so[^\s]*)/g)) files[match[1]!.slice(1)] = readFileSync(match[1]!);
  }
  rootFs = files;
  return files;
}

export interface RunnableImageOptions {
  labels?: Record<string, string>;
  env?: string[];
  /** Default: sleep for an hour. */
  cmd?: string[];
}

/** A new build (its own digest) of an image that runs `cmd`. */
export async function pushRunnableImage(registryUrl: string, repo: string, tag: string | undefined, opts: RunnableImageOptions = {}): Promise<PushedImage> {
  return pushImage(registryUrl, repo, tag, {
    files: { ...tinyRootFs(), 'build.txt': `${repo} ${randomBytes(8).toString('hex')}\n` },
    executable: ['bin/sh', 'bin/sleep', ...Object.keys(tinyRootFs()).filter((f) => f.includes('ld-linux'))],
    cmd: opts.cmd ?? ['/bin/sleep', '3600'],
    env: opts.env ?? ['PATH=/bin', 'BUILD=test'],
    labels: opts.labels ?? {},
    // sleep as PID 1 ignores SIGTERM: without this every stop waits the engine's 10 s.
    stopSignal: 'SIGKILL',
  });
}

export interface RunOptions {
  name: string;
  image: string;
  labels: Record<string, string>;
  env?: string[];
  network?: 'none' | 'host';
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  /** Bind mounts `host:container[:ro]`. */
  binds?: string[];
  cmd?: string[];
}

/** `docker run -d` through the Engine API: pull when missing, create, then start. Returns the id. */
export async function runContainer(host: string, opts: RunOptions): Promise<string> {
  if (!(await engineInspectImage(host, opts.image))) await enginePull(host, opts.image);
  const created = await engineRequest(host, 'POST', `/containers/create?name=${encodeURIComponent(opts.name)}`, {
    body: {
      Image: opts.image,
      Labels: opts.labels,
      ...(opts.env ? { Env: opts.env } : {}),
      ...(opts.cmd ? { Cmd: opts.cmd } : {}),
      HostConfig: {
        NetworkMode: opts.network ?? 'none',
        RestartPolicy: { Name: opts.restart ?? 'no' },
        ...(opts.binds ? { Binds: opts.binds } : {}),
      },
    },
  });
  if (created.status !== 201) throw new Error(`create ${opts.name}: HTTP ${created.status} ${created.body.toString()}`);
  const id = (JSON.parse(created.body.toString()) as { Id: string }).Id;
  const started = await engineRequest(host, 'POST', `/containers/${id}/start`);
  if (started.status !== 204) throw new Error(`start ${opts.name}: HTTP ${started.status} ${started.body.toString()}`);
  return id;
}

export interface ContainerSeen {
  id: string;
  name: string;
  state: string;
  imageId: string;
  labels: Record<string, string>;
}

/** `docker ps -a --filter label=…` */
export async function containersWith(host: string, labels: Record<string, string>): Promise<ContainerSeen[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) }));
  const res = await engineRequest(host, 'GET', `/containers/json?all=1&filters=${filters}`);
  const list = JSON.parse(res.body.toString()) as { Id: string; Names: string[]; State: string; ImageID: string; Labels: Record<string, string> }[];
  return list
    .map((c) => ({ id: c.Id, name: c.Names[0]!.replace(/^\//, ''), state: c.State, imageId: c.ImageID, labels: c.Labels }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `GET /containers/{id}/json` (undefined when gone). */
export async function inspectContainer(host: string, id: string): Promise<Record<string, any> | undefined> {
  const res = await engineRequest(host, 'GET', `/containers/${encodeURIComponent(id)}/json`);
  if (res.status === 404) return undefined;
  return JSON.parse(res.body.toString()) as Record<string, any>;
}

/** The repo digests of the image a container runs. */
export async function digestsRunBy(host: string, container: ContainerSeen): Promise<string[]> {
  const res = await engineRequest(host, 'GET', `/images/${container.imageId}/json`);
  const image = JSON.parse(res.body.toString()) as { RepoDigests?: string[] };
  return (image.RepoDigests ?? []).map((r) => r.slice(r.indexOf('@') + 1));
}

/** `docker rm -f` of every container with the labels. */
export async function removeContainersWith(host: string, labels: Record<string, string>): Promise<void> {
  for (const c of await containersWith(host, labels)) await engineRequest(host, 'DELETE', `/containers/${c.id}?force=1`);
}
