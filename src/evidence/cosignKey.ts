// cosign's encrypted private key (`cosign generate-key-pair`): a PEM block of type ENCRYPTED SIGSTORE
// PRIVATE KEY (ENCRYPTED COSIGN PRIVATE KEY before cosign 2.2) whose body is go-securesystemslib's
// `encrypted` JSON: scrypt derives a 32-byte key from the password, NaCl secretbox
// (xsalsa20-poly1305) seals the PKCS#8 DER of the key. Node's crypto has scrypt but not secretbox.
import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import * as nacl from 'tweetnacl';
import { PromotionError } from '../core/errors';

export const COSIGN_ENCRYPTED_PEM_TYPES = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'] as const;

const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** cosign writes N=32768, r=8, p=1 (32 MiB); a file asking for far more is refused before any work. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

interface EncryptedKeyJson {
  kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown };
  cipher?: { name?: unknown; nonce?: unknown };
  ciphertext?: unknown;
}

function malformed(file: string, what: string): PromotionError {
  return new PromotionError('config', `${file} is not a readable cosign encrypted key: ${what}`);
}

function base64Field(value: unknown): Buffer | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) ? Buffer.from(value, 'base64') : undefined;
}

/** The PKCS#8 DER inside the PEM body `der`; throws PromotionError('config') naming `file`, never the key. */
export async function decryptCosignKey(der: Buffer, password: string, file: string): Promise<Buffer> {
  let json: EncryptedKeyJson;
  try {
    json = JSON.parse(der.toString('utf8')) as EncryptedKeyJson;
  } catch {
    throw malformed(file, 'its body is not JSON');
  }
  if (json?.kdf?.name !== 'scrypt') throw malformed(file, `key derivation ${JSON.stringify(json?.kdf?.name)} is not scrypt`);
  if (json.cipher?.name !== 'nacl/secretbox') throw malformed(file, `cipher ${JSON.stringify(json.cipher?.name)} is not nacl/secretbox`);
  const { N, r, p } = json.kdf.params ?? {};
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && (n as number) > 0) || ((N as number) & ((N as number) - 1)) !== 0)
    throw malformed(file, 'its scrypt parameters are not positive integers with N a power of two');
  const memory = 128 * (N as number) * (r as number) * 2 + 128 * (r as number) * (p as number);
  if (memory > MAX_SCRYPT_MEMORY) throw malformed(file, `its scrypt parameters need more than ${MAX_SCRYPT_MEMORY / 1024 / 1024} MiB`);
  const salt = base64Field(json.kdf.salt);
  const nonce = base64Field(json.cipher.nonce);
  const ciphertext = base64Field(json.ciphertext);
  if (!salt || !nonce || nonce.length !== nacl.secretbox.nonceLength || !ciphertext)
    throw malformed(file, 'salt, nonce or ciphertext is missing or not base64');
  const key = await scryptAsync(Buffer.from(password, 'utf8'), salt, nacl.secretbox.keyLength, {
    N: N as number,
    r: r as number,
    p: p as number,
    maxmem: MAX_SCRYPT_MEMORY,
  });
  const opened = nacl.secretbox.open(ciphertext, nonce, key);
  key.fill(0);
  if (!opened) {
    throw new PromotionError('config', `${file} could not be decrypted: the password is wrong`, 'Set COSIGN_PASSWORD to the password the key was made with.');
  }
  return Buffer.from(opened);
}
