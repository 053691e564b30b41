// Approvals signed with keys: `from` listing public keys counts only approvals whose DSSE signature,
// by one of them, says this digest, this environment, this approver and this time; one approver per
// key. The config's key entries are checked at their line (missing file, private key, not P-256,
// the same key twice, names and keys mixed).
import * as assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { keyFilesIn } from '../../src/config/approverKeys';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { ApprovalGateConfig } from '../../src/config/types';
import { checkApprovalSignature, signApproval, type ApprovalClaim, type ListedKey } from '../../src/evidence/approvalSignature';
import { verifyingKey, type SigningKey } from '../../src/evidence/keys';
import { approvalGateResult, countApprovals, type StoredApproval } from '../../src/gates/approvalCount';

function pair(curve = 'prime256v1'): { privateKey: KeyObject; publicKey: KeyObject; signing: SigningKey; pub: string; priv: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const signing: SigningKey = {
    keyId: createHash('sha256').update(der).digest('hex'),
    sign: (data) => nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'der' }),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  return { privateKey, publicKey, signing, pub: signing.publicKeyPem, priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const ana = pair();
const ben = pair();
const eve = pair();
const listed: ListedKey[] = [
  { name: 'keys/ana.pub', key: verifyingKey(ana.publicKey) },
  { name: 'keys/ben.pub', key: verifyingKey(ben.publicKey) },
];

function approval(by: string, key: SigningKey | undefined, over: Partial<ApprovalClaim> = {}): StoredApproval & { id: string; at: string } {
  const claim: ApprovalClaim = { environment: 'prod', digest: DIGEST, by, at: '2026-12-07T04:00:00.000Z', id: `id-${by}`, ...over };
  return { id: `id-${by}`, by, at: '2026-12-07T04:00:00.000Z', ...(key ? { signature: signApproval(claim, 'registry.example.com/app', key) } : {}) };
}

const expected = { environment: 'prod', digest: DIGEST };
const keysGate = (over: Partial<ApprovalGateConfig> = {}): ApprovalGateConfig => ({
  type: 'approval',
  name: 'two keys',
  count: 2,
  allowSelf: true,
  keys: ['keys/ana.pub', 'keys/ben.pub'],
  ...over,
});

describe('signed approvals', () => {
  it('a signature by a listed key over this digest, environment, approver and time verifies', () => {
    const check = checkApprovalSignature(approval('ana', ana.signing), expected, listed);
    assert.equal(check.ok, true);
    assert.equal(check.ok && check.signer.name, 'keys/ana.pub');
  });

  it('unsigned, signed by another key, or signed over something else does not verify, and says why', () => {
    const reason = (a: Parameters<typeof checkApprovalSignature>[0], e = expected): string => {
      const check = checkApprovalSignature(a, e, listed);
      assert.equal(check.ok, false);
      return check.ok ? '' : check.reason;
    };
    assert.equal(reason(approval('ana', undefined)), 'it is not signed');
    assert.match(reason(approval('eve', eve.signing)), new RegExp(`^it is signed by another key \\(${eve.signing.keyId.slice(0, 12)}\\)$`));
    // The stored document edited after signing: another approver, time or id than the signed one.
    assert.equal(reason({ ...approval('ana', ana.signing), by: 'mallory' }), 'it was signed by ana, not mallory');
    assert.match(reason({ ...approval('ana', ana.signing), at: '2026-12-08T00:00:00.000Z' }), /another approval/);
    // Copied onto another digest or environment.
    assert.match(reason(approval('ana', ana.signing), { environment: 'prod', digest: OTHER }), /^it was signed for another digest \(sha256:aaaaaaaaaaaa\)$/);
    assert.equal(reason(approval('ana', ana.signing), { environment: 'staging', digest: DIGEST }), 'it was signed for another environment (prod)');
    // The signed payload itself changed: the signature no longer verifies with the key its keyid names.
    const signed = approval('ana', ana.signing);
    const envelope = signed.signature as { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
    const body = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as { predicate: { by: string } };
    body.predicate.by = 'mallory';
    const forged = { ...envelope, payload: Buffer.from(JSON.stringify(body)).toString('base64') };
    assert.equal(reason({ ...signed, by: 'mallory', signature: forged }), 'its signature does not verify (changed after signing)');
    assert.match(reason({ ...signed, signature: { payloadType: 'x' } }), /^its signature cannot be read/);
    // A release's approval: its images' digests are signed too; another combination does not count.
    const components = { api: DIGEST, web: OTHER };
    const release = approval('ana', ana.signing, { components });
    const releaseSigned = { ...release, components };
    assert.equal(checkApprovalSignature(releaseSigned, expected, listed).ok, true);
    assert.equal(reason({ ...releaseSigned, components: { api: DIGEST, web: DIGEST } }), "it was signed for another release (its images' digests differ)");
    assert.equal(reason({ ...approval('ana', ana.signing), components }), "it was signed for another release (its images' digests differ)");
  });

  it('the gate counts one approver per listed key, whatever names the key signed; the rest are said in the line and below it', () => {
    const stored = [
      approval('ana', ana.signing),
      approval('Ana Lima <ana@example.com>', ana.signing, { id: 'id-Ana Lima <ana@example.com>' }),
      approval('eve', eve.signing),
      approval('carl', undefined),
    ];
    const count = countApprovals(keysGate(), stored, 'ben', { keys: listed, ...expected });
    assert.deepEqual(count.approvers, ['ana (keys/ana.pub)']);
    assert.equal(count.selfCounts, false, "with keys the promoter's unsigned confirmation is not an approval");
    const result = approvalGateResult(keysGate(), count, { environment: 'prod', digest: DIGEST });
    assert.equal(result.status, 'failed');
    assert.match(
      result.reason,
      /^1 of 2 approvals: approved by ana \(keys\/ana\.pub\) \(signed approvals only\); approval by eve is not signed by a listed key; approval by carl is not signed by a listed key; 1 more needed signed by keys\/ana\.pub, keys\/ben\.pub \(image-promotion approve prod --build sha256:a{64} --key <private key>/,
    );
    assert.deepEqual(result.details, [
      `approval by eve is not signed by a listed key: it is signed by another key (${eve.signing.keyId.slice(0, 12)})`,
      'approval by carl is not signed by a listed key: it is not signed',
    ]);
    const both = countApprovals(keysGate(), [...stored, approval('ben', ben.signing)], 'carl', { keys: listed, ...expected });
    const passed = approvalGateResult(keysGate(), both, { environment: 'prod', digest: DIGEST });
    assert.equal(passed.status, 'passed');
    assert.match(passed.reason, /^2 of 2 approvals: approved by ana \(keys\/ana\.pub\), ben \(keys\/ben\.pub\)/);
  });

  it("four eyes with keys: the promoter's own signed approval does not count; keys that could not be loaded count nothing", () => {
    const stored = [approval('ana', ana.signing), approval('ben', ben.signing)];
    const count = countApprovals(keysGate({ allowSelf: false }), stored, 'ben', { keys: listed, ...expected });
    assert.deepEqual(count.approvers, ['ana (keys/ana.pub)']);
    assert.deepEqual(count.ignored, ['ben']);
    const unloaded = countApprovals(keysGate(), stored, 'carl');
    assert.deepEqual(unloaded.approvers, []);
    assert.equal(unloaded.unsigned.length, 2);
  });
});

describe('approval gate keys in the config', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'approver-keys-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  const ed = generateKeyPairSync('ed25519');
  writeFileSync(path.join(folder, 'ana.pub'), ana.pub);
  writeFileSync(path.join(folder, 'ana-again.pub'), ana.pub);
  writeFileSync(path.join(folder, 'ben.pub'), ben.pub);
  writeFileSync(path.join(folder, 'ana.pem'), ana.priv);
  writeFileSync(path.join(folder, 'ed.pub'), ed.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const text = (from: string[]): string =>
    [
      'image: registry.example.com/app',
      'environments:',
      '  - name: prod',
      '    tag: prod',
      '    gates:',
      '      - type: approval',
      '        count: 1',
      '        from:',
      ...from.map((f) => `          - ${f}`),
      '',
    ].join('\n');
  const errors = (from: string[]): { line: number; message: string }[] =>
    parsePromotionConfig(text(from), keyFilesIn(folder))
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => ({ line: d.range.startLine, message: d.message }));

  it('public key files are read and kept as keys, not names', () => {
    const parsed = parsePromotionConfig(text(['ana.pub', 'ben.pub']), keyFilesIn(folder));
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(parsed.config!.environments[0]!.gates[0], { type: 'approval', name: 'approval', count: 1, allowSelf: true, keys: ['ana.pub', 'ben.pub'] });
  });

  it('a missing file, a private key, a key not P-256, the same key twice and a name beside keys are errors at their line', () => {
    assert.deepEqual(errors(['ana.pub', 'missing.pub', 'ana.pem', 'ed.pub', 'ana-again.pub', 'carl']), [
      {
        line: 9,
        message:
          "environments[0].gates[0].from[1]: the key file missing.pub cannot be read (no such file); from lists the approvers' public keys (as cosign.pub), relative to the workspace folder",
      },
      {
        line: 10,
        message:
          "environments[0].gates[0].from[2]: ana.pem holds a PRIVATE KEY, not a public key; list the approver's public key (as cosign.pub), never the private one",
      },
      {
        line: 11,
        message: "environments[0].gates[0].from[3]: ed.pub holds an Ed25519 key; promotion attestations are signed with ECDSA P-256 (cosign's default)",
      },
      { line: 12, message: 'environments[0].gates[0].from[4]: ana-again.pub is the same key as from[0]; approvers are counted by key, each key once' },
      {
        line: 13,
        message:
          'environments[0].gates[0].from[5]: "carl" is a name, but from also lists public keys; with keys an approval counts by its signature, so list only keys (the approver\'s name is signed with the approval)',
      },
    ]);
  });

  it('without a folder (the editor linting unsaved text) key files are left to the gate; key text is checked', () => {
    assert.deepEqual(
      parsePromotionConfig(text(['missing.pub'])).diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const inline = parsePromotionConfig(text([JSON.stringify('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')]));
    assert.match(inline.diagnostics.find((d) => d.severity === 'error')?.message ?? '', /from\[0\]: the key holds a PUBLIC KEY block that is not a valid key/);
  });
});
