// Admission policies: the printed Kyverno ClusterPolicy and policy-controller ClusterImagePolicy
// validate against those projects' published CRD schemas (test/fixtures/crds, with unknown fields
// refused as kubectl's strict field validation does), carry the key, and name the predicate's fields
// as the signed Statement really has them. No kube-apiserver or Kyverno runs here: the schema stands in.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { PromotionConfig } from '../../src/config/types';
import { PromotionError } from '../../src/core/errors';
import { admissionPublicKey, kyvernoPolicy, policyName, promotionCue, sigstorePolicy } from '../../src/evidence/admissionPolicy';
import type { HistoryRecord } from '../../src/history/record';
import { RECORD_PREDICATE_TYPE, statementFor } from '../../src/records/recordArtifact';

// Compiled to out/test/unit: the fixtures stay in the source tree.
const CRDS = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'crds');

type Schema = Record<string, unknown>;

/** kubectl's strict field validation: an object schema that lists its properties refuses others. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const s = Object.fromEntries(
    Object.entries(schema as Schema).map(([k, v]) => [
      k,
      k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([p, x]) => [p, strict(x)])) : strict(v),
    ]),
  );
  if (s.properties && s.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) s.additionalProperties = false;
  return s;
}

function crdValidator(file: string): (doc: unknown) => string[] {
  const root = parse(readFileSync(path.join(CRDS, file), 'utf8')) as Schema & { properties: Schema };
  // The apiserver allows apiVersion, kind and metadata at the root whether the schema lists them or not.
  root.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...root.properties };
  const schema = strict(root) as Schema;
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
}

const kyvernoSchema = crdValidator('kyverno.io_clusterpolicies.v1.schema.yaml');
const sigstoreSchema = crdValidator('policy.sigstore.dev_clusterimagepolicies.v1beta1.schema.yaml');

function config(text: string): PromotionConfig {
  const parsed = parsePromotionConfig(text);
  assert.ok(parsed.config, parsed.diagnostics.map((d) => d.message).join('\n'));
  return parsed.config;
}

const SHARED = config(
  [
    'image: registry.example.com/team/myapp',
    'environments:',
    '  - { name: development, tag: dev }',
    '  - { name: staging, tag: staging }',
    '  - { name: production, tag: production }',
  ].join('\n'),
);
const OWN_REPOSITORIES = config(
  [
    'image: registry.example.com/team/myapp',
    'environments:',
    '  - { name: development, tag: dev }',
    '  - { name: staging, tag: staging, image: registry.example.com/staging/myapp }',
    '  - { name: production, tag: live, image: prod.example.com/myapp }',
  ].join('\n'),
);

const publicKeyPem = (): string => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString().trim();

function env(cfg: PromotionConfig, name: string): PromotionConfig['environments'][number] {
  return cfg.environments.find((e) => e.name === name)!;
}

interface KyvernoDoc {
  kind: string;
  metadata: { name: string };
  spec: {
    rules: {
      verifyImages: {
        imageReferences: string[];
        attestations: {
          type: string;
          attestors: { entries: { keys: Record<string, unknown> }[] }[];
          conditions: { all: { key: string; operator: string; value: unknown }[] }[];
        }[];
      }[];
    }[];
  };
}

describe('admission policies', () => {
  it('the schema check refuses what a cluster would: a misspelled field, a wrong type', () => {
    const doc = parse(kyvernoPolicy(SHARED.environments, env(SHARED, 'production'), publicKeyPem()).yaml) as KyvernoDoc;
    assert.deepEqual(kyvernoSchema(doc), []);
    const keys = doc.spec.rules[0]!.verifyImages[0]!.attestations[0]!.attestors[0]!.entries[0]!.keys;
    keys.publicKey = keys.publicKeys; // the singular is no field of Kyverno's
    assert.match(kyvernoSchema(doc).join('\n'), /must NOT have additional properties.*publicKey"/);
    const cip = parse(sigstorePolicy(SHARED.environments, env(SHARED, 'production'), publicKeyPem()).yaml) as { spec: { authorities: unknown } };
    cip.spec.authorities = 'promotion-key';
    assert.match(sigstoreSchema(cip).join('\n'), /authorities must be array/);
  });

  describe('Kyverno ClusterPolicy', () => {
    it('validates against the CRD and requires our predicate, signed by the key, without a transparency log', () => {
      const pem = publicKeyPem();
      const printed = kyvernoPolicy(OWN_REPOSITORIES.environments, env(OWN_REPOSITORIES, 'production'), pem);
      const doc = parse(printed.yaml) as KyvernoDoc;
      assert.deepEqual(kyvernoSchema(doc), []);
      assert.equal(doc.kind, 'ClusterPolicy');
      assert.equal(doc.metadata.name, 'image-promotion-production');
      const verify = doc.spec.rules[0]!.verifyImages[0]!;
      assert.deepEqual(verify.imageReferences, ['prod.example.com/myapp:*', 'prod.example.com/myapp@*']);
      const attestation = verify.attestations[0]!;
      assert.equal(attestation.type, RECORD_PREDICATE_TYPE);
      assert.deepEqual(attestation.attestors[0]!.entries[0]!.keys, { publicKeys: pem, rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } });
      // production has its repository to itself: every attestation there must be of a move into production.
      assert.deepEqual(attestation.conditions, [{ all: [{ key: '{{ target.environment }}', operator: 'Equals', value: 'production' }] }]);
      assert.deepEqual(printed.notes, []);
      assert.match(printed.yaml, /^# Kyverno ClusterPolicy generated by image-promotion for production/);
    });

    it('in a shared repository names every environment there (Kyverno checks each attestation) and says so', () => {
      const printed = kyvernoPolicy(SHARED.environments, env(SHARED, 'staging'), publicKeyPem());
      const doc = parse(printed.yaml) as KyvernoDoc;
      assert.deepEqual(kyvernoSchema(doc), []);
      assert.deepEqual(doc.spec.rules[0]!.verifyImages[0]!.attestations[0]!.conditions[0]!.all[0], {
        key: '{{ target.environment }}',
        operator: 'AnyIn',
        value: ['development', 'staging', 'production'],
      });
      assert.equal(printed.notes.length, 1);
      assert.match(printed.notes[0]!, /not only into staging/);
    });

    it("names the predicate's field as the signed Statement has it", () => {
      const record = {
        id: 'r1',
        kind: 'promotion',
        target: { environment: 'production', tag: 'live', repository: 'prod.example.com/myapp' },
      } as unknown as HistoryRecord;
      const statement = JSON.parse(statementFor(record, 'prod.example.com/myapp', `sha256:${'a'.repeat(64)}`).toString()) as {
        predicateType: string;
        predicate: Record<string, Record<string, unknown>>;
      };
      // Kyverno puts the predicate at the root of the condition's context: {{ target.environment }}.
      const doc = parse(kyvernoPolicy(OWN_REPOSITORIES.environments, env(OWN_REPOSITORIES, 'production'), publicKeyPem()).yaml) as KyvernoDoc;
      const [field, sub] = /^\{\{ (\w+)\.(\w+) \}\}$/.exec(doc.spec.rules[0]!.verifyImages[0]!.attestations[0]!.conditions[0]!.all[0]!.key)!.slice(1) as [
        string,
        string,
      ];
      assert.equal(statement.predicate[field]![sub], 'production');
      assert.equal(statement.predicateType, RECORD_PREDICATE_TYPE);
    });
  });

  describe('policy-controller ClusterImagePolicy', () => {
    it('validates against the CRD; the key as data, one attestation per environment of the chain in the repository', () => {
      const pem = publicKeyPem();
      const printed = sigstorePolicy(SHARED.environments, env(SHARED, 'staging'), pem);
      const doc = parse(printed.yaml) as {
        apiVersion: string;
        spec: {
          images: { glob: string }[];
          authorities: {
            key: { data: string };
            ctlog?: unknown;
            attestations: { name: string; predicateType: string; policy: { type: string; data: string } }[];
          }[];
        };
      };
      assert.deepEqual(sigstoreSchema(doc), []);
      assert.equal(doc.apiVersion, 'policy.sigstore.dev/v1beta1');
      assert.deepEqual(doc.spec.images, [{ glob: 'registry.example.com/team/myapp:*' }, { glob: 'registry.example.com/team/myapp@*' }]);
      const authority = doc.spec.authorities[0]!;
      assert.equal(authority.key.data, pem);
      assert.equal(authority.ctlog, undefined, 'no Rekor: the transparency log is skipped');
      assert.deepEqual(
        authority.attestations.map((a) => [a.name, a.predicateType, a.policy.type, a.policy.data]),
        [
          ['promoted-into-development', RECORD_PREDICATE_TYPE, 'cue', promotionCue('development')],
          ['promoted-into-staging', RECORD_PREDICATE_TYPE, 'cue', promotionCue('staging')],
        ],
      );
      assert.match(promotionCue('staging'), /target: environment: "staging"/);
      assert.deepEqual(printed.notes, []);
    });

    it('says which environments of the chain live in other repositories', () => {
      const printed = sigstorePolicy(OWN_REPOSITORIES.environments, env(OWN_REPOSITORIES, 'production'), publicKeyPem());
      assert.deepEqual(sigstoreSchema(parse(printed.yaml)), []);
      assert.match(printed.notes.join('\n'), /^development, staging live in other repositories/);
    });
  });

  it('takes only a P-256 public key, and names the file, not the key, when it is not one', () => {
    const pem = publicKeyPem();
    assert.equal(admissionPublicKey(`${pem}\n`, 'k.pub'), pem);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(
      () => admissionPublicKey(rsa, 'rsa.pub'),
      (e: unknown) => e instanceof PromotionError && /rsa\.pub holds an RSA key/.test(e.message),
    );
    assert.throws(() => admissionPublicKey('nothing', 'x.pub'), /x\.pub holds no -----BEGIN PUBLIC KEY-----/);
  });

  it('makes a Kubernetes name of any environment name', () => {
    assert.equal(policyName('Production EU'), 'image-promotion-production-eu');
    assert.equal(policyName('__'), 'image-promotion-environment');
    assert.ok(policyName('x'.repeat(100)).length <= 63);
  });
});
