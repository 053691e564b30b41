// signedArrival: the order gate's evidence with promotionKeys. Envelopes are made here with Node's
// crypto following the DSSE spec (not the code under test); the keys load from real files.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';
import { signedArrival } from '../../src/promotion/signedArrival';

const DIGEST = `sha256:${'3'.repeat(64)}`;
const staging: EnvironmentConfig = {
  name: 'staging',
  tag: 'staging',
  image: 'registry.example.com/app',
  repository: parseRepository('registry.example.com/app'),
  protected: false,
  gates: [],
};

function envelope(privateKey: KeyObject, environment: string): Buffer {
  const type = 'application/vnd.in-toto+json';
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'registry.example.com/app', digest: { sha256: DIGEST.slice(7) } }],
    predicateType: 'https://image-promotion.dev/record/v1',
    predicate: {
      v: 1,
      id: 'r-1',
      time: '2026-01-01T00:00:00.000Z',
      durationMs: 1,
      kind: 'promotion',
      who: { user: 'ci' },
      image: 'registry.example.com/app',
      source: { label: 'development', environment: 'development', repository: 'registry.example.com/app' },
      target: { environment, tag: environment, repository: 'registry.example.com/app' },
      digest: DIGEST,
      previousDigest: null,
      finalDigest: DIGEST,
      transport: 'registry',
      gates: [],
      outcome: 'succeeded',
      message: 'promoted',
    },
  };
  const body = Buffer.from(JSON.stringify(statement));
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]);
  return Buffer.from(
    JSON.stringify({
      payloadType: type,
      payload: body.toString('base64'),
      signatures: [{ keyid: '', sig: sign('sha256', pae, privateKey).toString('base64') }],
    }),
  );
}

describe('signedArrival (the order gate with promotionKeys)', () => {
  let dir: string;
  const ci = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-arrival-'));
    writeFileSync(join(dir, 'ci.pub'), ci.publicKey.export({ type: 'spki', format: 'pem' }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const found =
    (...envelopes: Buffer[]) =>
    () =>
      Promise.resolve({ envelopes, skipped: [], absent: false });

  it('without promotionKeys asks nothing', async () => {
    assert.equal(await signedArrival({}, staging, DIGEST, dir, found()), undefined);
  });

  it('signed by a listed key, of the move into that environment: signed, naming the record and key', async () => {
    const result = await signedArrival(
      { promotionKeys: ['ci.pub'] },
      staging,
      DIGEST,
      dir,
      found(envelope(other.privateKey, 'staging'), envelope(ci.privateKey, 'staging')),
    );
    assert.equal(result?.signed, true);
    assert.match(result.signed ? result.detail : '', /^promotion r-1 of 2026-01-01T00:00:00.000Z, signed by [0-9a-f]{12}$/);
  });

  it('refuses another key, a move into another environment, no .att, a bad key file and a failed read, saying which', async () => {
    const problem = async (promise: ReturnType<typeof signedArrival>): Promise<string> => {
      const result = await promise;
      assert.equal(result?.signed, false);
      return result.signed ? '' : result.problem;
    };
    assert.match(
      await problem(signedArrival({ promotionKeys: ['ci.pub'] }, staging, DIGEST, dir, found(envelope(other.privateKey, 'staging')))),
      /signed by another key/,
    );
    assert.match(
      await problem(signedArrival({ promotionKeys: ['ci.pub'] }, staging, DIGEST, dir, found(envelope(ci.privateKey, 'development')))),
      /moves into other environments \(development\)/,
    );
    assert.match(
      await problem(signedArrival({ promotionKeys: ['ci.pub'] }, staging, DIGEST, dir, () => Promise.resolve({ envelopes: [], skipped: [], absent: true }))),
      /unsigned: .*\.att does not exist/,
    );
    writeFileSync(join(dir, 'rsa.pub'), generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
    assert.match(
      await problem(signedArrival({ promotionKeys: ['rsa.pub'] }, staging, DIGEST, dir, found())),
      /could not be checked: .*rsa\.pub holds an RSA key/,
    );
    assert.match(
      await problem(signedArrival({ promotionKeys: ['ci.pub'] }, staging, DIGEST, dir, () => Promise.reject(new Error('connection refused')))),
      /could not be checked: connection refused/,
    );
    assert.match(await problem(signedArrival({ promotionKeys: ['ci.pub'] }, staging, DIGEST, undefined, found())), /no workspace folder|there is none/);
  });
});
