// DSSE envelopes: the pre-authentication encoding from the spec, and signatures checked here with
// Node's crypto directly, not through the code under test.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { parseEnvelope, preAuthEncoding, signEnvelope, verifiedBody } from '../../src/evidence/dsse';
import { verifyingKey } from '../../src/evidence/keys';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey } from '../../src/evidence/keys';
import { p256KeyFiles } from '../evidence/keyFiles';

const TYPE = 'application/vnd.in-toto+json';

describe('DSSE envelopes', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-dsse-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("encodes PAE as the spec's example: lengths in bytes, not characters", () => {
    assert.equal(
      preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    assert.equal(preAuthEncoding('t', Buffer.from('é')).toString(), 'DSSEv1 1 t 2 é');
  });

  it('signs the PAE; Node crypto verifies it as the spec says, and changes to type or body break it', async () => {
    const files = p256KeyFiles(dir, 'd');
    const signer = await loadSigningKey(files.privateFile);
    const body = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
    const envelope = signEnvelope(TYPE, body, signer);
    assert.equal(Buffer.from(envelope.payload, 'base64').toString(), body.toString());
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${TYPE.length} ${TYPE} ${body.length} `), body]);
    assert.ok(verify('sha256', pae, files.publicKey, Buffer.from(envelope.signatures[0]!.sig, 'base64')));

    const checker = verifyingKey(files.publicKey);
    assert.deepEqual(verifiedBody(envelope, checker), body);
    assert.equal(verifiedBody({ ...envelope, payloadType: 'text/plain' }, checker), undefined);
    assert.equal(verifiedBody({ ...envelope, payload: Buffer.from('{"_type":"x"}').toString('base64') }, checker), undefined);
    const other = verifyingKey(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey);
    assert.equal(verifiedBody(envelope, other), undefined);
  });

  it('parses envelopes and says what is wrong with the rest', () => {
    assert.deepEqual(parseEnvelope(Buffer.from('{"payloadType":"t","payload":"eA==","signatures":[{"sig":"MEU="}]}')).envelope, {
      payloadType: 't',
      payload: 'eA==',
      signatures: [{ keyid: '', sig: 'MEU=' }],
    });
    assert.equal(parseEnvelope(Buffer.from('nope')).reason, 'the envelope is not JSON');
    assert.equal(parseEnvelope(Buffer.from('{"payload":"eA==","signatures":[]}')).reason, 'the envelope has no payloadType');
    assert.equal(parseEnvelope(Buffer.from('{"payloadType":"t","payload":"eA==","signatures":[]}')).reason, 'the envelope is unsigned');
    assert.equal(
      parseEnvelope(Buffer.from('{"payloadType":"t","payload":"eA==","signatures":[{"sig":"!!"}]}')).reason,
      'a signature of the envelope is not base64',
    );
  });
});
