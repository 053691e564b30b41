// A config's images as the components of a release. A single-image config is a release of one: the
// code that moves, reads or records images asks for the components and never for "the" image.
// Each component sits under the same environment tags in its own repository, so the config as one
// component sees it (forComponent) is an ordinary single-image config: every per-image step
// (resolving, gates, copying, restoring) runs unchanged on it.
import type { ComponentConfig, EnvironmentConfig, PromotionConfig } from './types';

export function isRelease(config: PromotionConfig): boolean {
  return config.components !== undefined;
}

export function componentsOf(config: PromotionConfig): readonly ComponentConfig[] {
  if (config.components) return config.components;
  const segments = config.repository.path.split('/');
  return [{ name: segments[segments.length - 1]!, image: config.image, repository: config.repository }];
}

export function componentNamed(config: PromotionConfig, name: string): ComponentConfig {
  const found = componentsOf(config).find((c) => c.name === name);
  if (!found) throw new Error(`the config has no image named ${name}`);
  return found;
}

/** The config as one component sees it: its repository everywhere (a single-image config is itself). */
export function forComponent(config: PromotionConfig, name: string): PromotionConfig {
  if (!config.components) return config;
  const component = componentNamed(config, name);
  return {
    ...config,
    image: component.image,
    repository: component.repository,
    environments: config.environments.map((env) => environmentForComponent(config, env, name)),
  };
}

export function environmentForComponent(config: PromotionConfig, env: EnvironmentConfig, name: string): EnvironmentConfig {
  if (!config.components) return env;
  const component = componentNamed(config, name);
  return { ...env, image: component.image, repository: component.repository };
}
