// The links verify looks for, as pure logic: envelopes signed here with keys made here, read back
// through linkInto / verifyChain without a registry.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { EnvironmentConfig } from '../../src/config/types';
import { verifyingKey, type SigningKey } from '../../src/evidence/keys';
import { signedRecord } from '../../src/evidence/promotionAttestations';
import type { ReadEnvelopes } from '../../src/evidence/registryAttestations';
import { linkInto, verifyChain } from '../../src/evidence/verifyChain';
import { signedChainWord } from '../../src/app/signedChain';
import { recordFromOutcome, type HistoryRecord } from '../../src/history/record';

const REPO = 'registry.example.com/team/app';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function environment(name: string, tag = name): EnvironmentConfig {
  return { name, tag, image: REPO, repository: { registry: 'registry.example.com', path: 'team/app' }, protected: false, gates: [] };
}
const ENVS = [environment('development', 'dev'), environment('staging'), environment('production')];

function keyPair(): { key: SigningKey; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { key: { keyId: verifyingKey(publicKey).keyId, sign: (d) => sign('sha256', d, privateKey), publicKeyPem: '' }, publicKey };
}

function record(env: EnvironmentConfig, digest: string, status: 'succeeded' | 'failed' = 'succeeded'): HistoryRecord {
  return recordFromOutcome(
    {
      status,
      message: status,
      digest,
      previousDigest: null,
      finalDigest: status === 'succeeded' ? digest : D2,
      gates: [],
      durationMs: 1,
      transport: 'registry',
    },
    { source: { label: 'build', repository: REPO }, target: { environment: env.name, tag: env.tag, repository: REPO } },
    { user: 'ci' },
    Date.UTC(2026, 0, 1),
  );
}

const found = (...envelopes: Buffer[]): ReadEnvelopes => ({ envelopes, skipped: [], absent: false });

describe('verify: the links of a signed promotion chain', () => {
  const { key, publicKey } = keyPair();
  const checker = verifyingKey(publicKey);
  const [dev, staging] = ENVS as [EnvironmentConfig, EnvironmentConfig, EnvironmentConfig];

  it('a valid envelope of a move into the environment is a link; it is found among others that are not', () => {
    const other = keyPair();
    const link = linkInto(
      staging,
      D1,
      checker,
      found(Buffer.from('garbage'), signedRecord(record(staging, D1), other.key), signedRecord(record(staging, D1), key)),
    );
    assert.equal(link.problem, undefined);
    assert.equal(link.record?.target.environment, 'staging');
  });

  it('names what is wrong: absent, none readable, another key, changed after signing, another environment, a failed move', () => {
    assert.match(linkInto(dev, D1, checker, { envelopes: [], skipped: [], absent: true }).problem!, /^unsigned: .*sha256-1{64}\.att does not exist/);
    assert.match(
      linkInto(dev, D1, checker, { envelopes: [], skipped: ['x: too big'], absent: false }).problem!,
      /^unsigned: .*that could be read \(x: too big\)/,
    );
    assert.match(linkInto(dev, D1, checker, found(signedRecord(record(dev, D1), keyPair().key))).problem!, /signed by another key \(\w{12}\), not \w{12}/);
    const envelope = JSON.parse(signedRecord(record(dev, D1), key).toString()) as { payload: string };
    const changed = Buffer.from(
      JSON.stringify({ ...envelope, payload: Buffer.from(Buffer.from(envelope.payload, 'base64').toString().replace('"ci"', '"mallory"')).toString('base64') }),
    );
    assert.match(linkInto(dev, D1, checker, found(changed)).problem!, /the signature does not verify with the key/);
    assert.match(linkInto(dev, D1, checker, found(signedRecord(record(staging, D1), key))).problem!, /moves into other environments \(staging\)/);
    assert.match(linkInto(dev, D1, checker, found(signedRecord(record(dev, D1, 'failed'), key))).problem!, /ended failed, leaving another digest/);
    assert.match(linkInto(dev, D2, checker, found(signedRecord(record(dev, D1), key))).problem!, /not about sha256:2{12}/);
  });

  it('marks a link unsigned when nothing there claims a move into the environment, not when a claim is invalid (the row says which)', () => {
    const unsigned = (f: Parameters<typeof linkInto>[3]) => linkInto(dev, D1, checker, f).unsigned === true;
    assert.ok(unsigned({ envelopes: [], skipped: [], absent: true }));
    assert.ok(unsigned({ envelopes: [], skipped: ['x: too big'], absent: false }));
    assert.ok(unsigned(found(signedRecord(record(staging, D1), key))), 'only moves into other environments (one repository, a tag each)');
    assert.ok(!unsigned(found(signedRecord(record(dev, D1), keyPair().key))), 'signed by another key');
    assert.ok(!unsigned(found(signedRecord(record(dev, D1, 'failed'), key))), 'a failed move');
    assert.equal(linkInto(dev, D1, checker, found(signedRecord(record(dev, D1), key))).unsigned, undefined, 'a valid link');
    const broken = (link: ReturnType<typeof linkInto>) => signedChainWord({ digest: D1, links: [link], broken: link });
    assert.equal(broken(linkInto(dev, D1, checker, { envelopes: [], skipped: [], absent: true })), 'unsigned: no attestation into development');
    assert.equal(broken(linkInto(dev, D1, checker, found(signedRecord(record(dev, D1), keyPair().key)))), 'unsigned: no valid attestation into development');
    assert.equal(signedChainWord({ digest: D1, links: [{ environment: 'development' }] }), 'signed');
  });

  it('the chain runs in promotion order up to the environment asked about and stops at the first broken link', async () => {
    const reads: string[] = [];
    const attached = new Map([
      ['development', [signedRecord(record(dev, D1), key)]],
      ['production', [signedRecord(record(ENVS[2]!, D1), key)]],
    ]);
    const read = async (env: EnvironmentConfig): Promise<ReadEnvelopes> => {
      reads.push(env.name);
      const envelopes = attached.get(env.name);
      return envelopes ? found(...envelopes) : { envelopes: [], skipped: [], absent: true };
    };
    const result = await verifyChain(ENVS, 'production', D1, checker, read);
    assert.equal(result.broken?.environment, 'staging');
    assert.deepEqual(reads, ['development', 'staging'], 'production is not read once staging is broken');
    const upToDev = await verifyChain(ENVS, 'development', D1, checker, read);
    assert.equal(upToDev.broken, undefined);
    assert.deepEqual(
      upToDev.links.map((l) => l.environment),
      ['development'],
    );
  });
});
