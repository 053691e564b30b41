import * as assert from 'node:assert/strict';
import type { EnvironmentConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';
import { needsTypedApproval } from '../../src/gates/gate';
import { heldBeforeGate, orderingGate, shownHoldGate, sourceExistsGate, transportKeepsDigestGate } from '../../src/promotion/builtinGates';
import type { HoldDocument } from '../../src/records/holds';
import { chooseTransport } from '../../src/promotion/transport';
import { MediaTypes } from '../../src/registry/mediaTypes';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function env(name: string, extra: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { name, tag: name, image: 'registry.example.com/app', repository: parseRepository('registry.example.com/app'), protected: false, gates: [], ...extra };
}

describe('built-in gates', () => {
  describe('promotion order', () => {
    it('lets the first environment take any build', () => {
      const result = orderingGate(env('development'), undefined, undefined, D1);
      assert.equal(result.status, 'passed');
      assert.match(result.reason, /first environment/);
    });

    it('passes when the environment before holds the digest', () => {
      assert.equal(orderingGate(env('staging'), env('development'), D1, D1).status, 'passed');
    });

    it('refuses a digest that skipped the environment before, naming both digests', () => {
      const result = orderingGate(env('production'), env('staging'), D1, D2);
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /production takes only what staging holds now \(sha256:111111111111\)/);
      assert.match(result.reason, /sha256:222222222222 has not been through staging/);
    });

    it('with promotionKeys: passes only when the move into the environment before is signed, saying so either way', () => {
      const signed = orderingGate(env('production'), env('staging'), D1, D1, { signed: true, detail: 'promotion r1 of 2026-01-01, signed by abcdef012345' });
      assert.equal(signed.status, 'passed');
      assert.match(signed.reason, /staging holds sha256:111111111111, signed as promoted there \(promotion r1/);
      const unsigned = orderingGate(env('production'), env('staging'), D1, D1, { signed: false, problem: 'unsigned: no .att' });
      assert.equal(unsigned.status, 'failed');
      assert.match(unsigned.reason, /staging holds sha256:111111111111, but not as signed promoted there \(promotionKeys\): unsigned: no \.att/);
    });

    it('refuses promotion after an empty environment', () => {
      const result = orderingGate(env('staging'), env('development'), null, D1);
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /development is empty/);
    });
  });

  it('source exists: fails with the full reference when the digest is not in the registry', () => {
    const repo = parseRepository('registry.example.com/app');
    assert.equal(sourceExistsGate(repo, D1, true).status, 'passed');
    const missing = sourceExistsGate(repo, D1, false);
    assert.equal(missing.status, 'failed');
    assert.ok(missing.reason.includes(`registry.example.com/app@${D1}`));
    assert.match(missing.reason, /never builds/);
  });

  describe('digest survives the transport', () => {
    const engine = { transport: 'engine' as const, reason: 'the engine already has the image' };
    const registry = { transport: 'registry' as const, reason: 'a multi-platform index keeps its digest only when copied registry-side' };

    it('passes a single-platform Docker manifest through the engine', () => {
      assert.equal(transportKeepsDigestGate(engine, { mediaType: MediaTypes.dockerManifest, isIndex: false, platforms: ['linux/amd64'] }, D1).status, 'passed');
    });

    it('refuses a multi-platform index through the engine, listing its platforms and the way out', () => {
      const result = transportKeepsDigestGate(engine, { mediaType: MediaTypes.ociIndex, isIndex: true, platforms: ['linux/amd64', 'linux/arm64'] }, D1);
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /multi-platform/);
      assert.match(result.reason, /2 platforms: linux\/amd64, linux\/arm64/);
      assert.match(result.reason, /set it to "auto" or "registry"/);
    });

    it('refuses a single-platform OCI manifest through the engine, which would rewrite it', () => {
      const result = transportKeepsDigestGate(engine, { mediaType: MediaTypes.ociManifest, isIndex: false, platforms: ['linux/amd64'] }, D1);
      assert.equal(result.status, 'failed');
      assert.match(result.reason, /OCI image manifest/);
    });

    it('passes any manifest copied registry-side', () => {
      const result = transportKeepsDigestGate(registry, { mediaType: MediaTypes.ociIndex, isIndex: true, platforms: ['linux/amd64', 'linux/arm64'] }, D1);
      assert.equal(result.status, 'passed');
      assert.match(result.reason, /all 2 platforms/);
    });
  });

  describe('transport choice', () => {
    const docker = { isIndex: false, mediaType: MediaTypes.dockerManifest, engineHasImage: true, engineReachable: true, crossRegistry: false };
    it('auto: the engine when it has a Docker manifest already', () => {
      assert.equal(chooseTransport('auto', docker).transport, 'engine');
    });
    it('auto: registry-side for an index, an OCI manifest, an image the engine would pull, or no engine', () => {
      assert.equal(chooseTransport('auto', { ...docker, isIndex: true, mediaType: MediaTypes.ociIndex }).transport, 'registry');
      assert.equal(chooseTransport('auto', { ...docker, mediaType: MediaTypes.ociManifest }).transport, 'registry');
      assert.match(chooseTransport('auto', { ...docker, engineHasImage: false }).reason, /does not have the image/);
      assert.match(chooseTransport('auto', { ...docker, engineReachable: false, engineHasImage: undefined }).reason, /not reachable/);
      assert.match(chooseTransport('auto', { ...docker, crossRegistry: true }).reason, /compress the layers again for another registry/);
    });
    it('a forced setting wins, even for an index (the transport gate then refuses it)', () => {
      assert.equal(chooseTransport('engine', { ...docker, isIndex: true }).transport, 'engine');
      assert.equal(chooseTransport('registry', docker).transport, 'registry');
    });
  });

  it('held before: a rollback goes only to a digest the environment had', () => {
    assert.equal(heldBeforeGate(env('staging'), D1, Date.UTC(2026, 0, 1)).status, 'passed');
    const never = heldBeforeGate(env('staging'), D1, undefined);
    assert.equal(never.status, 'failed');
    assert.match(never.reason, /no record of staging holding sha256:111111111111/);
  });

  it('asks for a typed name for protected or approval-gated environments only', () => {
    assert.equal(needsTypedApproval(env('staging')), false);
    assert.equal(needsTypedApproval(env('production', { protected: true })), true);
    assert.equal(needsTypedApproval(env('qa', { gates: [{ type: 'approval', name: 'approval', count: 1, allowSelf: true }] })), true);
  });
});

describe('the hold line in gate lists', () => {
  const prod = env('production');
  const now = Date.parse('2026-12-07T12:00:00.000Z');
  const held: HoldDocument = { state: 'held', environment: 'production', by: 'Ana', at: '2026-12-07T10:00:00.000Z', reason: 'migration' };
  const released = (at: string): HoldDocument => ({
    state: 'released',
    environment: 'production',
    by: 'Ben',
    at,
    reason: 'released the hold Ana placed at 2026-12-07T10:00:00.000Z',
    released: { by: 'Ana', at: '2026-12-07T10:00:00.000Z', reason: 'migration' },
  });

  it('no line when the environment was never held, or released more than a day ago', () => {
    assert.equal(shownHoldGate(prod, 'promotion', undefined, now), undefined);
    assert.equal(shownHoldGate(prod, 'promotion', released('2026-12-06T11:59:59.000Z'), now), undefined);
  });

  it('a hold, one that cannot be read, and a release in the last day are listed', () => {
    assert.deepEqual(
      [
        shownHoldGate(prod, 'promotion', held, now)?.status,
        shownHoldGate(prod, 'rollback', held, now)?.status,
        shownHoldGate(prod, 'promotion', new Error('down'), now)?.status,
      ],
      ['failed', 'passed', 'failed'],
    );
    const recent = shownHoldGate(prod, 'promotion', released('2026-12-07T11:00:00.000Z'), now)!;
    assert.equal(recent.status, 'passed');
    assert.equal(
      recent.reason,
      'production is not held: released by Ben at 2026-12-07T11:00:00.000Z: the hold Ana placed at 2026-12-07T10:00:00.000Z (migration)',
    );
  });
});
