import * as assert from 'node:assert/strict';
import { releaseRelation, releaseStateOf } from '../../src/model/releaseState';
import type { BuildRow } from '../../src/model/buildsList';

const d = (c: string): string => `sha256:${c.repeat(64)}`;
const build = (tag: string, api: string | null, web: string | null): BuildRow => ({
  tag,
  digest: api ?? web!,
  mediaType: '',
  heldBy: [],
  components: [
    { name: 'api', digest: api },
    { name: 'web', digest: web },
  ],
  ...(api === null || web === null ? { missing: [api === null ? 'api' : 'web'] } : {}),
});
const present = (digest: string) => ({ state: 'present' as const, digest });
const absent = { state: 'absent' as const };
const held = (api: { state: 'present'; digest: string } | typeof absent, web: { state: 'present'; digest: string } | typeof absent) => [
  { name: 'api', lookup: api },
  { name: 'web', lookup: web },
];

describe('release state of an environment', () => {
  const builds = [build('b2', d('b'), d('c')), build('a1', d('1'), d('2')), build('c3', d('e'), null)];

  it('holds a release when every image holds one build’s digest', () => {
    assert.deepEqual(releaseStateOf(held(present(d('1')), present(d('2'))), builds), { kind: 'release', build: 'a1' });
  });

  it('is mixed when the images are of several builds, naming the image that differs from the closest build', () => {
    assert.deepEqual(releaseStateOf(held(present(d('1')), present(d('c'))), builds), { kind: 'mixed', differs: ['web'], build: 'a1' });
  });

  it('is mixed when one image’s tag is missing', () => {
    assert.deepEqual(releaseStateOf(held(present(d('b')), absent), builds), { kind: 'mixed', differs: ['web'], build: 'b2' });
  });

  it('never holds an incomplete build, and is empty when no image has the tag', () => {
    assert.deepEqual(releaseStateOf(held(present(d('e')), absent), builds), { kind: 'mixed', differs: ['web'] });
    assert.deepEqual(releaseStateOf(held(absent, absent), builds), { kind: 'empty' });
  });

  it('is unknown when an image could not be read or no listed build matches', () => {
    assert.deepEqual(releaseStateOf([{ name: 'api', lookup: { state: 'error' as const } }, ...held(absent, absent).slice(1)], builds), { kind: 'unknown' });
    assert.deepEqual(releaseStateOf(held(present(d('7')), present(d('8'))), builds), { kind: 'unknown' });
  });

  it('stands in step with the environment before only when every image does', () => {
    assert.equal(releaseRelation(['in-step', 'in-step']), 'in-step');
    assert.equal(releaseRelation(['in-step', 'behind']), 'behind');
  });
});
