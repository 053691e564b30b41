// "Promote to Staging" and "Promote to Production" in a config whose environments are called
// qa/stage/prod/live: which environment the person most likely means.
import type { EnvironmentConfig, PromotionConfig } from '../../config/types';

export type NamedRole = 'staging' | 'production';

const ALIASES: Readonly<Record<NamedRole, readonly string[]>> = {
  staging: ['stage', 'stg', 'qa', 'uat', 'test', 'testing', 'preprod', 'pre-prod', 'preproduction', 'acceptance', 'integration', 'int'],
  production: ['prod', 'prd', 'live', 'release'],
};

/**
 * The environment a role most likely names: one called by a usual alias, else by position (production
 * the last environment, staging the one before it). Undefined when the config has one environment only.
 */
export function likelyEnvironment(config: PromotionConfig, role: NamedRole): EnvironmentConfig | undefined {
  const envs = config.environments;
  const byAlias = envs.find((e) => ALIASES[role].includes(e.name.toLowerCase()));
  if (byAlias) return byAlias;
  const partial = envs.find((e) => ALIASES[role].some((a) => a.length > 2 && e.name.toLowerCase().includes(a)));
  if (partial) return partial;
  if (envs.length < 2) return undefined;
  return role === 'production' ? envs[envs.length - 1] : envs[envs.length - 2];
}

/** The key under which the workspace remembers the answer. */
export function aliasKey(role: NamedRole): string {
  return `imagePromotion.environmentFor.${role}`;
}
