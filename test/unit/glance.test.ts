import * as assert from 'node:assert/strict';
import type { EnvironmentConfig } from '../../src/config/types';
import { glanceOf } from '../../src/model/glance';
import type { EnvironmentRow, Lookup, Relation, Snapshot } from '../../src/model/snapshot';
import type { ReleaseState } from '../../src/model/releaseState';

const D = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const env = (name: string): EnvironmentConfig => ({
  name,
  tag: name,
  image: 'r.example/shop',
  repository: { registry: 'r.example', path: 'shop' },
  protected: false,
  gates: [],
});

function snapshot(
  rows: { name: string; lookup: Lookup; relation: Relation; drift?: boolean; release?: ReleaseState }[],
  builds: { tag: string; digest: string }[] = [],
): Snapshot {
  const envs = rows.map((r) => env(r.name));
  const environments = rows.map((r, index): EnvironmentRow => ({
    env: envs[index]!,
    index,
    lookup: r.lookup,
    relation: r.relation,
    ...(r.drift ? { drift: true } : {}),
    ...(r.release ? { release: r.release } : {}),
    ...(index > 0 ? { previous: envs[index - 1]! } : {}),
    ...(envs[index + 1] ? { next: envs[index + 1]! } : {}),
  }));
  return {
    environments,
    builds: { state: 'ok', rows: builds.map((b) => ({ ...b, mediaType: 'x', heldBy: [] })), matching: builds.length, scanned: builds.length },
    takenAt: 0,
    durationMs: 0,
  };
}
const present = (n: number): Lookup => ({ state: 'present', digest: D(n), mediaType: 'x' });

describe('status at a glance', () => {
  it('names the last environment by its build tag and counts environments behind or drifted', () => {
    const g = glanceOf(
      snapshot(
        [
          { name: 'development', lookup: present(3), relation: 'first' },
          { name: 'staging', lookup: present(2), relation: 'behind' },
          { name: 'production', lookup: present(1), relation: 'behind' },
        ],
        [
          { tag: 'c52a9f1', digest: D(3) },
          { tag: '8d41e07', digest: D(2) },
          { tag: '3f9c2ab', digest: D(1) },
        ],
      ),
    )!;
    assert.deepEqual(g.last, { environment: 'production', build: '3f9c2ab', state: 'behind', words: 'behind staging' });
    assert.deepEqual(
      g.attention.map((e) => e.environment),
      ['staging', 'production'],
    );
  });

  it('in step, ahead and differs need no look; drift does, and says so in words', () => {
    const g = glanceOf(
      snapshot([
        { name: 'dev', lookup: present(3), relation: 'first' },
        { name: 'qa', lookup: present(3), relation: 'in-step' },
        { name: 'stage', lookup: present(4), relation: 'ahead' },
        { name: 'prod', lookup: present(5), relation: 'differs', drift: true },
      ]),
    )!;
    assert.deepEqual(
      g.environments.map((e) => `${e.environment}: ${e.words}`),
      ['dev: first environment', 'qa: in step with dev', 'stage: ahead of qa', 'prod: changed outside promotion'],
    );
    assert.deepEqual(
      g.attention.map((e) => e.environment),
      ['prod'],
    );
    assert.equal(g.last.build, 'sha256:555555555555', 'no build tag known: the short digest');
  });

  it('an empty environment behind a full one needs a look; one that cannot be read is an error, not "behind"', () => {
    const g = glanceOf(
      snapshot([
        { name: 'dev', lookup: present(1), relation: 'first' },
        { name: 'staging', lookup: { state: 'absent' }, relation: 'behind' },
        { name: 'production', lookup: { state: 'error', error: new Error('timeout') as never }, relation: 'unknown' },
      ]),
    )!;
    assert.deepEqual(
      g.environments.map((e) => [e.state, e.words]),
      [
        ['other', 'first environment'],
        ['behind', 'empty, behind dev'],
        ['error', 'could not be read'],
      ],
    );
    assert.equal(g.attention.length, 1);
  });

  it('a config without environments has nothing to show', () => {
    assert.equal(glanceOf(snapshot([])), undefined);
  });

  it('a release whose images are of several builds needs a look: mixed, naming the image that differs', () => {
    const g = glanceOf(
      snapshot([
        { name: 'staging', lookup: present(1), relation: 'first', release: { kind: 'release', build: 'a1b2c3d' } },
        { name: 'production', lookup: present(1), relation: 'in-step', release: { kind: 'mixed', differs: ['web'], build: 'a1b2c3d' } },
      ]),
    )!;
    assert.deepEqual(g.environments[0], { environment: 'staging', build: 'a1b2c3d', state: 'other', words: 'first environment' });
    assert.deepEqual(g.last, { environment: 'production', build: 'a1b2c3d', state: 'mixed', words: 'mixed: web differs' });
    assert.deepEqual(
      g.attention.map((a) => a.environment),
      ['production'],
    );
  });
});
