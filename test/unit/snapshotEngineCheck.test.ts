import * as assert from 'node:assert/strict';
import { takeSnapshot } from '../../src/model/snapshot';
import type { RegistryClient } from '../../src/registry/registryClient';
import { promotionYaml } from '../fixtures/promotionYaml';
import { config, MemoryLog } from '../integration/support';

describe('a snapshot’s engine check', () => {
  it('starts once the environments’ lookups have answered: loading the engine’s client must not hold up the rows', async () => {
    const events: string[] = [];
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const registry = {
      resolve: async (_repo: unknown, tag: string) => {
        await answered;
        events.push(`lookup ${tag}`);
        return { digest: `sha256:${'1'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 };
      },
      listTags: async () => [],
    } as unknown as RegistryClient;
    const cfg = config(promotionYaml('r.example/app', [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    const taking = takeSnapshot(cfg, {
      registry,
      describe: () => Promise.reject(new Error('no builds')),
      log: new MemoryLog(),
      checkEngine: async () => {
        events.push('engine');
        return { state: 'ok', address: 'unix:///var/run/docker.sock' };
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(events, [], 'nothing before the lookups answer');
    answer();
    const snapshot = await taking;
    assert.deepEqual(events, ['lookup dev', 'lookup staging', 'engine']);
    assert.equal(snapshot.engine?.state, 'ok');
  });
});
