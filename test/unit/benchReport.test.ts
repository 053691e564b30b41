// The benchmark's arithmetic: medians, ratios per pair, and a peer that did not run on a profile.
import * as assert from 'node:assert/strict';
import { median, summarize } from '../bench/stats';
import { markdownTable, rows } from '../bench/report';

const run = (ms: number, requests = 1) => ({ ms, requests, connections: undefined, roundTrips: undefined });

describe('benchmark report', () => {
  it('medians of odd and even counts', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('one row per peer, ratio ours / peer of the medians; a peer with no rounds has no ratio and says why', () => {
    const table = rows([
      {
        profile: 'p',
        cases: [
          {
            name: 'c',
            note: 'docker: no rounds on this profile',
            ours: { label: 'ours', runs: [run(100, 6), run(300, 6), run(200, 6)] },
            peers: [
              { label: 'skopeo', runs: [run(400), run(500), run(450)] },
              { label: 'docker', runs: [] },
            ],
          },
        ],
      },
    ]);
    assert.equal(table.length, 2);
    assert.equal(table[0]!.ratio, 200 / 450);
    assert.equal(table[0]!.ours.requests, 6);
    assert.ok(Number.isNaN(table[1]!.ratio));
    assert.match(markdownTable(table), /\| docker \| — \|.*\| — \| 3\/0 \|/);
    assert.equal(summarize({ label: 'x', runs: [run(1), run(3)] }).medianMs, 2);
  });
});
