// Signature gates in the config: diagnostics at their line for no keys, an inline key that is not an
// ECDSA P-256 public key, and malformed conditions; the defaults; and the predicate conditions.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { SignatureGateConfig } from '../../src/config/types';
import { conditionProblem } from '../../src/gates/signatureGate';

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

function withGate(...gateLines: string[]): string {
  return [
    'image: registry.example.com/app',
    'environments:',
    '  - name: development',
    '    tag: dev',
    '    gates:',
    ...gateLines.map((l) => `      ${l}`),
    '',
  ].join('\n');
}

function errors(text: string): { line: number; message: string }[] {
  return parsePromotionConfig(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => ({ line: d.range.startLine, message: d.message }));
}

const block = (pem: string, indent: string): string[] => [
  '|',
  ...pem
    .trim()
    .split('\n')
    .map((l) => `${indent}${l}`),
];

describe('signature gate config', () => {
  it('a file key and an inline P-256 key parse, with the defaults', () => {
    const [bar, ...pem] = block(p256, '      ');
    const text = withGate('- type: signature', '  keys:', '    - keys/cosign.pub', `    - ${bar}`, ...pem.map((l) => `    ${l}`));
    const parsed = parsePromotionConfig(text);
    assert.deepEqual(parsed.diagnostics, []);
    const gate = parsed.config!.environments[0]!.gates[0] as SignatureGateConfig;
    assert.deepEqual(
      { ...gate, keys: gate.keys.map((k) => k.slice(0, 26)) },
      { type: 'signature', name: 'signature', keys: ['keys/cosign.pub', '-----BEGIN PUBLIC KEY-----'], conditions: [] },
    );
    const attested = parsePromotionConfig(withGate('- { type: signature, keys: [k.pub], predicateType: "https://slsa.dev/provenance/v1" }'));
    assert.equal((attested.config!.environments[0]!.gates[0] as SignatureGateConfig).name, 'attestation https://slsa.dev/provenance/v1');
  });

  it('no keys, or none at all: an error at the gate', () => {
    assert.match(
      errors(withGate('- { type: signature, keys: [] }'))
        .map((e) => e.message)
        .join('\n'),
      /needs at least one public key/,
    );
    assert.match(
      errors(withGate('- { type: signature }'))
        .map((e) => e.message)
        .join('\n'),
      /keys/,
    );
  });

  it('an inline key that is not ECDSA P-256: an error at its line, naming what it is', () => {
    const [bar, ...pem] = block(rsa, '      ');
    const text = withGate('- type: signature', '  keys:', '    - keys/ok.pub', `    - ${bar}`, ...pem.map((l) => `    ${l}`));
    const found = errors(text);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(
      found[0]!.line,
      text.split('\n').findIndex((l) => l.includes('- |')),
    );
    assert.match(found[0]!.message, /holds an RSA key; promotion attestations are signed with ECDSA P-256/);
    assert.match(
      errors(withGate('- { type: signature, keys: ["-----BEGIN PUBLIC KEY-----\\nnope\\n-----END PUBLIC KEY-----"] }'))[0]!.message,
      /not a valid key/,
    );
  });

  it('malformed conditions: a bad path, no check or two, a bad pattern, a wrong type', () => {
    const text = withGate(
      '- type: signature',
      '  keys: [k.pub]',
      '  conditions:',
      '    - { path: "builder.id", equals: x }',
      '    - { path: "$.a" }',
      '    - { path: "$.a", equals: 1, atMost: 2 }',
      '    - { path: "$.a", matches: "(" }',
      '    - { path: "$.a", atMost: "three" }',
    );
    const found = errors(text);
    const lineOf = (needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));
    const at = (needle: string): string =>
      found
        .filter((e) => e.line === lineOf(needle))
        .map((e) => e.message)
        .join('\n');
    assert.match(at('builder.id'), /starts with "\$"/);
    assert.match(at('{ path: "$.a" }'), /exactly one of equals, matches or atMost/);
    assert.match(at('atMost: 2'), /exactly one of equals, matches or atMost \(it has equals and atMost\)/);
    assert.match(at('matches: "("'), /not a usable regular expression/);
    assert.match(at('"three"'), /number/);
  });

  it('conditions on a predicate: equals, matches (RE2), atMost, and a missing path, each saying why', () => {
    const predicate = { builder: { id: 'https://github.com/actions/runner' }, scan: { critical: 2 }, ok: true };
    assert.equal(conditionProblem(predicate, { path: '$.builder.id', matches: '^https://github\\.com/' }), undefined);
    assert.equal(conditionProblem(predicate, { path: '$.ok', equals: true }), undefined);
    assert.equal(conditionProblem(predicate, { path: '$.scan.critical', atMost: 2 }), undefined);
    assert.equal(conditionProblem(predicate, { path: '$.scan.critical', atMost: 1 }), 'condition $.scan.critical atMost 1 failed (it is 2)');
    assert.equal(
      conditionProblem(predicate, { path: '$.builder.id', equals: 'x' }),
      'condition $.builder.id equals "x" failed (it is "https://github.com/actions/runner")',
    );
    assert.match(conditionProblem(predicate, { path: '$.builder.id', matches: '^gitlab' })!, /matches "\^gitlab" failed/);
    assert.equal(
      conditionProblem(predicate, { path: '$.builder.version', equals: '1' }),
      'condition $.builder.version: the predicate has no $.builder.version',
    );
    assert.match(conditionProblem(predicate, { path: '$.builder', atMost: 3 })!, /atMost 3 failed \(it is \{"id"/);
  });
});
