// The start-up timing line: once per session, in the log (not the UI), when the environments' rows can
// first be drawn, with where the time went (config, digests), before the builds' details arrive.
import * as assert from 'node:assert/strict';
import { PromotionModel } from '../../src/model/promotionModel';
import type { ManifestDescriptor, RegistryClient } from '../../src/registry/registryClient';
import { config, MemoryLog } from '../integration/support';
import { promotionYaml } from '../fixtures/promotionYaml';

const digest = `sha256:${'2'.repeat(64)}`;

describe('promotion model: the start-up timing line', () => {
  it('logs once, when the rows are ready and before the builds are described, with the time to the config and to the digests', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const found: ManifestDescriptor = { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 };
    const registry = { resolve: async () => found, listTags: async () => ['1'] } as unknown as RegistryClient;
    const log = new MemoryLog();
    const model = new PromotionModel({
      registry,
      describe: async (_repo, d) => {
        await held;
        return { digest: d, mediaType: '', isIndex: false, platforms: [], labels: {}, created: '2026-01-01T00:00:00Z' };
      },
      log,
    });
    const cfg = config(`${promotionYaml('r.example/app', [{ name: 'development', tag: 'dev' }, { name: 'staging' }])}builds:\n  tagPattern: '^[0-9]+$'\n`);
    const startup = (): string[] => log.lines.filter((l) => l.includes('start-up:'));
    model.setConfig({ kind: 'ready', file: 'f', config: cfg, workspaceDir: '.' });
    for (let i = 0; i < 100 && !startup().length; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(model.snapshot, undefined, 'the details are still held: the refresh is not complete');
    assert.equal(startup().length, 1, log.text());
    assert.match(
      startup()[0]!,
      /^info start-up: 2 environment rows ready \d+ ms after activation \(the config ready after \d+ ms, their digests \d+ ms into the first refresh, the builds still being read; the extension host has run \d+ ms\)$/,
    );
    release();
    await model.refresh();
    await model.refresh();
    assert.equal(startup().length, 1, 'once per session, not per refresh');
    model.dispose();
  });
});
