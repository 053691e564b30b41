// Signed promotions and `verify` end to end: the built CLI as a separate process against the harness's
// registry; what it writes is read back over plain HTTP and checked with Node's crypto in the test.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, getManifest, makeTempDir, pushImage, putManifest, sharedServices, uniqueRepo, uploadBlob, type TestServices } from '../harness';
import { blobBytes, checkedAttestations } from '../evidence/independentCheck';
import { cosignEncryptedKey, p256KeyFiles, type KeyPairFiles } from '../evidence/keyFiles';
import { cliEnv, describeRun, runCli, workspace } from './support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const PREDICATE = 'https://image-promotion.dev/record/v1';

/** A DSSE envelope signed here with Node's crypto, following the spec (not the code under test). */
function envelopeSignedBy(privateKey: KeyObject, statement: unknown): Buffer {
  const type = 'application/vnd.in-toto+json';
  const body = Buffer.from(JSON.stringify(statement));
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]);
  return Buffer.from(
    JSON.stringify({
      payloadType: type,
      payload: body.toString('base64'),
      signatures: [{ keyid: '', sig: sign('sha256', pae, privateKey).toString('base64') }],
    }),
  );
}

describe('image-promotion: signed promotions and verify', function () {
  this.timeout(180_000);
  let svc: TestServices;
  let env: NodeJS.ProcessEnv;
  let keys: KeyPairFiles;
  let other: KeyPairFiles;
  let keyDir: string;
  before(async () => {
    svc = await sharedServices();
    env = cliEnv(svc, { COSIGN_PASSWORD: undefined, IMAGE_PROMOTION_SIGNING_KEY: undefined });
    keyDir = makeTempDir('keys');
    keys = p256KeyFiles(keyDir, 'ci');
    other = p256KeyFiles(keyDir, 'other');
  });

  async function threeEnvironments() {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a1b2c3d');
    const dir = workspace(
      promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production', protected: true }]),
    );
    return { repo, build, dir };
  }

  async function signedThrough(dir: string): Promise<void> {
    const cosignKey = path.join(keyDir, 'cosign.key');
    writeFileSync(cosignKey, cosignEncryptedKey(keys.privateKey, 'hunter2'), { mode: 0o600 });
    const dev = await runCli(['promote', 'development', '--build', 'a1b2c3d', '--signing-key', keys.privateFile], { cwd: dir, env });
    assert.equal(dev.code, 0, describeRun(dev));
    // The same key as cosign's encrypted file, from the environment, as a CI job has it.
    const staging = await runCli(['promote', 'staging'], { cwd: dir, env: { ...env, IMAGE_PROMOTION_SIGNING_KEY: cosignKey, COSIGN_PASSWORD: 'hunter2' } });
    assert.equal(staging.code, 0, describeRun(staging));
    const prod = await runCli(['promote', 'production', '--yes', '--approved-by', 'Grace', '--signing-key', keys.privateFile], { cwd: dir, env });
    assert.equal(prod.code, 0, describeRun(prod));
  }

  it('promotions signed through development → staging → production: three valid attestations, and verify says 0', async () => {
    const { repo, build, dir } = await threeEnvironments();
    await signedThrough(dir);
    const checked = await checkedAttestations(svc.registryUrl, repo, build.digest, keys.publicKey);
    assert.deepEqual(
      checked.map((c) => [c.layer.annotations?.predicateType, c.statement.predicate.target.environment, c.statement.predicate.outcome, c.verifies]),
      [
        [PREDICATE, 'development', 'succeeded', true],
        [PREDICATE, 'staging', 'succeeded', true],
        [PREDICATE, 'production', 'succeeded', true],
      ],
    );
    assert.ok(checked.every((c) => c.statement.subject[0]!.digest.sha256 === build.digest.slice(7)));

    const ok = await runCli(['verify', 'production', '--key', keys.publicFile], { cwd: dir, env });
    assert.equal(ok.code, 0, describeRun(ok));
    assert.match(ok.stdout, /^production sha256:\w{12}: signed, promoted through development → staging → production/);
    const json = await runCli(['--json', 'verify', 'staging', '--key', keys.publicFile], { cwd: dir, env });
    assert.equal(json.code, 0, describeRun(json));
    const value = JSON.parse(json.stdout) as { verified: boolean; digest: string; links: { environment: string; recordId?: string }[] };
    assert.deepEqual([value.verified, value.digest, value.links.map((l) => l.environment)], [true, build.digest, ['development', 'staging']]);
    assert.ok(value.links.every((l) => l.recordId));

    // promotionKeys in the config (relative to its folder) stand in for --key; any of them may have signed.
    mkdirSync(path.join(dir, 'keys'));
    copyFileSync(keys.publicFile, path.join(dir, 'keys', 'promotion.pub'));
    const yaml = readFileSync(path.join(dir, '.promotion.yaml'), 'utf8');
    writeFileSync(path.join(dir, '.promotion.yaml'), `${yaml}promotionKeys: [${JSON.stringify(other.publicFile)}, keys/promotion.pub]\n`);
    const byConfig = await runCli(['verify', 'production'], { cwd: dir, env });
    assert.equal(byConfig.code, 0, describeRun(byConfig));
    writeFileSync(path.join(dir, '.promotion.yaml'), `${yaml}promotionKeys: [${JSON.stringify(other.publicFile)}]\n`);
    const notListed = await runCli(['verify', 'production'], { cwd: dir, env });
    assert.equal(notListed.code, 1, describeRun(notListed));
    assert.match(notListed.stderr, /signed by another key/);
    writeFileSync(path.join(dir, '.promotion.yaml'), `${yaml}promotionKeys: keys/promotion.pub\n`);
    const badConfig = await runCli(['verify', 'production'], { cwd: dir, env });
    assert.equal(badConfig.code, 2, describeRun(badConfig));
    assert.match(badConfig.stderr, /promotionKeys/);
    writeFileSync(path.join(dir, '.promotion.yaml'), yaml);

    const wrongKey = await runCli(['verify', 'production', '--key', other.publicFile], { cwd: dir, env });
    assert.equal(wrongKey.code, 1, describeRun(wrongKey));
    assert.match(wrongKey.stderr, /development: no valid signed promotion into development .*signed by another key/);
  });

  it('a link missing (unsigned), tampered with, or about another digest: 1, naming the first broken link', async () => {
    const { repo, build, dir } = await threeEnvironments();
    // development unsigned, staging and production signed.
    assert.equal((await runCli(['promote', 'development', '--build', 'a1b2c3d'], { cwd: dir, env })).code, 0);
    assert.equal((await runCli(['promote', 'staging', '--signing-key', keys.privateFile], { cwd: dir, env })).code, 0);
    const unsigned = await runCli(['verify', 'staging', '--key', keys.publicFile], { cwd: dir, env });
    assert.equal(unsigned.code, 1, describeRun(unsigned));
    assert.match(unsigned.stdout, /NOT verified, development is not signed as promoted/);
    assert.match(unsigned.stderr, /development: .*moves into other environments \(staging\)/);

    // Tampered: the staging envelope's payload changed after signing (another approver written in).
    const attTag = `${build.digest.replace(':', '-')}.att`;
    const manifest = JSON.parse((await getManifest(svc.registryUrl, repo, attTag))!.bytes.toString()) as { layers: { digest: string; size: number }[] };
    const envelope = JSON.parse((await blobBytes(svc.registryUrl, repo, manifest.layers[0]!.digest)).toString()) as { payload: string };
    const forged = Buffer.from(
      JSON.stringify({
        ...envelope,
        payload: Buffer.from(Buffer.from(envelope.payload, 'base64').toString().replace('"user":', '"forged":true,"user":')).toString('base64'),
      }),
    );
    const forgedDigest = await uploadBlob(svc.registryUrl, repo, forged);
    const tampered = { ...manifest, layers: [{ ...manifest.layers[0]!, digest: forgedDigest, size: forged.length }] };
    await putManifest(svc.registryUrl, repo, attTag, Buffer.from(JSON.stringify(tampered)), OCI_MANIFEST);
    const staging = await runCli(['verify', 'staging', '--digest', build.digest, '--key', keys.publicFile], { cwd: dir, env });
    assert.equal(staging.code, 1, describeRun(staging));
    // development is checked first; the staging link itself is now broken too.
    const onlyStaging = workspace(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }]));
    const broken = await runCli(['verify', 'staging', '--key', keys.publicFile], { cwd: onlyStaging, env });
    assert.equal(broken.code, 1, describeRun(broken));
    assert.match(broken.stderr, /staging: .*the signature does not verify with the key/);

    // About another digest: a statement for build A, validly signed, hung on build B's .att.
    const b = await pushImage(svc.registryUrl, repo, 'b2b2b2b');
    const statementForA = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `${svc.registry}/${repo}`, digest: { sha256: build.digest.slice(7) } }],
      predicateType: PREDICATE,
      predicate: {},
    };
    const misplaced = envelopeSignedBy(keys.privateKey, statementForA);
    const layerDigest = await uploadBlob(svc.registryUrl, repo, misplaced);
    const config = Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}');
    const configDigest = await uploadBlob(svc.registryUrl, repo, config);
    await putManifest(
      svc.registryUrl,
      repo,
      `${b.digest.replace(':', '-')}.att`,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest },
          layers: [
            { mediaType: 'application/vnd.dsse.envelope.v1+json', size: misplaced.length, digest: layerDigest, annotations: { predicateType: PREDICATE } },
          ],
        }),
      ),
      OCI_MANIFEST,
    );
    const another = await runCli(['verify', 'staging', '--digest', b.digest, '--key', keys.publicFile], { cwd: onlyStaging, env });
    assert.equal(another.code, 1, describeRun(another));
    assert.match(another.stderr, /staging: .*not about sha256:\w{12}: the statement's subject is not sha256:/);

    // An .att with 1,000 layers, and one whose only attestation is a 10 MiB layer: not read, a clear 1.
    const c = await pushImage(svc.registryUrl, repo, 'c3c3c3c');
    const ofLayers = (layers: unknown[]) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest },
          layers,
        }),
      );
    const thousand = Array.from({ length: 1000 }, () => ({
      mediaType: 'application/vnd.dsse.envelope.v1+json',
      size: misplaced.length,
      digest: layerDigest,
      annotations: { predicateType: PREDICATE },
    }));
    await putManifest(svc.registryUrl, repo, `${c.digest.replace(':', '-')}.att`, ofLayers(thousand), OCI_MANIFEST);
    const many = await runCli(['verify', 'staging', '--digest', c.digest, '--key', keys.publicFile], { cwd: onlyStaging, env });
    assert.equal(many.code, 1, describeRun(many));
    assert.match(many.stderr, /unsigned: .*holds no promotion attestation that could be read \(.*1000 layers, more than the 500 read here\)/);
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x7b);
    const hugeDigest = await uploadBlob(svc.registryUrl, repo, huge);
    await putManifest(
      svc.registryUrl,
      repo,
      `${c.digest.replace(':', '-')}.att`,
      ofLayers([{ mediaType: 'application/vnd.dsse.envelope.v1+json', size: huge.length, digest: hugeDigest, annotations: { predicateType: PREDICATE } }]),
      OCI_MANIFEST,
    );
    const big = await runCli(['verify', 'staging', '--digest', c.digest, '--key', keys.publicFile], { cwd: onlyStaging, env });
    assert.equal(big.code, 1, describeRun(big));
    assert.match(big.stderr, /unsigned: .*could be read \(sha256:\w+: 10485760 bytes, more than 262144\)/);

    // Nothing there at all.
    const none = await runCli(['verify', 'staging', '--digest', `sha256:${'c'.repeat(64)}`, '--key', keys.publicFile], { cwd: onlyStaging, env });
    assert.equal(none.code, 1, describeRun(none));
    assert.match(none.stderr, /unsigned: .*sha256-c{64}\.att does not exist/);
  });

  it('a rollback that moves a tag is signed too', async () => {
    const { repo, build, dir } = await threeEnvironments();
    const newer = await pushImage(svc.registryUrl, repo, 'd4d4d4d');
    for (const b of ['a1b2c3d', 'd4d4d4d'])
      assert.equal((await runCli(['promote', 'development', '--build', b, '--signing-key', keys.privateFile], { cwd: dir, env })).code, 0);
    const back = await runCli(['rollback', 'development', '--signing-key', keys.privateFile], { cwd: dir, env });
    assert.equal(back.code, 0, describeRun(back));
    const checked = await checkedAttestations(svc.registryUrl, repo, build.digest, keys.publicKey);
    assert.deepEqual(
      checked.map((c) => [c.statement.predicate.kind, c.verifies]),
      [
        ['promotion', true],
        ['rollback', true],
      ],
    );
    assert.equal((await checkedAttestations(svc.registryUrl, repo, newer.digest, keys.publicKey)).length, 1);
  });

  it('bad keys: a wrong password, a key that is not P-256, a malformed file: 2, a clear message, nothing moved, no key in the output', async () => {
    const { repo, dir } = await threeEnvironments();
    const cosignKey = path.join(keyDir, 'wrong.key');
    const text = cosignEncryptedKey(keys.privateKey, 'right');
    writeFileSync(cosignKey, text, { mode: 0o600 });
    const wrong = await runCli(['promote', 'development', '--build', 'a1b2c3d', '--signing-key', cosignKey], {
      cwd: dir,
      env: { ...env, COSIGN_PASSWORD: 'wrong' },
    });
    assert.equal(wrong.code, 2, describeRun(wrong));
    assert.match(wrong.stderr, /could not be decrypted: the password is wrong/);
    assert.ok(!wrong.stderr.includes(text.split('\n')[1]!.slice(0, 24)));

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaFile = path.join(keyDir, 'rsa.key');
    writeFileSync(rsaFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const notP256 = await runCli(['promote', 'development', '--build', 'a1b2c3d', '--signing-key', rsaFile], { cwd: dir, env });
    assert.equal(notP256.code, 2, describeRun(notP256));
    assert.match(notP256.stderr, /holds an RSA key; promotion attestations are signed with ECDSA P-256/);

    const pubAsKey = await runCli(['promote', 'development', '--build', 'a1b2c3d'], {
      cwd: dir,
      env: { ...env, IMAGE_PROMOTION_SIGNING_KEY: keys.publicFile },
    });
    assert.equal(pubAsKey.code, 2, describeRun(pubAsKey));
    assert.match(pubAsKey.stderr, /holds a PUBLIC KEY, not a private key/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), undefined, 'nothing moved');

    const rsaPub = path.join(keyDir, 'rsa.pub');
    writeFileSync(rsaPub, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    const verifyRsa = await runCli(['verify', 'development', '--digest', `sha256:${'d'.repeat(64)}`, '--key', rsaPub], { cwd: dir, env });
    assert.equal(verifyRsa.code, 2, describeRun(verifyRsa));
    assert.match(verifyRsa.stderr, /RSA key/);
    const noKey = await runCli(['verify', 'development'], { cwd: dir, env });
    assert.equal(noKey.code, 2, describeRun(noKey));
    assert.match(noKey.stderr, /--key <file>/);
  });

  it('a key file readable by others is warned about; no key configured leaves records unsigned as before', async () => {
    const { dir } = await threeEnvironments();
    const loose = p256KeyFiles(keyDir, 'loose');
    chmodSync(loose.privateFile, 0o644);
    const run = await runCli(['promote', 'development', '--build', 'a1b2c3d', '--signing-key', loose.privateFile], { cwd: dir, env });
    assert.equal(run.code, 0, describeRun(run));
    assert.match(run.stderr, /readable by others \(mode 644\); chmod 600/);
    assert.ok(!run.stderr.includes('PRIVATE KEY'));
    const fresh = await threeEnvironments();
    assert.equal((await runCli(['promote', 'development', '--build', 'a1b2c3d'], { cwd: fresh.dir, env })).code, 0);
    assert.equal(await digestOf(svc.registryUrl, fresh.repo, `${fresh.build.digest.replace(':', '-')}.att`), undefined, 'unsigned: no .att');
  });

  it('the private key and its password are never printed (even --verbose), nor in the history file, the registry record or the attestation', async () => {
    const { repo, build, dir } = await threeEnvironments();
    const cosignKey = path.join(keyDir, 'secret.key');
    const cosignText = cosignEncryptedKey(keys.privateKey, 'correct horse battery');
    writeFileSync(cosignKey, cosignText, { mode: 0o600 });
    const verbose = await runCli(['--verbose', 'promote', 'development', '--build', 'a1b2c3d', '--signing-key', keys.privateFile], { cwd: dir, env });
    assert.equal(verbose.code, 0, describeRun(verbose));
    const json = await runCli(['--verbose', '--json', 'promote', 'staging', '--signing-key', cosignKey], {
      cwd: dir,
      env: { ...env, COSIGN_PASSWORD: 'correct horse battery' },
    });
    assert.equal(json.code, 0, describeRun(json));
    assert.match(verbose.stderr, /signed promotion attestation \S+ added to/, 'the verbose log does speak of the signing');

    // Every form the secret takes: PEM body lines of both files, the private scalar (hex, base64url), the password.
    const jwk = keys.privateKey.export({ format: 'jwk' });
    const secrets = [
      ...readFileSync(keys.privateFile, 'utf8').split('\n').slice(1, -2),
      ...cosignText.split('\n').slice(1, -2),
      jwk.d!,
      Buffer.from(jwk.d!, 'base64url').toString('hex'),
      Buffer.from(jwk.d!, 'base64url').toString('base64'),
      'correct horse battery',
    ].filter((line) => line.length >= 16);
    const hex = build.digest.slice('sha256:'.length);
    const index = JSON.parse((await getManifest(svc.registryUrl, repo, `sha256-${hex}`))!.bytes.toString()) as { manifests: { digest: string }[] };
    const records: string[] = [];
    for (const m of index.manifests) {
      const manifest = JSON.parse((await getManifest(svc.registryUrl, repo, m.digest))!.bytes.toString()) as { layers: { digest: string }[] };
      for (const layer of manifest.layers) records.push((await blobBytes(svc.registryUrl, repo, layer.digest)).toString());
    }
    assert.equal(records.length, 2, 'the two registry records were read');
    const attestations = await checkedAttestations(svc.registryUrl, repo, build.digest, keys.publicKey);
    assert.equal(attestations.filter((a) => a.verifies).length, 2);
    const places: [string, string][] = [
      ['output', verbose.stdout + verbose.stderr + json.stdout + json.stderr],
      ['history file', readFileSync(path.join(dir, '.promotion', 'history.jsonl'), 'utf8')],
      ['registry records', records.join('\n')],
      ['attestations', attestations.map((a) => JSON.stringify(a.envelope) + JSON.stringify(a.statement)).join('\n')],
    ];
    for (const [where, text] of places) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${where} holds key material or the password (${secret.slice(0, 6)}…)`);
      assert.doesNotMatch(text, /PRIVATE KEY/, where);
    }
  });
});
