// "Promote to Staging/Production" when no environment carries the name.
import * as assert from 'node:assert/strict';
import type { EnvironmentConfig, PromotionConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';
import { likelyEnvironment } from '../../src/vscode/commands/environmentAliases';

const repository = parseRepository('registry.example.com/app');
const cfg = (...names: string[]): PromotionConfig => ({
  image: 'registry.example.com/app',
  repository,
  builds: { tagPattern: /^[0-9a-f]{7,40}$/, limit: 20 },
  environments: names.map((name): EnvironmentConfig => ({ name, tag: name, image: 'registry.example.com/app', repository, protected: false, gates: [] })),
});

describe('environment aliases', () => {
  it('finds the usual names for staging and production', () => {
    assert.equal(likelyEnvironment(cfg('dev', 'qa', 'prod'), 'staging')?.name, 'qa');
    assert.equal(likelyEnvironment(cfg('dev', 'qa', 'prod'), 'production')?.name, 'prod');
    assert.equal(likelyEnvironment(cfg('dev', 'Stage', 'Live'), 'staging')?.name, 'Stage');
    assert.equal(likelyEnvironment(cfg('dev', 'Stage', 'Live'), 'production')?.name, 'Live');
    assert.equal(likelyEnvironment(cfg('dev', 'eu-staging-1', 'eu-prod'), 'production')?.name, 'eu-prod');
  });

  it('falls back on position: production last, staging the one before', () => {
    assert.equal(likelyEnvironment(cfg('a', 'b', 'c', 'd'), 'production')?.name, 'd');
    assert.equal(likelyEnvironment(cfg('a', 'b', 'c', 'd'), 'staging')?.name, 'c');
    assert.equal(likelyEnvironment(cfg('only'), 'staging'), undefined);
  });
});
