import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { EngineImage } from '../../src/engine/engine';
import { engineImageDetails } from '../../src/promotion/engineDetails';
import { MediaTypes } from '../../src/registry/mediaTypes';
import type { Manifest } from '../../src/registry/registryClient';

const CONFIG = `sha256:${'c'.repeat(64)}`;
const OTHER = `sha256:${'d'.repeat(64)}`;

function manifest(json: object, mediaType: string = MediaTypes.dockerManifest): Manifest {
  const bytes = Buffer.from(JSON.stringify(json));
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, mediaType, size: bytes.length, bytes };
}

const image = (id: string, extra: Partial<EngineImage> = {}): EngineImage => ({
  id,
  repoDigests: [],
  os: 'linux',
  architecture: 'amd64',
  labels: { 'org.opencontainers.image.revision': 'abc1234' },
  created: '2026-11-30T12:00:00Z',
  ...extra,
});

describe('the source details from the engine', () => {
  const single = manifest({ schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config: { digest: CONFIG, size: 10 }, layers: [] });

  it('come from an engine image whose id is the manifest config digest', () => {
    assert.deepEqual(engineImageDetails(image(CONFIG), single), {
      digest: single.digest,
      mediaType: MediaTypes.dockerManifest,
      isIndex: false,
      platforms: ['linux/amd64'],
      labels: { 'org.opencontainers.image.revision': 'abc1234' },
      created: '2026-11-30T12:00:00Z',
      revision: 'abc1234',
    });
  });

  it('are refused (the registry is read instead) for another image, an index, or bytes that are not JSON', () => {
    assert.equal(engineImageDetails(image(OTHER), single), undefined, 'another config');
    const index = manifest(
      { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [{ digest: CONFIG, platform: { os: 'linux', architecture: 'amd64' } }] },
      MediaTypes.ociIndex,
    );
    assert.equal(engineImageDetails(image(CONFIG), index), undefined, 'an index has no config of its own');
    assert.equal(engineImageDetails(image(CONFIG), { ...single, bytes: Buffer.from('not json') }), undefined);
    assert.equal(engineImageDetails(image(CONFIG), manifest({ schemaVersion: 2, layers: [] })), undefined, 'no config digest');
  });

  it('take the creation time from the label when the config has none', () => {
    const { created: _ignored, ...noCreated } = image(CONFIG, { labels: { 'org.opencontainers.image.created': '2026-01-02T03:04:05Z' } });
    assert.equal(engineImageDetails(noCreated, single)?.created, '2026-01-02T03:04:05Z');
  });
});
