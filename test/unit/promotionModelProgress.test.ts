import * as assert from 'node:assert/strict';
import { PromotionModel } from '../../src/model/promotionModel';
import type { Snapshot } from '../../src/model/snapshot';
import type { ManifestDescriptor, RegistryClient } from '../../src/registry/registryClient';
import { config, MemoryLog } from '../integration/support';
import { promotionYaml } from '../fixtures/promotionYaml';

const digest = `sha256:${'1'.repeat(64)}`;

/** Answers lookups at once and holds every description until released: the model's logic alone. */
function registryHoldingDetails(): { registry: RegistryClient; release(): void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const found: ManifestDescriptor = { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 };
  const registry = {
    resolve: async () => found,
    listTags: async () => ['1', '2', '3'],
    getManifest: async () => {
      await held;
      return undefined;
    },
  } as unknown as RegistryClient;
  return { registry, release };
}

describe('promotion model: progressive snapshots', () => {
  const cfg = config(`${promotionYaml('r.example/app', [{ name: 'development', tag: 'dev' }])}builds:\n  tagPattern: '^[0-9]+$'\n`);

  it('shows the environments and rows while the first refresh still reads details; a later refresh replaces them at once', async () => {
    const { registry, release } = registryHoldingDetails();
    let describing = 0;
    const model = new PromotionModel({
      registry,
      describe: async (repo, d) => {
        describing++;
        await registry.getManifest(repo, d);
        return { digest: d, mediaType: '', isIndex: false, platforms: [], labels: {}, created: '2026-01-01T00:00:00Z' };
      },
      log: new MemoryLog(),
    });
    const seen: (Snapshot | undefined)[] = [];
    model.onDidChange(() => seen.push(model.shown));
    model.setConfig({ kind: 'ready', file: 'f', config: cfg, workspaceDir: '.' });
    for (let i = 0; i < 50; i++) {
      if (describing && model.shown) break; // both set by the refresh running meanwhile
      await new Promise((r) => setTimeout(r, 10));
    }
    const partial = model.shown;
    assert.ok(partial, 'a snapshot is shown before the details arrive');
    assert.equal(model.snapshot, undefined, 'commands still see no snapshot: only complete ones');
    assert.equal(model.isRefreshing, true);
    assert.equal(partial.environments[0]?.lookup.state, 'present');
    assert.deepEqual(partial.builds.state === 'ok' && [partial.builds.rows.map((r) => r.tag), partial.builds.complete], [['3', '2', '1'], false]);
    release();
    await model.refresh();
    const complete = model.snapshot!;
    assert.equal(complete.builds.state === 'ok' && complete.builds.complete, true);

    // The second refresh: what is shown stays until the new snapshot is complete.
    const before = seen.length;
    await model.refresh();
    const shownDuring = seen.slice(before);
    assert.ok(
      shownDuring.every((s) => s === complete || (s?.builds.state === 'ok' && s.builds.complete)),
      'no partial snapshot replaced a complete one',
    );
    model.dispose();
  });
});

describe('promotion model: a refresh overtaken by a config reload', () => {
  it('resolves only once the config loaded meanwhile has its snapshot (a late watcher event reloading the same file)', async () => {
    let held: (() => void) | undefined;
    let holdNext = false;
    const found: ManifestDescriptor = { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 };
    const registry = {
      resolve: async () => {
        if (holdNext) {
          holdNext = false;
          await new Promise<void>((resolve) => (held = resolve));
        }
        return found;
      },
      listTags: async () => [],
    } as unknown as RegistryClient;
    const model = new PromotionModel({
      registry,
      describe: async (_repo, d) => ({ digest: d, mediaType: '', isIndex: false, platforms: [], labels: {}, created: '2026-01-01T00:00:00Z' }),
      log: new MemoryLog(),
    });
    const cfg = config(promotionYaml('r.example/app', [{ name: 'production' }]));
    const ready = { kind: 'ready', file: 'f', config: cfg, workspaceDir: '.' } as const;
    model.setConfig(ready);
    await model.refresh();
    assert.ok(model.snapshot, 'the first snapshot');
    holdNext = true;
    const refreshing = model.refresh();
    for (let i = 0; i < 50; i++) {
      if (held) break; // set by the refresh running meanwhile
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(held, 'the second refresh is looking up');
    model.setConfig({ ...ready }); // the same file again: this refresh's result is dropped
    held!();
    await refreshing;
    assert.equal(model.snapshot?.environments[0]?.lookup.state, 'present', 'a snapshot of the config loaded now');
    model.dispose();
  });
});
