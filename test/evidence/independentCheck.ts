// Reads cosign's `.att` layout back over plain HTTP and checks each DSSE envelope with Node's crypto,
// following the DSSE spec here, in the test: none of the code under test takes part.
import { verify, type KeyObject } from 'node:crypto';
import { getManifest, registryBase, registryRequest } from '../harness';

export interface CheckedAttestation {
  readonly layer: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> };
  readonly envelope: { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
  /** The in-toto Statement, parsed. */
  readonly statement: {
    _type: string;
    subject: { name: string; digest: Record<string, string> }[];
    predicateType: string;
    predicate: { id: string; kind: string; outcome: string; target: { environment: string; repository: string }; gates: unknown[]; who: unknown; time: string };
  };
  /** Some signature verifies with the key over `DSSEv1 <len> <type> <len> <body>`. */
  readonly verifies: boolean;
}

export async function attManifest(
  registryUrl: string,
  repo: string,
  digest: string,
): Promise<{ layers: CheckedAttestation['layer'][]; mediaType: string } | undefined> {
  const found = await getManifest(registryUrl, repo, `${digest.replace(':', '-')}.att`);
  if (!found) return undefined;
  return { ...(JSON.parse(found.bytes.toString('utf8')) as { layers: CheckedAttestation['layer'][] }), mediaType: found.mediaType };
}

export async function blobBytes(registryUrl: string, repo: string, digest: string): Promise<Buffer> {
  const res = await registryRequest(`${registryBase(registryUrl)}/v2/${repo}/blobs/${digest}`);
  if (res.status !== 200) throw new Error(`blob ${digest}: ${res.status}`);
  return res.body;
}

export async function checkedAttestations(registryUrl: string, repo: string, digest: string, key: KeyObject): Promise<CheckedAttestation[]> {
  const manifest = await attManifest(registryUrl, repo, digest);
  const out: CheckedAttestation[] = [];
  for (const layer of manifest?.layers ?? []) {
    if (layer.mediaType !== 'application/vnd.dsse.envelope.v1+json') continue;
    const envelope = JSON.parse((await blobBytes(registryUrl, repo, layer.digest)).toString('utf8')) as CheckedAttestation['envelope'];
    const body = Buffer.from(envelope.payload, 'base64');
    const type = Buffer.from(envelope.payloadType, 'utf8');
    const pae = Buffer.concat([
      Buffer.from('DSSEv1 '),
      Buffer.from(String(type.length)),
      Buffer.from(' '),
      type,
      Buffer.from(' '),
      Buffer.from(String(body.length)),
      Buffer.from(' '),
      body,
    ]);
    const verifies = envelope.signatures.some((s) => verify('sha256', pae, key, Buffer.from(s.sig, 'base64')));
    out.push({ layer, envelope, statement: JSON.parse(body.toString('utf8')) as CheckedAttestation['statement'], verifies });
  }
  return out;
}
