// How a promotion ended (each phase returns one instead of throwing), and how its source is named.
import type { PromotionConfig } from '../config/types';
import type { PromotionError } from '../core/errors';
import type { Repository } from '../core/reference';
import type { PromotionSource, PromotionStatus } from './promotionTypes';

/** How a promotion ended, before the common fields are added. */
export class Ended {
  constructor(
    readonly status: PromotionStatus,
    readonly message: string,
    readonly error?: PromotionError,
  ) {}
}

export function sourceLabelOf(source: PromotionSource): string {
  return source.kind === 'build' ? `build ${source.tag}` : source.kind === 'environment' ? source.environment.name : source.label;
}

export function sourceRepositoryOf(config: PromotionConfig, source: PromotionSource): Repository {
  return source.kind === 'build' ? config.repository : source.kind === 'environment' ? source.environment.repository : source.repository;
}
