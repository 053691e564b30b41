import * as assert from 'node:assert/strict';
import { quietLook } from '../../src/promotion/pushBesideLook';
import type { Move } from '../../src/promotion/moves';
import type { HoldDocument } from '../../src/records/holds';
import type { ManifestDescriptor, RegistryClient } from '../../src/registry/registryClient';
import { config } from '../integration/support';
import { promotionYaml } from '../fixtures/promotionYaml';

const ours = `sha256:${'5'.repeat(64)}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const cfg = config(promotionYaml('r.example/app', [{ name: 'development', tag: 'dev' }]));
const target = cfg.environments[0]!;
const move = { target } as unknown as Move;
const released: HoldDocument = { state: 'released', environment: 'development', by: 'ana', at: '2026-12-07T10:00:00Z', reason: 'released' };

/** Tags that exist answer a descriptor; every lookup and hold document read is counted. */
function fakes(tags: Record<string, string>) {
  const asked: string[] = [];
  const documentsRead: string[] = [];
  const registry = {
    resolve: async (_repo: unknown, tag: string): Promise<ManifestDescriptor | undefined> => {
      asked.push(tag);
      return tags[tag] ? { digest: tags[tag]!, mediaType: MANIFEST, size: 1 } : undefined;
    },
  } as unknown as RegistryClient;
  const readHold = async (): Promise<HoldDocument | undefined> => {
    documentsRead.push('hold');
    return undefined;
  };
  return { services: { registry, readHold }, asked, documentsRead };
}

describe('the last look beside the engine push', () => {
  it('no hold document at the gates: a hold tag that appeared stops the push after one request, the document is not read', async () => {
    const { services, asked, documentsRead } = fakes({ dev: ours, 'dev.hold': `sha256:${'6'.repeat(64)}` });
    assert.deepEqual(await quietLook(services, move, target, 'promotion', undefined), { now: ours, held: true });
    assert.deepEqual(asked.sort(), ['dev', 'dev.hold']);
    assert.deepEqual(documentsRead, [], 'read the usual way afterwards, not beside the push');
  });

  it('no hold tag: not held; a released hold at the gates is read again whole; a rollback goes through a hold', async () => {
    const none = fakes({ dev: ours });
    assert.deepEqual(await quietLook(none.services, move, target, 'promotion', undefined), { now: ours, held: false });
    const again = fakes({ dev: ours, 'dev.hold': `sha256:${'6'.repeat(64)}` });
    assert.deepEqual(await quietLook(again.services, move, target, 'promotion', released), { now: ours, held: false });
    assert.deepEqual(again.documentsRead, ['hold']);
    const rollback = fakes({ dev: ours, 'dev.hold': `sha256:${'6'.repeat(64)}` });
    assert.deepEqual(await quietLook(rollback.services, move, target, 'rollback', undefined), { now: ours, held: false });
    assert.deepEqual(rollback.asked, ['dev']);
  });
});
