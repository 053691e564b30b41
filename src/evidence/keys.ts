// Signing and verifying keys for promotion attestations: ECDSA P-256 with SHA-256 and DER signatures,
// as cosign makes and checks them. Private keys come from a PEM file (PKCS#8, SEC1, or cosign's
// encrypted key with COSIGN_PASSWORD); public keys from SPKI PEM. A key's bytes never reach a
// message or a log: errors name the file and what is wrong with it.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { PromotionError } from '../core/errors';
import { COSIGN_ENCRYPTED_PEM_TYPES, decryptCosignKey } from './cosignKey';

export interface VerifyingKey {
  /** sha256 of the SPKI DER, hex: the DSSE keyid, and how messages name a key. */
  readonly keyId: string;
  verify(data: Buffer, signature: Buffer): boolean;
  /** The DSSE keyid names this key (or one of these keys). */
  hasKeyId(keyId: string): boolean;
}

export interface SigningKey {
  readonly keyId: string;
  /** DER ECDSA signature over sha256(data). */
  sign(data: Buffer): Buffer;
  readonly publicKeyPem: string;
}

/** A key file's limit: a PEM key is a few hundred bytes. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

interface PemBlock {
  readonly type: string;
  readonly der: Buffer;
}

/** The first PEM block of `text`, or undefined. */
export function firstPemBlock(text: string): PemBlock | undefined {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!match) return undefined;
  const body = match[2]!.split(/\r?\n/).filter((line) => line && !line.includes(':'));
  return { type: match[1]!, der: Buffer.from(body.join(''), 'base64') };
}

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

const KEY_TYPE_NAMES: Readonly<Record<string, string>> = { rsa: 'an RSA', 'rsa-pss': 'an RSA-PSS', dsa: 'a DSA', ed25519: 'an Ed25519', ed448: 'an Ed448' };

function requireP256(key: KeyObject, file: string): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    const what =
      key.asymmetricKeyType === 'ec'
        ? `an EC key on ${curve ?? 'an unknown curve'}`
        : `${KEY_TYPE_NAMES[key.asymmetricKeyType ?? ''] ?? `a ${key.asymmetricKeyType ?? 'unknown'}`} key`;
    throw new PromotionError('config', `${file} holds ${what}; promotion attestations are signed with ECDSA P-256 (cosign's default)`);
  }
}

export function verifyingKey(publicKey: KeyObject): VerifyingKey {
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    hasKeyId: (id) => id === keyId,
    verify: (data, signature) => {
      try {
        return verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
      } catch {
        return false; // a signature that is not DER does not verify
      }
    },
  };
}

function signingKey(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    sign: (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'der' }),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

async function readKeyFile(file: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new PromotionError('config', `the key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > MAX_KEY_FILE_BYTES) throw new PromotionError('config', `${file} is ${size} bytes: not a PEM key`);
  return readFile(file, 'utf8');
}

export interface SigningKeyOptions {
  /** The password of a cosign encrypted key (COSIGN_PASSWORD). */
  readonly password?: string;
  /** Told when the file is readable by group or others. */
  readonly warn?: (message: string) => void;
}

/** The private key in `file`, P-256 only. Throws PromotionError('config'); never puts key material in a message. */
export async function loadSigningKey(file: string, options: SigningKeyOptions = {}): Promise<SigningKey> {
  const text = await readKeyFile(file);
  const mode = (await stat(file)).mode;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    options.warn?.(`the signing key ${file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  }
  return signingKey(await privateKeyFrom(text, file, options.password));
}

/** The private key in PEM `text`; `file` only names it in errors. */
export async function privateKeyFrom(text: string, file: string, password: string | undefined): Promise<KeyObject> {
  const block = firstPemBlock(text);
  if (!block) throw new PromotionError('config', `${file} holds no PEM block: expected a private key (-----BEGIN PRIVATE KEY----- or a cosign key)`);
  let key: KeyObject;
  if ((COSIGN_ENCRYPTED_PEM_TYPES as readonly string[]).includes(block.type)) {
    if (password === undefined) throw new PromotionError('config', `${file} is an encrypted cosign key: set COSIGN_PASSWORD to its password`);
    const der = await decryptCosignKey(block.der, password, file);
    try {
      key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
  } else if (block.type === 'PRIVATE KEY' || block.type === 'EC PRIVATE KEY') {
    try {
      key = createPrivateKey({ key: block.der, format: 'der', type: block.type === 'PRIVATE KEY' ? 'pkcs8' : 'sec1' });
    } catch {
      throw new PromotionError('config', `${file} holds a ${block.type} block that is not a valid key`);
    }
  } else {
    throw new PromotionError('config', `${file} holds a ${block.type}, not a private key (PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED SIGSTORE PRIVATE KEY)`);
  }
  requireP256(key, file);
  return key;
}

/** A key given as PEM text in the config rather than as a file name. */
export function isInlineKey(value: string): boolean {
  return value.includes('-----BEGIN');
}

/** The public key (SPKI PEM, as cosign.pub) in `file`, P-256 only. Throws PromotionError('config'). */
export async function loadVerifyingKey(file: string): Promise<VerifyingKey> {
  return verifyingKeyFrom(await readKeyFile(file), file);
}

export function verifyingKeyFrom(text: string, file: string): VerifyingKey {
  const block = firstPemBlock(text);
  if (!block || block.type !== 'PUBLIC KEY')
    throw new PromotionError('config', `${file} holds no -----BEGIN PUBLIC KEY----- block (an SPKI public key, as cosign.pub)`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.der, format: 'der', type: 'spki' });
  } catch {
    throw new PromotionError('config', `${file} holds a PUBLIC KEY block that is not a valid key`);
  }
  requireP256(key, file);
  return verifyingKey(key);
}

/** Accepts what any of `keys` signed (verify against a config's promotionKeys). */
export function anyOfKeys(keys: readonly VerifyingKey[]): VerifyingKey {
  if (keys.length === 1) return keys[0]!;
  return {
    keyId: keys.map((k) => k.keyId.slice(0, 12)).join('|'),
    verify: (data, signature) => keys.some((k) => k.verify(data, signature)),
    hasKeyId: (id) => keys.some((k) => k.hasKeyId(id)),
  };
}
