import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LastRows } from '../../src/model/lastRows';
import { PromotionModel } from '../../src/model/promotionModel';
import type { Snapshot } from '../../src/model/snapshot';
import type { ManifestDescriptor, RegistryClient } from '../../src/registry/registryClient';
import { makeTempDir } from '../harness/tempdirs';
import { config, MemoryLog } from '../integration/support';
import { promotionYaml } from '../fixtures/promotionYaml';

const older = `sha256:${'1'.repeat(64)}`;
const newer = `sha256:${'2'.repeat(64)}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const cfg = config(`${promotionYaml('r.example/app', [{ name: 'development', tag: 'dev' }, { name: 'staging' }])}builds:\n  tagPattern: '^[0-9]+$'\n`);

/** A registry whose lookups answer only when released: the registry behind a slow network, the model's logic alone. */
function heldRegistry(digest: string): { registry: RegistryClient; release(): void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const registry = {
    resolve: async (): Promise<ManifestDescriptor> => {
      await held;
      return { digest, mediaType: MANIFEST, size: 1 };
    },
    listTags: async () => {
      await held;
      return ['7'];
    },
  } as unknown as RegistryClient;
  return { registry, release };
}

/** What a model needs: the registry, every digest described as a plain image, the last rows' store. */
function modelServices(registry: RegistryClient, lastRows: LastRows) {
  return {
    registry,
    describe: async (_: unknown, d: string) => ({ digest: d, mediaType: MANIFEST, isIndex: false, platforms: [], labels: {}, created: '2026-01-01T00:00:00Z' }),
    log: new MemoryLog(),
    lastRows,
  };
}

const digests = (s: Snapshot | undefined): string[] => (s?.environments ?? []).map((e) => (e.lookup.state === 'present' ? e.lookup.digest : e.lookup.state));

describe('last rows: the trees start with what the last refresh showed', () => {
  it('are kept in a file and read back by the next session, for the same config only; a corrupt file is no rows', async () => {
    const file = join(makeTempDir('last-rows'), 'last-rows.json');
    const rows = {
      lookups: [{ state: 'present', digest: older, mediaType: MANIFEST } as const, { state: 'absent' } as const],
      builds: { state: 'ok', rows: [{ tag: '7', digest: older, mediaType: MANIFEST, heldBy: ['development'] }], matching: 1, scanned: 1 } as const,
      takenAt: 1_000,
    };
    await new LastRows({ file }).put('/w/.promotion.yml', cfg, rows);
    const next = new LastRows({ file });
    const read = await next.get('/w/.promotion.yml', cfg);
    assert.deepEqual(read?.lookups, rows.lookups);
    assert.deepEqual(read?.builds.state === 'ok' && read.builds.rows, rows.builds.rows);
    assert.equal(await next.get('/other/.promotion.yml', cfg), undefined, 'another config file');
    const renamed = config(promotionYaml('r.example/app', [{ name: 'development', tag: 'dev' }, { name: 'qa' }]));
    assert.equal(await next.get('/w/.promotion.yml', renamed), undefined, 'the config names other environments now');
    writeFileSync(file, '{"version":1,"entries":[{"file":');
    assert.equal(await new LastRows({ file }).get('/w/.promotion.yml', cfg), undefined);
  });

  it('a new model shows the remembered rows, marked, before the registry answers, and the fresh ones replace them', async () => {
    const file = join(makeTempDir('last-rows'), 'last-rows.json');
    const services = (registry: RegistryClient) => modelServices(registry, new LastRows({ file }));
    const state = { kind: 'ready', file: '/w/.promotion.yml', config: cfg, workspaceDir: '/w' } as const;
    // An earlier session: its refresh saw the older digest everywhere.
    const first = heldRegistry(older);
    first.release();
    const earlier = new PromotionModel(services(first.registry));
    earlier.setConfig(state);
    await earlier.refresh();
    earlier.dispose();
    for (let i = 0; i < 50 && !(await new LastRows({ file }).get(state.file, cfg)); i++) await new Promise((r) => setTimeout(r, 10));

    // This session: the registry has not answered yet, and meanwhile the tags moved to the newer digest.
    const slow = heldRegistry(newer);
    const model = new PromotionModel(services(slow.registry));
    model.setConfig(state);
    for (let i = 0; i < 50 && !model.shown; i++) await new Promise((r) => setTimeout(r, 10));
    const remembered = model.shown;
    assert.equal(remembered?.remembered, true, 'the remembered rows are shown, marked');
    assert.deepEqual(digests(remembered), [older, older]);
    assert.equal(model.snapshot, undefined, 'commands see no snapshot until the registry answers');
    assert.equal(model.isRefreshing, true);
    slow.release();
    await model.refresh();
    assert.equal(model.shown?.remembered, undefined);
    assert.deepEqual(digests(model.shown), [newer, newer], 'replaced by what the registry says now');
    model.dispose();
  });

  it('a refresh with nothing fresh on screen asks the environments alone first, the tags once they answered; later ones side by side', async () => {
    const file = join(makeTempDir('last-rows'), 'last-rows.json');
    const calls: string[] = [];
    let release: () => void = () => undefined;
    let held = Promise.resolve();
    const hold = (): void => {
      held = new Promise<void>((resolve) => (release = resolve));
    };
    const registry = {
      resolve: async (): Promise<ManifestDescriptor> => {
        calls.push('resolve');
        await held;
        return { digest: older, mediaType: MANIFEST, size: 1 };
      },
      listTags: async () => {
        calls.push('listTags');
        return ['7'];
      },
    } as unknown as RegistryClient;
    const model = new PromotionModel(modelServices(registry, new LastRows({ file })));
    const state = { kind: 'ready', file: '/w/.promotion.yml', config: cfg, workspaceDir: '/w' } as const;
    const settle = () => new Promise((r) => setTimeout(r, 20));

    // The first refresh: nothing but the two lookups until they answer.
    hold();
    model.setConfig(state);
    await settle();
    assert.deepEqual(calls, ['resolve', 'resolve'], 'the environments alone while their lookups are on the way');
    release();
    await model.refresh();
    assert.ok(calls.includes('listTags'), 'the tags asked once the lookups answered');
    assert.equal(model.snapshot?.builds.state, 'ok');
    assert.equal(model.snapshot?.builds.rows.length, 1);

    // The next refresh, fresh rows on screen: side by side.
    calls.length = 0;
    hold();
    const again = model.refresh();
    await settle();
    assert.deepEqual([...new Set(calls)].sort(), ['listTags', 'resolve'], `side by side (asked: ${calls.join(', ')})`);
    release();
    await again;

    // A config loaded again: nothing fresh for it on screen, the lookups first again.
    calls.length = 0;
    hold();
    model.setConfig({ ...state });
    await settle();
    assert.deepEqual(calls, ['resolve', 'resolve']);
    release();
    await model.refresh();
    model.dispose();
  });
});
