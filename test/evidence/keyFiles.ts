// Key files the evidence tests make for themselves with Node's crypto, and a cosign encrypted key made
// by following go-securesystemslib's format with scrypt + tweetnacl's secretbox (not the code under test).
import { generateKeyPairSync, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nacl from 'tweetnacl';

export interface KeyPairFiles {
  readonly privateFile: string;
  readonly publicFile: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function p256KeyFiles(dir: string, name: string): KeyPairFiles {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privateFile = join(dir, `${name}.key`);
  const publicFile = join(dir, `${name}.pub`);
  writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(privateFile, 0o600);
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateFile, publicFile, privateKey, publicKey };
}

/** cosign's `ENCRYPTED SIGSTORE PRIVATE KEY`: scrypt(N=32768, r=8, p=1) key, secretbox over PKCS#8 DER. */
export function cosignEncryptedKey(privateKey: KeyObject, password: string, pemType = 'ENCRYPTED SIGSTORE PRIVATE KEY'): string {
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = scryptSync(Buffer.from(password), salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const ciphertext = Buffer.from(nacl.secretbox(der, nonce, key));
  const body = Buffer.from(
    JSON.stringify({
      kdf: { name: 'scrypt', params: { N: 32768, r: 8, p: 1 }, salt: salt.toString('base64') },
      cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
      ciphertext: ciphertext.toString('base64'),
    }),
  ).toString('base64');
  return `-----BEGIN ${pemType}-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END ${pemType}-----\n`;
}
