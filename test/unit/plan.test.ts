import * as assert from 'node:assert/strict';
import type { EnvironmentConfig, PromotionConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';
import { defaultTarget, findEnvironment, nextEnvironment, previousEnvironment } from '../../src/promotion/plan';
import { relationTo } from '../../src/model/snapshot';
import { TargetLocks } from '../../src/promotion/targetLocks';
import { mapLimit } from '../../src/model/mapLimit';

const repository = parseRepository('registry.example.com/app');
const env = (name: string): EnvironmentConfig => ({ name, tag: name, image: 'registry.example.com/app', repository, protected: false, gates: [] });
const config: PromotionConfig = {
  image: 'registry.example.com/app',
  repository,
  builds: { tagPattern: /^[0-9a-f]{7,40}$/, limit: 20 },
  environments: [env('development'), env('staging'), env('production')],
};
const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;

describe('promotion planning', () => {
  it('walks the environments in order', () => {
    assert.equal(nextEnvironment(config, config.environments[0]!)?.name, 'staging');
    assert.equal(nextEnvironment(config, config.environments[2]!), undefined);
    assert.equal(previousEnvironment(config, config.environments[0]!), undefined);
    assert.equal(previousEnvironment(config, config.environments[2]!)?.name, 'staging');
  });

  it('finds environments by name, case-insensitively when there is no exact match', () => {
    assert.equal(findEnvironment(config, 'Staging')?.name, 'staging');
    assert.equal(findEnvironment(config, 'qa'), undefined);
  });

  it('sends a build to the first environment and an environment to the next', () => {
    assert.equal(defaultTarget(config, {})?.name, 'development');
    assert.equal(defaultTarget(config, { environment: config.environments[1]! })?.name, 'production');
  });

  it('says how an environment stands against the one before it', () => {
    const present = (digest: string) => ({ state: 'present' as const, digest, mediaType: 'x' });
    assert.equal(relationTo(present(D1), undefined), 'first');
    assert.equal(relationTo(present(D1), present(D1)), 'in-step');
    assert.equal(relationTo(present(D2), present(D1)), 'differs', 'another digest of unknown age is not "behind"');
    assert.equal(relationTo({ state: 'absent' }, present(D1)), 'behind');
    assert.equal(relationTo(present(D1), { state: 'absent' }), 'unknown');
  });
});

describe('target locks', () => {
  it('refuses a second holder until the first releases', () => {
    const locks = new TargetLocks();
    const first = locks.tryAcquire('r/app:staging', 'build 1 → staging');
    assert.ok('release' in first);
    const second = locks.tryAcquire('r/app:staging', 'build 2 → staging');
    assert.deepEqual(second, { busy: 'build 1 → staging' });
    assert.ok('release' in locks.tryAcquire('r/app:production', 'x'), 'another target is independent');
    first.release();
    assert.ok('release' in locks.tryAcquire('r/app:staging', 'build 2 → staging'));
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
    assert.equal(peak, 2);
  });
});
