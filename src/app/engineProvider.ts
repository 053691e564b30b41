// The engine a front end points at, connected on first use (dockerode loads then, not at start-up).
import { errorMessage, PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import { dockerConfigDir } from '../credentials/dockerConfig';
import type { ImageEngine } from '../engine/engine';
import { resolveEngineAddress, type EngineAddress } from '../engine/engineAddress';

export class EngineProvider {
  private cached: { key: string; engine: Promise<ImageEngine> } | undefined;

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
