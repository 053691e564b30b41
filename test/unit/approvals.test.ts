// Approval gates: the config's checks at their line (count: 0, an approver twice, more approvers asked
// than allowed), and the count of distinct allowed approvers with and without the promoter's own.
import * as assert from 'node:assert/strict';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { ApprovalGateConfig } from '../../src/config/types';
import { approvalGateResult, countApprovals, personKeys } from '../../src/gates/approvalCount';
import { parseApprovals } from '../../src/records/approvals';
import { documentManifest, parseDocument } from '../../src/records/sharedDocuments';
import { holdTag, parseHold } from '../../src/records/holds';

const config = (gate: string): string =>
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
  ].join('\n');

function errorsOf(text: string): { line: number; message: string }[] {
  return parsePromotionConfig(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => ({ line: d.range.startLine, message: d.message }));
}

const gate = (over: Partial<ApprovalGateConfig> = {}): ApprovalGateConfig => ({ type: 'approval', name: 'approval', count: 1, allowSelf: true, ...over });

describe('approval gates', () => {
  it('count: 0 is an error at its line; count and from are read with their defaults', () => {
    const text = config('{ type: approval, count: 0 }');
    const errors = errorsOf(text);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.line, 7);
    assert.match(errors[0]!.message, /count 0 asks for no approver at all/);
    const ok = parsePromotionConfig(config('{ type: approval, count: 2, from: [ana, ben] }')).config!.environments[1]!.gates[0];
    assert.deepEqual(ok, { type: 'approval', name: 'approval by 2', count: 2, allowSelf: true, from: ['ana', 'ben'] });
    assert.deepEqual(parsePromotionConfig(config('{ type: approval }')).config!.environments[1]!.gates[0], gate());
  });

  it('an approver listed twice (without case) is an error at the second entry', () => {
    const text = [
      'image: r.example.com/app',
      'environments:',
      '  - name: prod',
      '    tag: prod',
      '    gates:',
      '      - type: approval',
      '        from:',
      '          - ana',
      '          - ben',
      '          - Ana',
      '',
    ].join('\n');
    const errors = errorsOf(text);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.line, 9);
    assert.match(errors[0]!.message, /"Ana" is already listed \(from\[0\]\); each approver once/);
  });

  it('more approvers asked than from allows is an error at count; a count that is not a whole number is the schema’s', () => {
    assert.match(errorsOf(config('{ type: approval, count: 3, from: [ana, ben] }'))[0]!.message, /count 3 needs more approvers than the 2 that from allows/);
    assert.equal(errorsOf(config('{ type: approval, count: 1.5 }')).length, 1);
    assert.equal(errorsOf(config('{ type: approval, allowSelf: maybe }')).length, 1);
  });

  it('counts distinct people: a name, an e-mail and `Name <email>` of one person count once', () => {
    assert.deepEqual([...personKeys('Ana Lima <ana@example.com>')], ['ana lima <ana@example.com>', 'ana lima', 'ana@example.com']);
    const stored = [{ by: 'Ana Lima <ana@example.com>' }, { by: 'ana@example.com' }, { by: 'ben' }];
    const count = countApprovals(gate({ count: 3 }), stored, 'carl');
    assert.deepEqual(count.approvers, ['Ana Lima <ana@example.com>', 'ben']);
    assert.equal(count.selfCounts, true);
    assert.equal(approvalGateResult(gate({ count: 3 }), count, { environment: 'prod', digest: 'sha256:x' }).status, 'passed');
  });

  it('allowSelf: false leaves the promoter out, stored or confirming; from leaves out whoever it does not name', () => {
    const g = gate({ count: 2, allowSelf: false, from: ['ana', 'ben@example.com'] });
    const count = countApprovals(g, [{ by: 'Ana <ana@example.com>' }, { by: 'Ben <ben@example.com>' }, { by: 'eve' }], 'ana');
    assert.deepEqual(count.approvers, ['Ben <ben@example.com>']);
    assert.deepEqual(count.ignored, ['Ana <ana@example.com>', 'eve']);
    assert.equal(count.selfCounts, false);
    const result = approvalGateResult(g, count, { environment: 'prod', digest: 'sha256:abc' });
    assert.equal(result.status, 'failed');
    assert.match(
      result.reason,
      /^1 of 2 approvals: approved by Ben <ben@example\.com> \(four eyes.*\); 1 more needed from ana, ben@example\.com \(image-promotion approve prod --build sha256:abc/,
    );
    // The promoter already among the stored approvers adds nothing more with allowSelf.
    assert.equal(countApprovals(gate({ count: 2 }), [{ by: 'ana' }], 'ana').selfCounts, false);
  });

  it('documents read back only as what they are: an approvals document, a hold, nothing else', () => {
    const bytes = documentManifest('approvals', { environment: 'prod', digest: 'sha256:a', approvals: [{ id: '1', by: 'ana', at: 't' }, { id: 2 }] });
    assert.deepEqual(parseDocument(bytes, 'approvals', parseApprovals), {
      environment: 'prod',
      digest: 'sha256:a',
      approvals: [{ id: '1', by: 'ana', at: 't' }],
    });
    assert.equal(parseDocument(bytes, 'hold', parseHold), undefined, 'an approvals document is not a hold');
    assert.equal(parseDocument(Buffer.from('{"artifactType":"application/vnd.image-promotion.hold.v1+json"}'), 'hold', parseHold), undefined);
    assert.equal(holdTag({ tag: 'production' }), 'production.hold');
    assert.match(holdTag({ tag: 'x'.repeat(128) }), /^x+-[0-9a-f]{12}\.hold$/);
    assert.ok(holdTag({ tag: 'x'.repeat(128) }).length <= 128);
  });
});
