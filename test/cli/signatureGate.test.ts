// `type: signature` gates end to end: the test writes cosign's layouts into the harness's real registry
// itself, signing with Node's crypto following cosign's SIGNATURE_SPEC (simple signing, ECDSA P-256 over
// the payload) and the DSSE spec (attestations); then the built CLI's check and promote pass with the
// right key and are blocked, with nothing moved (read back over HTTP), by everything else.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, pushImage, putManifest, sharedServices, uniqueRepo, uploadBlob, type TestServices } from '../harness';
import { cliEnv, describeRun, runCli, workspace } from './support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const DSSE = 'application/vnd.dsse.envelope.v1+json';
const SLSA = 'https://slsa.dev/provenance/v1';

interface Layer {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly annotations: Record<string, string>;
  /** The size the descriptor claims (default: the real one). */
  readonly size?: number;
}

/** cosign's simple-signing payload naming `digest`, and its layer signed with `key` (SIGNATURE_SPEC). */
function cosignSignature(key: KeyObject, reference: string, digest: string, tamper = false): Layer {
  const payload = Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: null,
    }),
  );
  const signature = sign('sha256', payload, key).toString('base64');
  const bytes = tamper ? Buffer.from(payload.toString().replace('cosign container image signature', 'cosign container image signaturE')) : payload;
  return { bytes, mediaType: SIMPLE_SIGNING, annotations: { 'dev.cosignproject.cosign/signature': signature } };
}

/** A DSSE envelope of an in-toto Statement about `digest`, signed with `key` over the PAE. */
function attestation(key: KeyObject, digest: string, predicateType: string, predicate: unknown): Layer {
  const type = 'application/vnd.in-toto+json';
  const body = Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'app', digest: { sha256: digest.slice(7) } }], predicateType, predicate }),
  );
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]);
  const bytes = Buffer.from(
    JSON.stringify({ payloadType: type, payload: body.toString('base64'), signatures: [{ keyid: '', sig: sign('sha256', pae, key).toString('base64') }] }),
  );
  return { bytes, mediaType: DSSE, annotations: { predicateType } };
}

const slsa = (critical: number) => ({
  buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1', externalParameters: { workflow: { ref: 'refs/heads/main' } } },
  runDetails: { builder: { id: 'https://github.com/actions/runner' } },
  scan: { critical },
});

describe('image-promotion: signature gates', function () {
  this.timeout(240_000);
  let svc: TestServices;
  let env: NodeJS.ProcessEnv;
  const signer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  before(async () => {
    svc = await sharedServices();
    env = cliEnv(svc);
  });

  async function writeTag(repo: string, tag: string, layers: readonly Layer[]): Promise<void> {
    const config = Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}');
    const configDigest = await uploadBlob(svc.registryUrl, repo, config);
    const descriptors = [];
    for (const l of layers)
      descriptors.push({
        mediaType: l.mediaType,
        size: l.size ?? l.bytes.length,
        digest: await uploadBlob(svc.registryUrl, repo, l.bytes),
        annotations: l.annotations,
      });
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest },
      layers: descriptors,
    };
    await putManifest(svc.registryUrl, repo, tag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
  }

  /** A build and a workspace whose first environment has the signature gate `gate` (flow YAML). */
  async function setup(gate: string) {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a1b2c3d');
    const dir = workspace(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev', gates: [gate] }, { name: 'staging' }]));
    writeFileSync(path.join(dir, 'cosign.pub'), signer.publicKey.export({ type: 'spki', format: 'pem' }));
    const sig = (layers: readonly Layer[]) => writeTag(repo, `${build.digest.replace(':', '-')}.sig`, layers);
    const att = (layers: readonly Layer[]) => writeTag(repo, `${build.digest.replace(':', '-')}.att`, layers);
    return { repo, build, dir, sig, att, reference: `${svc.registry}/${repo}` };
  }

  async function blocked(dir: string, repo: string, reason: RegExp): Promise<void> {
    const check = await runCli(['check', 'development', '--build', 'a1b2c3d'], { cwd: dir, env });
    assert.equal(check.code, 1, describeRun(check));
    assert.match(check.stdout + check.stderr, reason);
    const promote = await runCli(['promote', 'development', '--build', 'a1b2c3d', '--yes'], { cwd: dir, env });
    assert.equal(promote.code, 1, describeRun(promote));
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), undefined, 'nothing moved');
  }

  it('a cosign signature by the key passes check and promote, naming the key and the signature', async () => {
    const s = await setup('{ type: signature, keys: [cosign.pub] }');
    await s.sig([cosignSignature(stranger.privateKey, s.reference, s.build.digest), cosignSignature(signer.privateKey, s.reference, s.build.digest)]);
    const check = await runCli(['check', 'development', '--build', 'a1b2c3d'], { cwd: s.dir, env });
    assert.equal(check.code, 0, describeRun(check));
    assert.match(check.stdout, /✓ signature: signature sha256:[0-9a-f]{12} of sha256:[0-9a-f]{12} verifies with cosign\.pub/);
    const promote = await runCli(['promote', 'development', '--build', 'a1b2c3d', '--yes'], { cwd: s.dir, env });
    assert.equal(promote.code, 0, describeRun(promote));
    assert.equal(await digestOf(svc.registryUrl, s.repo, 'dev'), s.build.digest);
  });

  it('blocked: no .sig, another key, a tampered payload, a signature naming another digest', async () => {
    const none = await setup('{ type: signature, keys: [cosign.pub] }');
    await blocked(none.dir, none.repo, /no sha256-\w{64}\.sig tag; no sha256-\w{64}\.att tag/);

    const other = await setup('{ type: signature, keys: [cosign.pub] }');
    await other.sig([cosignSignature(stranger.privateKey, other.reference, other.build.digest)]);
    await blocked(other.dir, other.repo, /signature sha256:[0-9a-f]{12}: signed by another key/);

    const tampered = await setup('{ type: signature, keys: [cosign.pub] }');
    await tampered.sig([cosignSignature(signer.privateKey, tampered.reference, tampered.build.digest, true)]);
    await blocked(tampered.dir, tampered.repo, /signed by another key \(or changed after signing\)/);

    const elsewhere = await setup('{ type: signature, keys: [cosign.pub] }');
    await elsewhere.sig([cosignSignature(signer.privateKey, elsewhere.reference, `sha256:${'e'.repeat(64)}`)]);
    await blocked(elsewhere.dir, elsewhere.repo, /by cosign\.pub: names another digest \(sha256:eeeeeeeeeeee/);
  });

  it('attestations: the predicate type and conditions decide; an inline key works', async () => {
    const inline = JSON.stringify(signer.publicKey.export({ type: 'spki', format: 'pem' }));
    const gate = `{ type: signature, keys: [${inline}], predicateType: "${SLSA}", conditions: [{ path: "$.runDetails.builder.id", matches: "^https://github.com/" }, { path: "$.scan.critical", atMost: 0 }] }`;
    const good = await setup(gate);
    await good.att([
      attestation(signer.privateKey, good.build.digest, 'https://example.com/other/v1', {}),
      attestation(signer.privateKey, good.build.digest, SLSA, slsa(0)),
    ]);
    const check = await runCli(['check', 'development', '--build', 'a1b2c3d'], { cwd: good.dir, env });
    assert.equal(check.code, 0, describeRun(check));
    assert.match(
      check.stdout,
      /✓ attestation https:\/\/slsa\.dev\/provenance\/v1: attestation 1 \(https:\/\/slsa\.dev\/provenance\/v1\) of sha256:[0-9a-f]{12} verifies with keys\[0\] \(inline\)/,
    );

    const wrongType = await setup(gate);
    await wrongType.att([attestation(signer.privateKey, wrongType.build.digest, 'https://example.com/other/v1', slsa(0))]);
    await blocked(wrongType.dir, wrongType.repo, /predicate type https:\/\/example\.com\/other\/v1 differs from https:\/\/slsa\.dev\/provenance\/v1/);

    const failing = await setup(gate);
    await failing.att([attestation(signer.privateKey, failing.build.digest, SLSA, slsa(3))]);
    await blocked(failing.dir, failing.repo, /condition \$\.scan\.critical atMost 0 failed \(it is 3\)/);

    // A signature does not satisfy a gate that asks for a predicate.
    const onlySig = await setup(gate);
    await onlySig.sig([cosignSignature(signer.privateKey, onlySig.reference, onlySig.build.digest)]);
    await blocked(onlySig.dir, onlySig.repo, /no sha256-\w{64}\.att tag/);
  });

  it('hostile layouts are not read: a 1,000-layer .sig, a 10 MiB layer; a key file that is not P-256 blocks', async () => {
    const many = await setup('{ type: signature, keys: [cosign.pub] }');
    const one = cosignSignature(signer.privateKey, many.reference, many.build.digest);
    await many.sig(Array.from({ length: 1000 }, () => one));
    await blocked(many.dir, many.repo, /1000 layers, more than the 500 read here/);

    const huge = await setup('{ type: signature, keys: [cosign.pub] }');
    await huge.sig([{ bytes: Buffer.alloc(10 * 1024 * 1024, 0x7b), mediaType: SIMPLE_SIGNING, annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } }]);
    await blocked(huge.dir, huge.repo, /10485760 bytes, more than 262144/);
    // The same blob under a descriptor that lies about its size: the read stops at the cap.
    await huge.sig([
      { bytes: Buffer.alloc(10 * 1024 * 1024, 0x7b), size: 100, mediaType: SIMPLE_SIGNING, annotations: { 'dev.cosignproject.cosign/signature': 'AAAA' } },
    ]);
    await blocked(huge.dir, huge.repo, /more than 262144 bytes/);

    const rsa = await setup('{ type: signature, keys: [rsa.pub] }');
    writeFileSync(path.join(rsa.dir, 'rsa.pub'), generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
    await rsa.sig([cosignSignature(signer.privateKey, rsa.reference, rsa.build.digest)]);
    await blocked(rsa.dir, rsa.repo, /could not be made: .*rsa\.pub holds an RSA key/);
  });
});
