// Signing keys for promotion attestations: PEM and cosign encrypted keys, P-256 only, clear errors
// that never carry the key, and a warning for a key file others can read.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromotionError } from '../../src/core/errors';
import { loadSigningKey, loadVerifyingKey, verifyingKey } from '../../src/evidence/keys';
import { cosignEncryptedKey, p256KeyFiles } from '../evidence/keyFiles';

describe('evidence keys', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string, mode = 0o600): string {
    const file = join(dir, name);
    writeFileSync(file, text);
    chmodSync(file, mode);
    return file;
  }

  async function configError(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => assert.fail('expected a PromotionError'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof PromotionError, String(error));
    assert.equal(error.kind, 'config');
    return error.message;
  }

  it('signs with a PKCS#8 P-256 key: DER ECDSA over sha256 that its public key verifies', async () => {
    const files = p256KeyFiles(dir, 'ci');
    const signer = await loadSigningKey(files.privateFile);
    const data = Buffer.from('DSSEv1 4 type 4 body');
    const signature = signer.sign(data);
    assert.equal(signature[0], 0x30, 'a DER SEQUENCE, as cosign writes');
    const checker = await loadVerifyingKey(files.publicFile);
    assert.equal(checker.keyId, signer.keyId);
    assert.ok(checker.verify(data, signature));
    assert.ok(!checker.verify(Buffer.from('DSSEv1 4 type 4 bodY'), signature));
    assert.ok(!checker.verify(data, Buffer.from('not a signature')));
  });

  it('loads a SEC1 EC PRIVATE KEY (openssl ecparam -genkey) too', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const file = write('sec1.key', privateKey.export({ type: 'sec1', format: 'pem' }) as string);
    const signer = await loadSigningKey(file);
    assert.ok(verifyingKey(publicKey).verify(Buffer.from('x'), signer.sign(Buffer.from('x'))));
  });

  it("decrypts cosign's encrypted key with COSIGN_PASSWORD (both PEM types)", async () => {
    for (const type of ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY']) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const file = write('cosign.key', cosignEncryptedKey(privateKey, 'correct horse', type));
      const signer = await loadSigningKey(file, { password: 'correct horse' });
      assert.equal(signer.keyId, verifyingKey(publicKey).keyId, type);
      assert.ok(verifyingKey(publicKey).verify(Buffer.from('y'), signer.sign(Buffer.from('y'))));
    }
  });

  it('an encrypted key with the wrong password, or none, is a clear error without key material', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const text = cosignEncryptedKey(privateKey, 'right');
    const file = write('cosign.key', text);
    const wrong = await configError(loadSigningKey(file, { password: 'wrong' }));
    assert.match(wrong, /password is wrong/);
    assert.match(await configError(loadSigningKey(file)), /COSIGN_PASSWORD/);
    const body = text.split('\n')[1]!;
    assert.ok(!wrong.includes(body.slice(0, 20)), 'no part of the file in the message');
  });

  it('refuses keys that are not P-256, naming what they are', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const ed = generateKeyPairSync('ed25519');
    assert.match(await configError(loadSigningKey(write('rsa.key', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string))), /an RSA key.*P-256/);
    assert.match(
      await configError(loadSigningKey(write('p384.key', p384.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string))),
      /EC key on secp384r1/,
    );
    assert.match(await configError(loadSigningKey(write('ed.key', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string))), /an Ed25519 key/);
    assert.match(await configError(loadVerifyingKey(write('p384.pub', p384.publicKey.export({ type: 'spki', format: 'pem' }) as string))), /secp384r1/);
  });

  it('malformed files: no PEM, a broken body, a public key given as the private one, a missing file', async () => {
    assert.match(await configError(loadSigningKey(write('a.key', 'hello'))), /no PEM block/);
    const secret = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAAAA';
    const broken = await configError(loadSigningKey(write('b.key', `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`)));
    assert.match(broken, /not a valid key/);
    assert.ok(!broken.includes(secret));
    const files = p256KeyFiles(dir, 'x');
    assert.match(await configError(loadSigningKey(files.publicFile)), /PUBLIC KEY, not a private key/);
    assert.match(await configError(loadVerifyingKey(files.privateFile)), /no -----BEGIN PUBLIC KEY-----/);
    assert.match(await configError(loadSigningKey(join(dir, 'absent.key'))), /cannot be read \(ENOENT\)/);
    const junk = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from('{"kdf":{"name":"pbkdf2"}}').toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    assert.match(await configError(loadSigningKey(write('c.key', junk), { password: 'p' })), /not scrypt/);
    const greedy = Buffer.from(
      JSON.stringify({
        kdf: { name: 'scrypt', params: { N: 2 ** 30, r: 8, p: 1 }, salt: 'AA==' },
        cipher: { name: 'nacl/secretbox', nonce: 'AA==' },
        ciphertext: 'AA==',
      }),
    );
    const greedyPem = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${greedy.toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    assert.match(await configError(loadSigningKey(write('d.key', greedyPem), { password: 'p' })), /more than 256 MiB/);
  });

  it('warns when the key file is readable by group or others, and not when it is 0600', async () => {
    const files = p256KeyFiles(dir, 'w');
    const warnings: string[] = [];
    await loadSigningKey(files.privateFile, { warn: (m) => warnings.push(m) });
    assert.equal(warnings.length, 0, warnings.join());
    chmodSync(files.privateFile, 0o644);
    await loadSigningKey(files.privateFile, { warn: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /readable by others \(mode 644\); chmod 600/);
  });
});
