// What a release's configured gates and approvals see: every image's digest, by name.
import * as assert from 'node:assert/strict';
import { parseRepository } from '../../src/core/reference';
import { silentLogger } from '../../src/core/log';
import { gateEnvironment } from '../../src/gates/commandGate';
import type { GateContext } from '../../src/gates/gate';
import { approvalsOfRelease, parseApprovals } from '../../src/records/approvals';

const A = `sha256:${'a'.repeat(64)}`;
const W1 = `sha256:${'1'.repeat(64)}`;
const W2 = `sha256:${'2'.repeat(64)}`;

describe("a release's gates and approvals", () => {
  it('command gates get DIGEST_<NAME>, IMAGE_REF_<NAME> and IMAGE_REFS besides the first image as DIGEST', () => {
    const ctx: GateContext = {
      sourceDigest: A,
      sourceImage: 'r.example.com/api',
      target: { name: 'staging', tag: 'staging', image: 'r.example.com/api', repository: parseRepository('r.example.com/api'), protected: false, gates: [] },
      workspaceDir: undefined,
      trusted: true,
      log: silentLogger,
      components: [
        { name: 'api', digest: A, sourceImage: 'r.example.com/api', repository: parseRepository('r.example.com/api') },
        { name: 'api-worker', digest: W1, sourceImage: 'r.example.com/worker', repository: parseRepository('r.example.com/worker') },
      ],
    };
    const vars = gateEnvironment(ctx);
    assert.equal(vars.DIGEST, A);
    assert.equal(vars.DIGEST_API, A);
    assert.equal(vars.DIGEST_API_WORKER, W1);
    assert.equal(vars.IMAGE_REF_API_WORKER, `r.example.com/worker@${W1}`);
    assert.equal(vars.IMAGE_REFS, `r.example.com/api@${A}\nr.example.com/worker@${W1}`);
    const { components: _c, ...single } = ctx;
    assert.equal(
      Object.keys(gateEnvironment(single)).some((k) => k.startsWith('DIGEST_') || k === 'IMAGE_REFS'),
      false,
      'a single image gets what it always got',
    );
  });

  it('an approval counts for a release only when it names exactly the digests being moved', () => {
    const stored: { by: string; components?: Record<string, string> }[] = [
      { by: 'ben', components: { api: A, worker: W1 } },
      { by: 'carl', components: { api: A, worker: W2 } },
      { by: 'dave' },
      { by: 'erin', components: { api: A } },
    ];
    assert.deepEqual(
      approvalsOfRelease(stored, { api: A, worker: W1 }).map((a) => a.by),
      ['ben'],
    );
    assert.deepEqual(
      approvalsOfRelease(stored, undefined).map((a) => a.by),
      ['ben', 'carl', 'dave', 'erin'],
      'a single image counts every approval of its digest',
    );
    // Read back from the registry's document, the components survive; a malformed one is dropped.
    const doc = parseApprovals({
      environment: 'staging',
      digest: A,
      approvals: [
        { id: '1', by: 'ben', at: '2026-01-01T00:00:00Z', components: { api: A, worker: W1 } },
        { id: '2', by: 'mallory', at: '2026-01-01T00:00:00Z', components: ['not', 'a', 'map'] },
      ],
    });
    assert.deepEqual(
      doc?.approvals.map((a) => [a.by, a.components]),
      [['ben', { api: A, worker: W1 }]],
    );
  });
});
