// The engine the settings point at, connected on first use (dockerode loads then, not at activation).
import { errorMessage, PromotionError } from '../core/errors';
import type { Logger } from '../core/log';
import { dockerConfigDir } from '../credentials/dockerConfig';
import type { ImageEngine } from '../engine/engine';
import { resolveEngineAddress, type EngineAddress } from '../engine/engineAddress';
import type { Settings } from './settings';

export class EngineProvider {
  private cached: { key: string; engine: Promise<ImageEngine> } | undefined;

  constructor(private readonly settings: Settings, private readonly log: Logger) {}

  /** Where the engine is expected, for messages; throws a readable error for a bad address. */
  address(): EngineAddress {
    try {
      return resolveEngineAddress({ setting: this.settings.dockerHost(), env: process.env, dockerConfigDir: dockerConfigDir() });
    } catch (error) {
      throw new PromotionError('engine-unreachable', errorMessage(error), 'Fix imagePromotion.dockerHost, DOCKER_HOST or the Docker context.');
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
