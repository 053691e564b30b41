// The only file that knows dockerode. Loaded on first use so activation does not pay for it.
import type Dockerode from 'dockerode';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { PromotionError } from '../core/errors';
import type { RegistryCredentials } from '../credentials/credentials';
import type { ContainerCreate, ContainerDefinition, ContainerEngine, EngineContainer, EngineImage, ImageEngine, ProgressLine, PushResult } from './engine';
import type { EngineAddress } from './engineAddress';
import { followJsonStream } from './jsonStream';

const QUICK_CALL_MS = 20_000;
/** The engine waits 10 s for a container to stop before it kills it. */
const STOP_CALL_MS = 40_000;
/** A pull or push that sends no progress line for this long has stalled (a layer of 1 GB still reports progress). */
export const DEFAULT_ENGINE_IDLE_MS = 120_000;

export interface EngineOptions {
  /** Pull and push fail after this long without a byte from the engine. */
  readonly idleMs?: number;
  /** A longer progress line fails the operation (1 MiB by default). */
  readonly maxLineBytes?: number;
}

export async function connectDockerode(address: EngineAddress, options: EngineOptions = {}): Promise<ImageEngine & ContainerEngine> {
  const { default: Docker } = await import('dockerode');
  return new DockerodeEngine(new Docker(dockerodeOptions(address)), address, options);
}

function dockerodeOptions(address: EngineAddress): Dockerode.DockerOptions {
  if (address.socketPath) return { socketPath: address.socketPath };
  const read = (file: string | undefined): Buffer | undefined => (file ? readFileSync(file) : undefined);
  if (address.protocol === 'ssh') {
    return {
      protocol: 'ssh',
      host: address.host!,
      port: address.port!,
      ...(address.username ? { username: address.username } : {}),
      sshOptions: { agent: process.env['SSH_AUTH_SOCK'] },
    } as Dockerode.DockerOptions;
  }
  const options: Dockerode.DockerOptions = { protocol: address.protocol ?? 'http', host: address.host!, port: address.port! };
  if (address.tls) {
    const ca = read(address.tls.ca);
    const cert = read(address.tls.cert);
    const key = read(address.tls.key);
    if (ca) options.ca = ca;
    if (cert) options.cert = cert;
    if (key) options.key = key;
    if (!address.tls.verify) (options as Record<string, unknown>)['rejectUnauthorized'] = false;
  }
  return options;
}

/** The engine's X-Registry-Auth: it holds no credentials of its own. */
function authconfig(auth: RegistryCredentials | undefined, registry: string): Dockerode.AuthConfig {
  if (auth?.identityToken) return { identitytoken: auth.identityToken, serveraddress: auth.serverAddress } as unknown as Dockerode.AuthConfig;
  if (auth?.username) return { username: auth.username, password: auth.password ?? '', serveraddress: auth.serverAddress };
  // The engine refuses a push with no X-Registry-Auth at all; an empty one means anonymous.
  return { serveraddress: registry } as unknown as Dockerode.AuthConfig;
}

class DockerodeEngine implements ImageEngine, ContainerEngine {
  readonly address: string;

  constructor(
    private readonly docker: Dockerode,
    private readonly where: EngineAddress,
    private readonly options: EngineOptions = {},
  ) {
    this.address = where.display;
  }

  private get limits(): { idleMs: number; maxLineBytes?: number } {
    return { idleMs: this.options.idleMs ?? DEFAULT_ENGINE_IDLE_MS, ...(this.options.maxLineBytes ? { maxLineBytes: this.options.maxLineBytes } : {}) };
  }

  async ping(signal?: AbortSignal): Promise<void> {
    await this.call('reach the engine', (abortSignal) => (this.docker.ping as (o: object) => Promise<unknown>).call(this.docker, { abortSignal }), signal);
  }

  async hasImage(reference: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.inspectImage(reference, signal)) !== undefined;
  }

  async inspectImage(reference: string, signal?: AbortSignal): Promise<EngineImage | undefined> {
    let info: Dockerode.ImageInspectInfo;
    try {
      info = await this.call(`inspect ${reference}`, () => this.docker.getImage(reference).inspect(), signal);
    } catch (error) {
      if (error instanceof PromotionError && error.kind === 'not-found') return undefined;
      throw error;
    }
    return engineImage(info);
  }

  async pull(reference: string, auth: RegistryCredentials | undefined, onProgress: ProgressLine, signal?: AbortSignal): Promise<void> {
    const { repository, tagOrDigest } = splitReference(reference);
    const stream = await this.openStream(
      `pull ${reference}`,
      (abortSignal) => this.docker.createImage(authconfig(auth, registryOf(repository)), { fromImage: repository, tag: tagOrDigest, abortSignal }),
      signal,
      { registry: registryOf(repository), hadCredentials: auth !== undefined },
    );
    await followJsonStream(stream as unknown as Readable, `pull of ${reference}`, onProgress, signal, this.limits);
  }

  async tag(source: string, repository: string, tag: string, signal?: AbortSignal): Promise<void> {
    await this.call(`tag ${source} as ${repository}:${tag}`, (abortSignal) => this.docker.getImage(source).tag({ repo: repository, tag, abortSignal }), signal);
  }

  async push(repository: string, tag: string, auth: RegistryCredentials | undefined, onProgress: ProgressLine, signal?: AbortSignal): Promise<PushResult> {
    const stream = await this.openStream(
      `push ${repository}:${tag}`,
      (abortSignal) => this.docker.getImage(repository).push({ tag, authconfig: authconfig(auth, registryOf(repository)), abortSignal }),
      signal,
      { registry: registryOf(repository), hadCredentials: auth !== undefined },
    );
    const outcome = await followJsonStream(stream as unknown as Readable, `push of ${repository}:${tag}`, onProgress, signal, this.limits);
    return {
      ...(outcome.aux?.Digest ? { digest: outcome.aux.Digest } : {}),
      ...(outcome.aux?.Size !== undefined ? { size: outcome.aux.Size } : {}),
    };
  }

  async listContainers(labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<EngineContainer[]> {
    const filters = JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
    const list = await this.call('list containers', (abortSignal) => this.docker.listContainers({ all: true, filters, abortSignal }), signal);
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
      image: c.Image,
      imageId: c.ImageID,
      state: c.State,
      labels: c.Labels ?? {},
    }));
  }

  async inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerDefinition | undefined> {
    let info: Dockerode.ContainerInspectInfo;
    try {
      info = await this.call(`inspect container ${id.slice(0, 12)}`, () => this.docker.getContainer(id).inspect(), signal);
    } catch (error) {
      if (error instanceof PromotionError && error.kind === 'not-found') return undefined;
      throw error;
    }
    // A container the engine is about to restart (it exited) is not running its image.
    const running = info.State?.Running === true && info.State?.Restarting !== true;
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      imageId: info.Image,
      running,
      ...(!running && info.State ? { exitCode: info.State.ExitCode } : {}),
      ...(info.State?.Error ? { error: info.State.Error } : {}),
      config: (info.Config ?? {}) as unknown as Record<string, unknown>,
      hostConfig: (info.HostConfig ?? {}) as unknown as Record<string, unknown>,
      networks: (info.NetworkSettings?.Networks ?? {}) as unknown as Record<string, Record<string, unknown>>,
    };
  }

  /**
   * Engines before API 1.44 take one network at create: the first of `networks` goes with it, the
   * others are connected before the container starts (each with its aliases). A connect that fails
   * removes the new container again: no half-attached container is left behind.
   */
  async createContainer(name: string | undefined, body: ContainerCreate, signal?: AbortSignal): Promise<string> {
    const [first, ...more] = Object.entries(body.networks ?? {});
    const options = {
      ...body.config,
      HostConfig: body.hostConfig,
      ...(first ? { NetworkingConfig: { EndpointsConfig: { [first[0]]: first[1] } } } : {}),
      ...(name ? { name } : {}),
    } as Dockerode.ContainerCreateOptions;
    const created = await this.call(`create container ${name ?? ''}`.trim(), (abortSignal) => this.docker.createContainer({ ...options, abortSignal }), signal);
    for (const [network, endpoint] of more) {
      try {
        await this.call(
          `connect container ${created.id.slice(0, 12)} to network ${network}`,
          () => this.docker.getNetwork(network).connect({ Container: created.id, EndpointConfig: endpoint }),
          signal,
        );
      } catch (error) {
        await this.removeContainer(created.id).catch(() => undefined);
        throw error;
      }
    }
    return created.id;
  }

  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.call(`start container ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).start({ abortSignal }), signal);
  }

  async stopContainer(id: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.call(`stop container ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).stop({ abortSignal }), signal, STOP_CALL_MS);
    } catch (error) {
      // 304: it was not running; nothing to do.
      if ((error as { cause?: { statusCode?: number } }).cause?.statusCode === 304) return;
      throw error;
    }
  }

  async removeContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.call(`remove container ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).remove({ abortSignal }), signal);
  }

  async renameContainer(id: string, name: string, signal?: AbortSignal): Promise<void> {
    await this.call(`rename container ${id.slice(0, 12)} to ${name}`, (abortSignal) => this.docker.getContainer(id).rename({ name, abortSignal }), signal);
  }

  /**
   * Starts a streaming call: the engine must answer within the idle time, after which the stream's
   * own idle timer takes over (the signal handed to dockerode lives as long as the stream does, so
   * no time limit may be in it).
   */
  private async openStream(
    what: string,
    run: (signal: AbortSignal) => Promise<unknown>,
    signal: AbortSignal | undefined,
    auth?: RegistryAuthUsed,
  ): Promise<unknown> {
    const idleMs = this.limits.idleMs;
    const answered = new AbortController();
    const timer = idleMs > 0 ? setTimeout(() => answered.abort(), idleMs) : undefined;
    try {
      return await this.call(what, (callSignal) => run(AbortSignal.any([callSignal, answered.signal])), signal, 0, answered.signal, auth);
    } catch (error) {
      if (answered.signal.aborted && !signal?.aborted)
        throw new PromotionError('timeout', `the Docker engine at ${this.address} did not start the ${what} within ${idleMs / 1000} s`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one engine call with cancellation and, for quick calls, a time limit; translates errors. */
  private async call<T>(
    what: string,
    run: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal | undefined,
    timeoutMs = QUICK_CALL_MS,
    until?: AbortSignal,
    auth?: RegistryAuthUsed,
  ): Promise<T> {
    const signals = [signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined, until].filter((s): s is AbortSignal => !!s);
    const combined = signals.length ? AbortSignal.any(signals) : new AbortController().signal;
    // Not every dockerode call honours abortSignal (inspect does not): race it as well.
    const aborted = new Promise<never>((_, reject) => {
      const fail = (): void => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      if (combined.aborted) fail();
      else combined.addEventListener('abort', fail, { once: true });
    });
    try {
      return await Promise.race([run(combined), aborted]);
    } catch (error) {
      throw this.translate(error, what, signal, timeoutMs, auth);
    }
  }

  private translate(error: unknown, what: string, signal: AbortSignal | undefined, timeoutMs: number, auth?: RegistryAuthUsed): PromotionError {
    if (error instanceof PromotionError) return error;
    if (signal?.aborted) return new PromotionError('cancelled', `${what}: cancelled`);
    const e = error as { code?: string; statusCode?: number; json?: { message?: string } | null; reason?: string; message?: string; name?: string };
    if (e.name === 'AbortError' || e.name === 'TimeoutError') {
      return new PromotionError('timeout', `the Docker engine at ${this.address} did not answer within ${timeoutMs / 1000} s (${what})`);
    }
    if (e.code && ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE'].includes(e.code)) {
      const hint = e.code === 'EACCES' ? 'Is your user allowed to use the Docker socket (the docker group)?' : 'Is Docker installed and running?';
      return new PromotionError('engine-unreachable', `cannot reach the Docker engine at ${this.address} (from ${this.where.source}; ${e.code})`, hint, {
        cause: error,
      });
    }
    const message = engineErrorText(e) || String(error);
    if (e.statusCode === 404) return new PromotionError('not-found', `${what}: ${message}`);
    if (e.statusCode === 401 || /unauthorized|authentication required/i.test(message)) {
      // The engine relays the registry's refusal as a 500 ("server error"): say whose credentials failed and what to do.
      if (!auth) return new PromotionError('unauthorized', `${what}: ${message}`);
      return auth.hadCredentials
        ? new PromotionError(
            'unauthorized',
            `${auth.registry} rejected the credentials found for it (${what}: ${message})`,
            `Run "docker login ${auth.registry}" again, or in VS Code Image Promotion: Sign In to Registry….`,
          )
        : new PromotionError(
            'unauthorized',
            `${auth.registry} requires credentials and none were found (${what}: ${message})`,
            `Run "docker login ${auth.registry}" (credentials are read from the Docker config, as the Docker CLI does), or in VS Code Image Promotion: Sign In to Registry….`,
          );
    }
    return new PromotionError('internal', `${what}: ${message}`, undefined, { cause: error });
  }
}

/** The engine's inspect answer in the extension's terms; Go prints an absent creation time as year 1. */
function engineImage(info: Dockerode.ImageInspectInfo): EngineImage {
  const { Variant: variant } = info as { Variant?: string };
  const created = info.Created && !info.Created.startsWith('0001-01-01') ? info.Created : undefined;
  return {
    id: info.Id,
    repoDigests: info.RepoDigests ?? [],
    labels: info.Config?.Labels ?? {},
    ...(info.Config ? { config: info.Config as unknown as Record<string, unknown> } : {}),
    ...(info.Os ? { os: info.Os } : {}),
    ...(info.Architecture ? { architecture: info.Architecture } : {}),
    ...(variant ? { variant } : {}),
    ...(created ? { created } : {}),
  };
}

/** Which registry a streaming call authenticated against, and whether it sent credentials. */
interface RegistryAuthUsed {
  readonly registry: string;
  readonly hadCredentials: boolean;
}

/**
 * The engine's own words for a failed call. For a streaming call docker-modem leaves `json` empty
 * and puts the body in the message (`(HTTP code 500) server error - <engine message> `); its
 * `reason` is only the status's generic name, which says nothing.
 */
export function engineErrorText(e: { json?: unknown; reason?: string; message?: string }): string {
  const json = e.json as { message?: unknown } | null | undefined;
  if (json && typeof json === 'object' && typeof json.message === 'string' && json.message) return json.message;
  const modem = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(e.message ?? '');
  const body = modem?.[1]?.trim();
  if (body) {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string' && parsed.message) return parsed.message;
    } catch {
      // plain text
    }
    return body;
  }
  return e.reason || e.message || '';
}

/** `host/path@sha256:…` → (`host/path`, `sha256:…`); `host/path:tag` → (`host/path`, `tag`). */
function splitReference(reference: string): { repository: string; tagOrDigest: string } {
  const at = reference.indexOf('@');
  if (at >= 0) return { repository: reference.slice(0, at), tagOrDigest: reference.slice(at + 1) };
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repository: reference.slice(0, colon), tagOrDigest: reference.slice(colon + 1) };
  return { repository: reference, tagOrDigest: 'latest' };
}

function registryOf(repository: string): string {
  return repository.split('/')[0] ?? repository;
}
