// The pending count a row and `status --json` show for what the environment before holds. Nobody knows
// yet who will promote, so every allowed approver counts; under four eyes the person looking is told
// when one of them is theirs, and the row stays while that would leave them short.
import * as assert from 'node:assert/strict';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import { lookupPendingApprovals, pendingApprovalsText, type ReadApprovals } from '../../src/model/holdLookups';

const DIGEST = `sha256:${'c'.repeat(64)}`;

function config(gate: string) {
  return parsePromotionConfig(
    [
      'image: registry.example.com/app',
      'environments:',
      '  - name: dev',
      '    tag: dev',
      '  - name: prod',
      '    tag: prod',
      '    gates:',
      `      - ${gate}`,
      '',
    ].join('\n'),
  ).config!;
}

const stored =
  (...by: string[]): ReadApprovals =>
  () =>
    Promise.resolve(by.map((b, i) => ({ id: String(i), by: b, at: '2026-12-07T04:00:00.000Z' })));

async function pending(gate: string, read: ReadApprovals, me: string | undefined) {
  let asked = 0;
  const [, prod] = await lookupPendingApprovals(config(gate), [undefined, DIGEST], read, Promise.resolve(undefined), undefined, undefined, {
    me: () => {
      asked++;
      return Promise.resolve(me);
    },
  });
  return { prod: prod!, asked };
}

describe('pending approvals (rows and status)', () => {
  it("four eyes: the looker's own approval is counted, marked as theirs, and the row says another is needed if they promote", async () => {
    const { prod } = await pending('{ type: approval, count: 2, allowSelf: false }', stored('ben', 'Ana <ana@example.com>'), 'ana@example.com');
    assert.deepEqual(prod.gates, [{ name: 'approval by 2', have: 2, needed: 2, approvers: ['ben', 'Ana <ana@example.com>'], yours: 'Ana <ana@example.com>' }]);
    assert.equal(
      pendingApprovalsText(prod),
      '2 of 2 approvals for sha256:cccccccccccc (ben, Ana <ana@example.com>; one is yours: four eyes needs another if you promote)',
    );
  });

  it('four eyes, short either way: the count and whose; someone else looking sees no mark', async () => {
    const mine = await pending('{ type: approval, count: 2, allowSelf: false }', stored('ana'), 'ana');
    assert.equal(pendingApprovalsText(mine.prod), '1 of 2 approvals for sha256:cccccccccccc (ana; one is yours: four eyes needs another if you promote)');
    const other = await pending('{ type: approval, count: 2, allowSelf: false }', stored('ana', 'ben'), 'carl');
    assert.equal(other.prod.gates[0]!.yours, undefined);
    assert.equal(pendingApprovalsText(other.prod), undefined, 'all given, and none is the looker’s');
  });

  it('allowSelf: true never asks who is looking, and a complete count shows nothing', async () => {
    const { prod, asked } = await pending('{ type: approval, count: 2 }', stored('ana', 'ben'), 'ana');
    assert.equal(asked, 0);
    assert.equal(prod.gates[0]!.yours, undefined);
    assert.equal(pendingApprovalsText(prod), undefined);
  });
});
