// DSSE (Dead Simple Signing Envelope): the signature covers the pre-authentication encoding of the
// payload type and the body, never the JSON around them, so a reader cannot be fooled by a payload
// re-labelled with another type. Pure: the signing and checking are the keys' (keys.ts).
import type { SigningKey, VerifyingKey } from './keys';

export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

export interface DsseSignature {
  readonly keyid: string;
  /** base64 of the signature (ECDSA: DER, as cosign writes it). */
  readonly sig: string;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  /** base64 of the body. */
  readonly payload: string;
  readonly signatures: readonly DsseSignature[];
}

/** `DSSEv1 <len> <type> <len> <body>`, lengths in bytes as ASCII decimals. */
export function preAuthEncoding(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

export function signEnvelope(payloadType: string, body: Buffer, key: SigningKey): DsseEnvelope {
  const sig = key.sign(preAuthEncoding(payloadType, body));
  return { payloadType, payload: body.toString('base64'), signatures: [{ keyid: key.keyId, sig: sig.toString('base64') }] };
}

export type ParsedEnvelope = { readonly envelope: DsseEnvelope; readonly reason?: undefined } | { readonly envelope?: undefined; readonly reason: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The envelope in `bytes`, or why it is not one. */
export function parseEnvelope(bytes: Buffer): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { reason: 'the envelope is not JSON' };
  }
  return envelopeFrom(json);
}

/** The envelope in parsed JSON (one kept inside another document, as an approval's signature), or why it is not one. */
export function envelopeFrom(value: unknown): ParsedEnvelope {
  const json = value as { payloadType?: unknown; payload?: unknown; signatures?: unknown } | null;
  if (typeof json?.payloadType !== 'string') return { reason: 'the envelope has no payloadType' };
  if (typeof json.payload !== 'string' || !BASE64.test(json.payload)) return { reason: 'the envelope has no base64 payload' };
  if (!Array.isArray(json.signatures) || json.signatures.length === 0) return { reason: 'the envelope is unsigned' };
  const signatures: DsseSignature[] = [];
  for (const s of json.signatures as { keyid?: unknown; sig?: unknown }[]) {
    if (typeof s?.sig !== 'string' || !BASE64.test(s.sig) || s.sig === '') return { reason: 'a signature of the envelope is not base64' };
    signatures.push({ keyid: typeof s.keyid === 'string' ? s.keyid : '', sig: s.sig });
  }
  return { envelope: { payloadType: json.payloadType, payload: json.payload, signatures } };
}

/** The body, when one of the envelope's signatures verifies with `key`; undefined otherwise. */
export function verifiedBody(envelope: DsseEnvelope, key: VerifyingKey): Buffer | undefined {
  const body = Buffer.from(envelope.payload, 'base64');
  const pae = preAuthEncoding(envelope.payloadType, body);
  return envelope.signatures.some((s) => key.verify(pae, Buffer.from(s.sig, 'base64'))) ? body : undefined;
}
