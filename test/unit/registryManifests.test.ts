import * as assert from 'node:assert/strict';
import { PromotionError } from '../../src/core/errors';
import { parseRepository } from '../../src/core/reference';
import { cosignTags, digestTagPrefix, isForeignLayer, mergeReferrersIndex, parseManifestRefs, referrersFallbackTag } from '../../src/registry/manifestRefs';
import { MediaTypes } from '../../src/registry/mediaTypes';
import { copyMode, describeExtras, type CopiedExtra } from '../../src/registry/registryCopy';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('manifest references for copying', () => {
  it('an image manifest refers to its config and layers', () => {
    const bytes = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 10, digest: d(1) },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 20, digest: d(2) },
        { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', size: 30, digest: d(3), urls: ['https://example.invalid/l'] },
      ],
    });
    const refs = parseManifestRefs(Buffer.from(bytes), MediaTypes.dockerManifest);
    assert.equal(refs.kind, 'image');
    assert.deepEqual(
      refs.blobs.map((b) => [b.digest, b.size]),
      [
        [d(1), 10],
        [d(2), 20],
        [d(3), 30],
      ],
    );
    assert.deepEqual(refs.manifests, []);
    assert.deepEqual(refs.blobs.map(isForeignLayer), [false, false, true]);
  });

  it('an index refers to its child manifests; the Content-Type wins over the field, and over application/json loses', () => {
    const bytes = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { mediaType: MediaTypes.ociManifest, size: 5, digest: d(4), platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: MediaTypes.ociIndex, size: 6, digest: d(5) },
      ],
    });
    const refs = parseManifestRefs(bytes, 'application/json');
    assert.equal(refs.kind, 'index');
    assert.equal(refs.mediaType, MediaTypes.ociIndex);
    assert.deepEqual(
      refs.manifests.map((m) => m.digest),
      [d(4), d(5)],
    );
    assert.deepEqual(refs.manifests[0]?.platform, { os: 'linux', architecture: 'amd64' });
    assert.equal(parseManifestRefs(bytes, MediaTypes.dockerManifestList).mediaType, MediaTypes.dockerManifestList);
    // No media type anywhere: the shape decides.
    assert.equal(parseManifestRefs(JSON.stringify({ schemaVersion: 2, manifests: [] })).kind, 'index');
    assert.equal(parseManifestRefs(JSON.stringify({ schemaVersion: 2, config: { digest: d(1), size: 1 }, layers: [] })).kind, 'image');
  });

  it('an OCI referrer has a subject and an artifact type', () => {
    const refs = parseManifestRefs(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/vnd.example.sbom',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: d(6) },
        layers: [{ mediaType: 'application/vnd.example.sbom', size: 9, digest: d(7) }],
        subject: { mediaType: MediaTypes.ociManifest, size: 100, digest: d(8) },
      }),
    );
    assert.equal(refs.subject?.digest, d(8));
    assert.equal(refs.artifactType, 'application/vnd.example.sbom');
  });

  it('refuses what cannot be copied keeping the digest, as protocol errors', () => {
    const protocol = (text: string, message: RegExp) =>
      assert.throws(
        () => parseManifestRefs(text),
        (e: PromotionError) => e instanceof PromotionError && e.kind === 'protocol' && message.test(e.message),
      );
    protocol('not json', /not JSON/);
    protocol('[]', /not a JSON object/);
    protocol(JSON.stringify({ schemaVersion: 1, fsLayers: [] }), /schema 1/);
    protocol(JSON.stringify({ schemaVersion: 2, layers: [{ size: 1, digest: 'nope' }] }), /layers\[0\] without a valid digest/);
    protocol(JSON.stringify({ schemaVersion: 2 }), /neither an image manifest nor an index/);
  });

  it('names cosign tags and the referrers fallback tag after the digest', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    assert.equal(digestTagPrefix(digest), `sha256-${'ab'.repeat(32)}`);
    assert.deepEqual(
      cosignTags(digest).map((t) => [t.tag.slice(71), t.kind]),
      [
        ['.sig', 'signature'],
        ['.att', 'attestation'],
        ['.sbom', 'sbom'],
      ],
    );
    assert.equal(referrersFallbackTag(digest), `sha256-${'ab'.repeat(32)}`);
  });

  it('merges referrers into a fallback index without duplicates, keeping what was there', () => {
    const fresh = mergeReferrersIndex(undefined, [{ mediaType: MediaTypes.ociManifest, digest: d(1), size: 3 }]);
    assert.equal(fresh.added, 1);
    const parsed = JSON.parse(fresh.bytes.toString()) as { mediaType: string; manifests: { digest: string }[] };
    assert.equal(parsed.mediaType, MediaTypes.ociIndex);
    const again = mergeReferrersIndex(fresh.bytes, [
      { mediaType: MediaTypes.ociManifest, digest: d(1), size: 3 },
      { mediaType: MediaTypes.ociManifest, digest: d(2), size: 4 },
    ]);
    assert.equal(again.added, 1);
    assert.deepEqual(
      (JSON.parse(again.bytes.toString()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
      [d(1), d(2)],
    );
  });

  it('tells the copy mode from the two repositories', () => {
    const a = parseRepository('reg.example:5000/team/app');
    assert.equal(copyMode(a, parseRepository('reg.example:5000/team/app')), 'same-repository');
    assert.equal(copyMode(a, parseRepository('reg.example:5000/prod/app')), 'cross-repository');
    assert.equal(copyMode(a, parseRepository('other.example/team/app')), 'cross-registry');
  });

  it('says in one line what came along', () => {
    const extra = (kind: CopiedExtra['kind']): CopiedExtra => ({ kind, subject: d(1), digest: d(2), status: 'copied', description: '' });
    assert.equal(describeExtras([]), '');
    assert.equal(describeExtras([extra('signature')]), 'a cosign signature');
    assert.equal(describeExtras([extra('signature'), extra('signature'), extra('attestation')]), '2 cosign signatures and a cosign attestation');
    assert.equal(describeExtras([extra('referrer'), extra('sbom'), extra('referrers-index')]), 'a cosign SBOM, an OCI referrer and a referrers tag');
  });
});
