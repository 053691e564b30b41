// Where a digest may go next: promotion order, next and previous environments.
import type { EnvironmentConfig, PromotionConfig } from '../config/types';

export function environmentIndex(config: PromotionConfig, env: EnvironmentConfig): number {
  return config.environments.findIndex((e) => e.name === env.name);
}

export function previousEnvironment(config: PromotionConfig, env: EnvironmentConfig): EnvironmentConfig | undefined {
  const index = environmentIndex(config, env);
  return index > 0 ? config.environments[index - 1] : undefined;
}

export function nextEnvironment(config: PromotionConfig, env: EnvironmentConfig): EnvironmentConfig | undefined {
  const index = environmentIndex(config, env);
  return index >= 0 ? config.environments[index + 1] : undefined;
}

/** By name, case-insensitively (`Staging` and `staging` are the same environment to a person). */
export function findEnvironment(config: PromotionConfig, name: string): EnvironmentConfig | undefined {
  return config.environments.find((e) => e.name === name) ?? config.environments.find((e) => e.name.toLowerCase() === name.toLowerCase());
}

/** Where a row's digest goes when the user asks for "next": after an environment, or the first one for a build. */
export function defaultTarget(config: PromotionConfig, source: { environment?: EnvironmentConfig }): EnvironmentConfig | undefined {
  return source.environment ? nextEnvironment(config, source.environment) : config.environments[0];
}
