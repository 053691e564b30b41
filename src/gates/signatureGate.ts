// `type: signature`: the source digest must carry a cosign signature (`sha256-<hex>.sig`, simple
// signing: ECDSA P-256 over the payload, which names the digest) or an attestation (`.att`, a DSSE
// envelope of an in-toto Statement about the digest) made with one of the gate's keys; with
// predicateType or conditions, only attestations of that type whose predicate meets them. The result
// names the key and the layer that passed, or every reason none did. Nothing passes unchecked: a key
// that cannot be loaded or evidence that cannot be read is an error, which blocks.
import * as path from 'node:path';
import { parseJsonPath, lookupJsonPath } from '../config/jsonPath';
import type { PredicateCondition, SignatureGateConfig } from '../config/types';
import { compileWorkspacePattern } from '../config/workspacePattern';
import { errorMessage, isCancelled } from '../core/errors';
import { shortDigest } from '../core/reference';
import { parseEnvelope, verifiedBody } from '../evidence/dsse';
import { isInlineKey, loadVerifyingKey, verifyingKeyFrom, type VerifyingKey } from '../evidence/keys';
import { signatureTag } from '../evidence/registryAttestations';
import { IN_TOTO_MEDIA_TYPE } from '../records/recordArtifact';
import { errored, failed, passed, type GateContext, type GateResult } from './gate';

const TYPE = 'signature';
/** cosign's annotation holding a simple-signing layer's base64 signature. */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** Reasons shown at most; the rest are counted. */
const MAX_REASONS = 6;

interface NamedKey {
  readonly label: string;
  readonly key: VerifyingKey;
}

async function loadKeys(gate: SignatureGateConfig, workspaceDir: string | undefined): Promise<NamedKey[]> {
  return Promise.all(
    gate.keys.map(async (text, i) => {
      if (isInlineKey(text)) return { label: `keys[${i}] (inline)`, key: verifyingKeyFrom(text, `keys[${i}]`) };
      if (!path.isAbsolute(text) && workspaceDir === undefined) throw new Error(`${text} is relative to the workspace folder, and there is none`);
      return { label: text, key: await loadVerifyingKey(path.resolve(workspaceDir ?? '', text)) };
    }),
  );
}

/** Why `predicate` fails `condition`, or undefined when it meets it. */
export function conditionProblem(predicate: unknown, condition: PredicateCondition): string | undefined {
  const found = lookupJsonPath(predicate, parseJsonPath(condition.path));
  if (!found.found) return `condition ${condition.path}: the predicate has no ${found.missing}`;
  const value = found.value;
  const shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
  if (condition.equals !== undefined && value !== condition.equals)
    return `condition ${condition.path} equals ${JSON.stringify(condition.equals)} failed (it is ${shown})`;
  if (condition.matches !== undefined) {
    const compiled = compileWorkspacePattern(condition.matches);
    if (!compiled.ok || typeof value !== 'string' || !compiled.pattern.test(value))
      return `condition ${condition.path} matches ${JSON.stringify(condition.matches)} failed (it is ${shown})`;
  }
  if (condition.atMost !== undefined && !(typeof value === 'number' && value <= condition.atMost))
    return `condition ${condition.path} atMost ${condition.atMost} failed (it is ${shown})`;
  return undefined;
}

interface Found {
  readonly key: string;
  readonly what: string;
}

function checkSignature(
  bytes: Buffer,
  annotations: Readonly<Record<string, string>> | undefined,
  layer: string,
  digest: string,
  keys: readonly NamedKey[],
): Found | string {
  const sig = annotations?.[COSIGN_SIGNATURE_ANNOTATION];
  if (!sig) return `signature ${shortDigest(layer)}: no ${COSIGN_SIGNATURE_ANNOTATION} annotation`;
  const key = keys.find((k) => k.key.verify(bytes, Buffer.from(sig, 'base64')));
  if (!key) return `signature ${shortDigest(layer)}: signed by another key (or changed after signing)`;
  let named: unknown;
  try {
    named = (JSON.parse(bytes.toString('utf8')) as { critical?: { image?: Record<string, unknown> } }).critical?.image?.['docker-manifest-digest'];
  } catch {
    return `signature ${shortDigest(layer)}: its payload is not JSON`;
  }
  if (named !== digest)
    return `signature ${shortDigest(layer)} by ${key.label}: names another digest (${typeof named === 'string' ? shortDigest(named) : 'none'})`;
  return { key: key.label, what: `signature ${shortDigest(layer)}` };
}

function checkAttestation(bytes: Buffer, index: number, digest: string, keys: readonly NamedKey[], gate: SignatureGateConfig): Found | string {
  const what = `attestation ${index + 1}`;
  const parsed = parseEnvelope(bytes);
  if (!parsed.envelope) return `${what}: malformed (${parsed.reason})`;
  let body: Buffer | undefined;
  const key = keys.find((k) => (body = verifiedBody(parsed.envelope!, k.key)) !== undefined);
  if (!key || !body) return `${what}: signed by another key (or changed after signing)`;
  if (parsed.envelope.payloadType !== IN_TOTO_MEDIA_TYPE) return `${what} by ${key.label}: payloadType ${parsed.envelope.payloadType}`;
  let statement: { subject?: { digest?: Record<string, unknown> }[]; predicateType?: unknown; predicate?: unknown };
  try {
    statement = JSON.parse(body.toString('utf8')) as typeof statement;
  } catch {
    return `${what} by ${key.label}: its Statement is not JSON`;
  }
  const hex = digest.slice('sha256:'.length);
  if (!Array.isArray(statement.subject) || !statement.subject.some((s) => s?.digest?.sha256 === hex))
    return `${what} by ${key.label}: not about ${shortDigest(digest)}`;
  const type = typeof statement.predicateType === 'string' ? statement.predicateType : '(none)';
  if (gate.predicateType !== undefined && type !== gate.predicateType)
    return `${what} by ${key.label}: predicate type ${type} differs from ${gate.predicateType}`;
  for (const condition of gate.conditions) {
    const problem = conditionProblem(statement.predicate, condition);
    if (problem) return `${what} (${type}) by ${key.label}: ${problem}`;
  }
  return { key: key.label, what: `${what} (${type})` };
}

export async function runSignatureGate(gate: SignatureGateConfig, ctx: GateContext): Promise<GateResult> {
  const started = Date.now();
  const ms = (): number => Date.now() - started;
  if (!ctx.evidence) return errored(gate.name, TYPE, 'signatures cannot be read here', ms());
  const digest = ctx.sourceDigest;
  try {
    const keys = await loadKeys(gate, ctx.workspaceDir);
    const reasons: string[] = [];
    // With a predicate type or conditions only attestations can pass: a signature has no predicate.
    if (gate.predicateType === undefined && gate.conditions.length === 0) {
      const sigs = await ctx.evidence.signatures(digest, ctx.signal);
      if (sigs.absent) reasons.push(`no ${signatureTag(digest)} tag`);
      reasons.push(...sigs.skipped.map((s) => `${signatureTag(digest)}: ${s}`));
      for (const layer of sigs.layers) {
        const result = checkSignature(layer.bytes, layer.descriptor.annotations, layer.descriptor.digest, digest, keys);
        if (typeof result !== 'string') return passed(gate.name, TYPE, `${result.what} of ${shortDigest(digest)} verifies with ${result.key}`, ms());
        reasons.push(result);
      }
    }
    const atts = await ctx.evidence.attestations(digest, ctx.signal);
    if (atts.absent) reasons.push(`no ${digest.replace(':', '-')}.att tag`);
    reasons.push(...atts.skipped.map((s) => `.att: ${s}`));
    for (const [i, bytes] of atts.envelopes.entries()) {
      const result = checkAttestation(bytes, i, digest, keys, gate);
      if (typeof result !== 'string') return passed(gate.name, TYPE, `${result.what} of ${shortDigest(digest)} verifies with ${result.key}`, ms());
      reasons.push(result);
    }
    if (!atts.absent && atts.envelopes.length === 0 && atts.skipped.length === 0) reasons.push('the .att tag holds no attestation');
    const shown = reasons.slice(0, MAX_REASONS).join('; ');
    const more = reasons.length > MAX_REASONS ? `; and ${reasons.length - MAX_REASONS} more` : '';
    return failed(gate.name, TYPE, `no signature or attestation of ${shortDigest(digest)} by the gate's keys passes: ${shown}${more}`, ms());
  } catch (error) {
    if (isCancelled(error)) throw error;
    return errored(gate.name, TYPE, `the signature check could not be made: ${errorMessage(error)}`, ms());
  }
}
