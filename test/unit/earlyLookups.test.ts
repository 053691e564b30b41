import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { EarlyLookups } from '../../src/model/earlyLookups';
import { LastRows } from '../../src/model/lastRows';
import { takeSnapshot } from '../../src/model/snapshot';
import type { ManifestDescriptor, RegistryClient } from '../../src/registry/registryClient';
import { makeTempDir } from '../harness/tempdirs';
import { config, MemoryLog } from '../integration/support';
import { promotionYaml } from '../fixtures/promotionYaml';

const early = `sha256:${'3'.repeat(64)}`;
const later = `sha256:${'4'.repeat(64)}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const cfg = config(promotionYaml('r.example/app', [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));

/** Answers every lookup with `digest()` at the time it is asked, and counts them. */
function countingLookups(digest: () => string): { registry: RegistryClient; asked: string[] } {
  const asked: string[] = [];
  const registry = {
    resolve: async (_repo: unknown, tag: string): Promise<ManifestDescriptor> => {
      asked.push(tag);
      return { digest: digest(), mediaType: MANIFEST, size: 1 };
    },
    listTags: async () => [],
  } as unknown as RegistryClient;
  return { registry, asked };
}

describe('early lookups: a new window asks for the remembered environments before its config is read', () => {
  it('the remembered environments of configs under the folders only, read from the last rows file', async () => {
    const file = join(makeTempDir('early'), 'last-rows.json');
    const rows = {
      lookups: [{ state: 'absent' } as const, { state: 'absent' } as const],
      builds: { state: 'ok', rows: [], matching: 0, scanned: 0 } as const,
      takenAt: 1,
    };
    const writer = new LastRows({ file });
    await writer.put('/w/one/.promotion.yml', cfg, rows);
    await writer.put('/w/other/.promotion.yml', config(promotionYaml('r.example/else', [{ name: 'qa', tag: 'qa' }])), {
      ...rows,
      lookups: [{ state: 'absent' }],
    });
    const next = new LastRows({ file });
    assert.deepEqual(next.targetsUnder(['/w/one']), [], 'nothing before the file is read');
    await next.load();
    const targets = next.targetsUnder(['/w/one']);
    assert.deepEqual(
      targets.map((t) => `${t.repository.registry}/${t.repository.path}:${t.tag}`),
      ['r.example/app:dev', 'r.example/app:staging'],
    );
    assert.deepEqual(next.targetsUnder(['/w/on']), [], 'a folder is a path prefix up to a separator');
  });

  it('the first refresh takes the early answers instead of asking again; the next refresh asks; an old answer is not taken', async () => {
    let digest = early;
    const { registry, asked } = countingLookups(() => digest);
    let now = 0;
    const lookups = new EarlyLookups(() => now);
    lookups.start(registry, cfg.environments);
    assert.deepEqual(asked, ['dev', 'staging']);
    digest = later;
    const services = {
      registry,
      describe: async () => assert.fail('no details'),
      log: new MemoryLog(),
      earlyLookup: (e: Parameters<EarlyLookups['take']>[0]) => lookups.take(e),
    };
    const first = await takeSnapshot(cfg, services as never);
    assert.deepEqual(asked, ['dev', 'staging'], 'no second lookup in the first refresh');
    assert.deepEqual(
      first.environments.map((e) => e.lookup.state === 'present' && e.lookup.digest),
      [early, early],
    );
    const second = await takeSnapshot(cfg, services as never);
    assert.deepEqual(asked, ['dev', 'staging', 'dev', 'staging'], 'taken once: the next refresh asks');
    assert.deepEqual(
      second.environments.map((e) => e.lookup.state === 'present' && e.lookup.digest),
      [later, later],
    );

    lookups.start(registry, cfg.environments);
    now = 5_001;
    await takeSnapshot(cfg, services as never);
    assert.equal(asked.length, 8, 'answers older than 5 s are asked again');
  });

  it('a lookup that fails early is the failure the refresh would have had, never an unhandled rejection', async () => {
    const registry = { resolve: async () => Promise.reject(new Error('connection refused')) } as unknown as RegistryClient;
    const lookups = new EarlyLookups();
    lookups.start(registry, cfg.environments);
    const taken = await lookups.take(cfg.environments[0]!);
    assert.equal(taken?.state, 'error');
  });
});
