// The engine a front end points at, connected on first use (dockerode loads then, not at start-up).
import { errorMessage, PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import { dockerConfigDir } from '../credentials/dockerConfig';
import type { ContainerEngine, ImageEngine } from '../engine/engine';
import { resolveEngineAddress, type EngineAddress } from '../engine/engineAddress';

export class EngineProvider {
  private cached: { key: string; engine: Promise<ImageEngine> } | undefined;
  /** Engines runs/deploy name, by address. */
  private readonly others = new Map<string, Promise<ContainerEngine>>();

  /** `dockerHost`: the front end's own choice (a setting); empty falls back to DOCKER_HOST, then the context. */
  constructor(
    private readonly dockerHost: () => string,
    private readonly log: Logger,
  ) {}

  /** Where the engine is expected, for messages; throws a readable error for a bad address. */
  address(): EngineAddress {
    try {
      return resolveEngineAddress({ setting: this.dockerHost(), env: process.env, dockerConfigDir: dockerConfigDir() });
    } catch (error) {
      throw new PromotionError(
        'engine-unreachable',
        errorMessage(error),
        'Fix the engine address (the imagePromotion.dockerHost setting or --docker-host), DOCKER_HOST or the Docker context.',
      );
    }
  }

  /** The engine at `host` (an address or `context:<name>`, as runs/deploy write it); absent: the one promotions use. */
  containers(host: string | undefined): Promise<ContainerEngine> {
    const address = host ? this.addressOf(host) : this.address();
    const key = JSON.stringify(address);
    let engine = this.others.get(key);
    if (!engine) {
      engine = import('../engine/dockerodeEngine').then((m) => m.connectDockerode(address));
      engine.catch(() => this.others.delete(key));
      this.others.set(key, engine);
    }
    return engine;
  }

  /** `host` in words, before it is reached. */
  describe(host: string | undefined): string {
    try {
      return (host ? this.addressOf(host) : this.address()).display;
    } catch {
      return host ?? 'the Docker engine';
    }
  }

  private addressOf(host: string): EngineAddress {
    try {
      return resolveEngineAddress({ setting: host, env: process.env, dockerConfigDir: dockerConfigDir() });
    } catch (error) {
      throw new PromotionError('engine-unreachable', errorMessage(error), 'Fix host under runs.docker or deploy.docker in the promotion config.');
    }
  }

  get(): Promise<ImageEngine> {
    const address = this.address();
    const key = JSON.stringify(address);
    if (this.cached?.key !== key) {
      this.log.info(`Docker engine: ${address.display} (from ${address.source})`);
      const engine = import('../engine/dockerodeEngine').then((m) => m.connectDockerode(address));
      engine.catch(() => (this.cached = undefined));
      this.cached = { key, engine };
    }
    return this.cached.engine;
  }
}
