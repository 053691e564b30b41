// `policy kyverno|sigstore`: the built CLI as a separate process prints the admission policy as YAML
// on stdout (what `kubectl apply -f -` takes), refuses a key that is not a P-256 public key with
// exit 2, and never prints a private key given by mistake. (The CRD schema check is the unit test's.)
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { promotionYaml } from '../fixtures/promotionYaml';
import { makeTempDir, sharedServices, type TestServices } from '../harness';
import { p256KeyFiles, type KeyPairFiles } from '../evidence/keyFiles';
import { cliEnv, describeRun, runCli, workspace } from './support';

const PREDICATE = 'https://image-promotion.dev/record/v1';

describe('image-promotion policy', function () {
  this.timeout(60_000);
  let svc: TestServices;
  let env: NodeJS.ProcessEnv;
  let keys: KeyPairFiles;
  let dir: string;
  before(async () => {
    svc = await sharedServices();
    env = cliEnv(svc);
    const keyDir = makeTempDir('policy-keys');
    keys = p256KeyFiles(keyDir, 'promotion');
    dir = workspace(
      promotionYaml(`${svc.registry}/team/shop`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production', protected: true }]),
    );
  });

  it('kyverno: a ClusterPolicy on stdout with the key, the predicate type and the environment; a note on stderr', async () => {
    const run = await runCli(['policy', 'kyverno', '--environment', 'production', '--key', keys.publicFile], { cwd: dir, env });
    assert.equal(run.code, 0, describeRun(run));
    const doc = parse(run.stdout) as {
      kind: string;
      spec: {
        rules: {
          verifyImages: {
            imageReferences: string[];
            attestations: { type: string; attestors: { entries: { keys: { publicKeys: string } }[] }[]; conditions: unknown }[];
          }[];
        }[];
      };
    };
    assert.equal(doc.kind, 'ClusterPolicy');
    const verify = doc.spec.rules[0]!.verifyImages[0]!;
    assert.deepEqual(verify.imageReferences, [`${svc.registry}/team/shop:*`, `${svc.registry}/team/shop@*`]);
    assert.equal(verify.attestations[0]!.type, PREDICATE);
    assert.equal(verify.attestations[0]!.attestors[0]!.entries[0]!.keys.publicKeys.trim(), readFileSync(keys.publicFile, 'utf8').trim());
    assert.match(JSON.stringify(verify.attestations[0]!.conditions), /"value":\["development","staging","production"\]/);
    assert.match(run.stderr, /share .*team\/shop: Kyverno checks the condition on every promotion attestation/);
  });

  it('sigstore: a ClusterImagePolicy, the key from promotionKeys when there is no --key; --json carries the YAML', async () => {
    const withKeys = workspace(
      `promotionKeys: [promotion.pub]\n${promotionYaml(`${svc.registry}/team/shop`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }])}`,
    );
    writeFileSync(path.join(withKeys, 'promotion.pub'), readFileSync(keys.publicFile));
    const run = await runCli(['--json', 'policy', 'sigstore', '--environment', 'staging'], { cwd: withKeys, env });
    assert.equal(run.code, 0, describeRun(run));
    const result = JSON.parse(run.stdout) as { kind: string; environment: string; yaml: string };
    assert.deepEqual([result.kind, result.environment], ['sigstore', 'staging']);
    const doc = parse(result.yaml) as {
      kind: string;
      spec: { authorities: { key: { data: string }; attestations: { name: string; policy: { data: string } }[] }[] };
    };
    assert.equal(doc.kind, 'ClusterImagePolicy');
    assert.equal(doc.spec.authorities[0]!.key.data.trim(), readFileSync(keys.publicFile, 'utf8').trim());
    assert.deepEqual(
      doc.spec.authorities[0]!.attestations.map((a) => a.name),
      ['promoted-into-development', 'promoted-into-staging'],
    );
    assert.match(doc.spec.authorities[0]!.attestations[1]!.policy.data, /target: environment: "staging"/);
  });

  it('exit 2, nothing on stdout, for a key that is not a P-256 public key; a private key given by mistake is never printed', async () => {
    const keyDir = makeTempDir('policy-bad-keys');
    const rsa = path.join(keyDir, 'rsa.pub');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
    const rsaRun = await runCli(['policy', 'kyverno', '--environment', 'staging', '--key', rsa], { cwd: dir, env });
    assert.equal(rsaRun.code, 2, describeRun(rsaRun));
    assert.equal(rsaRun.stdout, '');
    assert.match(rsaRun.stderr, /rsa\.pub holds an RSA key/);

    const privateRun = await runCli(['policy', 'kyverno', '--environment', 'staging', '--key', keys.privateFile], { cwd: dir, env });
    assert.equal(privateRun.code, 2, describeRun(privateRun));
    const secret = readFileSync(keys.privateFile, 'utf8').split('\n')[1]!; // a line of the key's base64
    assert.ok(!privateRun.stdout.includes(secret) && !privateRun.stderr.includes(secret), 'the private key is not printed');
    assert.match(privateRun.stderr, /no -----BEGIN PUBLIC KEY----- block/);
  });

  it('exit 2 for an unknown kind, an unknown environment, and no key anywhere', async () => {
    for (const [args, message] of [
      [['policy', 'gatekeeper', '--environment', 'staging', '--key', keys.publicFile], /policy takes kyverno or sigstore, not "gatekeeper"/],
      [['policy', 'kyverno', '--environment', 'qa', '--key', keys.publicFile], /There is no environment "qa"/],
      [['policy', 'kyverno', '--environment', 'staging'], /policy needs the public key .*--key <file>/],
    ] as const) {
      const run = await runCli(args, { cwd: dir, env });
      assert.equal(run.code, 2, describeRun(run));
      assert.equal(run.stdout, '');
      assert.match(run.stderr, message);
    }
  });
});
