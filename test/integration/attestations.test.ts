// Signed promotion attestations in cosign's `.att` layout against the harness's real Distribution 2.8:
// added beside attestations already there, kept when another writer races, bounded when the tag holds
// far too much. Checked over plain HTTP with Node's crypto (test/evidence/independentCheck.ts).
import * as assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { silentLogger } from '../../src/core/log';
import { anonymous } from '../../src/credentials/credentials';
import { verifyingKey, type SigningKey } from '../../src/evidence/keys';
import { PromotionAttestations, signedRecord } from '../../src/evidence/promotionAttestations';
import { RegistryAttestations } from '../../src/evidence/registryAttestations';
import { recordFromOutcome, type HistoryRecord } from '../../src/history/record';
import { RECORD_PREDICATE_TYPE } from '../../src/records/recordArtifact';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import type { RegistryClient } from '../../src/registry/registryClient';
import { digestOf, getManifest, listTags, makeTempDir, pushImage, putManifest, sharedServices, uniqueRepo, uploadBlob, type TestServices } from '../harness';
import { attManifest, checkedAttestations } from '../evidence/independentCheck';
import { HistoryService } from '../../src/app/historyService';
import { runPromotion } from '../../src/app/runPromotion';
import { PromotionRecords } from '../../src/records/promotionRecords';
import { RegistryRecords } from '../../src/records/registryRecords';
import { SharedDocuments } from '../../src/records/sharedDocuments';
import { promotionYaml } from '../fixtures/promotionYaml';
import { countingRegistry } from './countingRegistry';
import { p256KeyFiles } from '../evidence/keyFiles';
import { config as parseConfig, env, environmentFor, makeCore, MemoryLog, ScriptedPrompts } from './support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DSSE = 'application/vnd.dsse.envelope.v1+json';

function client(): HttpRegistryClient {
  return new HttpRegistryClient({ credentials: anonymous, log: silentLogger, timeoutMs: () => 10_000 });
}

function signer(): { key: SigningKey; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    key: {
      keyId: verifyingKey(publicKey).keyId,
      sign: (data) => sign('sha256', data, privateKey),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    publicKey,
  };
}

function recordOf(repository: string, environment: string, digest: string): HistoryRecord {
  return recordFromOutcome(
    {
      status: 'succeeded',
      message: `promoted to ${environment}`,
      digest,
      previousDigest: null,
      finalDigest: digest,
      gates: [{ name: 'smoke', type: 'command', status: 'passed', reason: 'exit 0', durationMs: 5, details: ['TOKEN=secret-looking output'] }],
      durationMs: 800,
      transport: 'registry',
    },
    { source: { label: 'development', environment: 'development', repository }, target: { environment, tag: environment, repository } },
    { name: 'Ada Tester', email: 'ada@example.com', user: 'ada' },
    Date.now(),
  );
}

/** Another tool's attestation (a cosign SLSA provenance, say): an `.att` manifest with one layer. */
async function pushForeignAttestation(registryUrl: string, repo: string, digest: string): Promise<{ digest: string; size: number }> {
  const envelope = Buffer.from(
    JSON.stringify({
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from('{"predicateType":"https://slsa.dev/provenance/v1"}').toString('base64'),
      signatures: [{ keyid: '', sig: 'MEUCIQ==' }],
    }),
  );
  const layerDigest = await uploadBlob(registryUrl, repo, envelope);
  const config = Buffer.from('{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}');
  const configDigest = await uploadBlob(registryUrl, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest },
      layers: [{ mediaType: DSSE, size: envelope.length, digest: layerDigest, annotations: { predicateType: 'https://slsa.dev/provenance/v1' } }],
    }),
  );
  await putManifest(registryUrl, repo, `${digest.replace(':', '-')}.att`, manifest, OCI_MANIFEST);
  return { digest: layerDigest, size: envelope.length };
}

describe('signed promotion attestations in the registry', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  it('adds a signed DSSE layer to sha256-<hex>.att beside the attestations already there; Node crypto verifies it; reads them back side by side', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a7e5700');
    const foreign = await pushForeignAttestation(svc.registryUrl, repo, build.digest);
    const { key, publicKey } = signer();
    const log = new MemoryLog();
    const warnings: string[] = [];
    const attestations = new PromotionAttestations({
      registry: new RegistryAttestations({ registry: client(), log }),
      keyFile: () => undefined,
      password: () => undefined,
      log,
      warn: (m) => warnings.push(m),
    });
    const record = recordOf(`${svc.registry}/${repo}`, 'staging', build.digest);
    assert.deepEqual(await attestations.write(key, record), { state: 'written' });
    assert.equal(warnings.length, 0, warnings.join('\n'));

    const manifest = (await attManifest(svc.registryUrl, repo, build.digest))!;
    assert.equal(manifest.mediaType, OCI_MANIFEST);
    assert.equal(manifest.layers.length, 2);
    assert.deepEqual(
      manifest.layers[0],
      { mediaType: DSSE, size: foreign.size, digest: foreign.digest, annotations: { predicateType: 'https://slsa.dev/provenance/v1' } },
      'the other attestation is kept first, as it was',
    );
    assert.equal(manifest.layers[1]!.annotations?.predicateType, RECORD_PREDICATE_TYPE);

    const checked = await checkedAttestations(svc.registryUrl, repo, build.digest, publicKey);
    const ours = checked.find((c) => c.statement.predicateType === RECORD_PREDICATE_TYPE)!;
    assert.ok(ours.verifies, 'the signature verifies over the DSSE pre-authentication encoding');
    assert.equal(ours.envelope.payloadType, 'application/vnd.in-toto+json');
    assert.equal(ours.statement._type, 'https://in-toto.io/Statement/v1');
    assert.deepEqual(ours.statement.subject, [{ name: `${svc.registry}/${repo}`, digest: { sha256: build.digest.slice(7) } }]);
    assert.equal(ours.statement.predicate.id, record.id);
    assert.equal(ours.statement.predicate.target.environment, 'staging');
    assert.ok(!JSON.stringify(ours.statement).includes('secret-looking'), "gates' output lines stay out, as in unsigned records");
    assert.ok(!checked.find((c) => c.statement.predicateType !== RECORD_PREDICATE_TYPE)!.verifies, "the foreign one is not our key's");
    assert.equal(
      ours.envelope.signatures[0]!.keyid,
      createHash('sha256')
        .update(publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
    );
    assert.deepEqual((await listTags(svc.registryUrl, repo)).sort(), ['a7e5700', `${build.digest.replace(':', '-')}.att`].sort());

    // A second promotion of the same digest (into production) is added too, nothing replaced.
    await attestations.write(key, recordOf(`${svc.registry}/${repo}`, 'production', build.digest));
    const again = await checkedAttestations(svc.registryUrl, repo, build.digest, publicKey);
    assert.deepEqual(
      again.map((c) => [c.statement.predicate?.target?.environment ?? c.statement.predicateType, c.verifies]),
      [
        ['https://slsa.dev/provenance/v1', false],
        ['staging', true],
        ['production', true],
      ],
    );

    // Read back by the code a row, verify and the gates use: the .att manifest, then its envelopes side by side.
    const counting = countingRegistry(client());
    const read = await new RegistryAttestations({ registry: counting.registry, log }).read(
      { registry: svc.registry, path: repo },
      build.digest,
      RECORD_PREDICATE_TYPE,
    );
    assert.equal(read.envelopes.length, 2);
    assert.equal(counting.roundTrips(), 2, counting.calls.join('\n'));
  });

  it('another writer replacing the .att tag between our read and our PUT: our layer is added again, theirs kept', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'beef123');
    const tag = `${build.digest.replace(':', '-')}.att`;
    const real = client();
    let raced = false;
    const racing: RegistryClient = Object.assign(Object.create(real) as RegistryClient, {
      writeManifest: async (...args: Parameters<RegistryClient['writeManifest']>) => {
        const written = await real.writeManifest(...args);
        if (args[1] === tag && !raced) {
          raced = true;
          await pushForeignAttestation(svc.registryUrl, repo, build.digest); // their PUT, from a read before ours
        }
        return written;
      },
    });
    const log = new MemoryLog();
    const { key, publicKey } = signer();
    const store = new RegistryAttestations({ registry: racing, log, pauseMs: () => 5 });
    await store.add(
      { registry: svc.registry, path: repo },
      build.digest,
      signedRecord(recordOf(`${svc.registry}/${repo}`, 'staging', build.digest), key),
      RECORD_PREDICATE_TYPE,
    );
    assert.ok(raced);
    assert.match(log.lines.join('\n'), /went missing .* adding it again \(1\/5\)/);
    const checked = await checkedAttestations(svc.registryUrl, repo, build.digest, publicKey);
    assert.deepEqual(
      checked.map((c) => c.verifies),
      [false, true],
      'theirs first, ours added after it',
    );
  });

  it('an .att with 1,000 layers or a 10 MiB layer: read within caps, never overwritten, and the promotion only warned', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'f00d123');
    const many = await pushImage(svc.registryUrl, repo, 'f00d456');
    const { key } = signer();
    // 1,000 layers all pointing at one small blob, each annotated as ours.
    const small = Buffer.from('{}');
    const smallDigest = await uploadBlob(svc.registryUrl, repo, small);
    const configDigest = await uploadBlob(svc.registryUrl, repo, Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}'));
    const layer = { mediaType: DSSE, size: small.length, digest: smallDigest, annotations: { predicateType: RECORD_PREDICATE_TYPE } };
    const manyBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 41, digest: configDigest },
        layers: Array.from({ length: 1000 }, () => layer),
      }),
    );
    const manyTag = `${many.digest.replace(':', '-')}.att`;
    const before = await putManifest(svc.registryUrl, repo, manyTag, manyBytes, OCI_MANIFEST);
    const store = new RegistryAttestations({ registry: client(), log: new MemoryLog() });
    const read = await store.read({ registry: svc.registry, path: repo }, many.digest, RECORD_PREDICATE_TYPE);
    assert.equal(read.envelopes.length, 0);
    assert.match(read.skipped.join(), /1000 layers, more than the 500 read here/);
    const warnings: string[] = [];
    const attestations = new PromotionAttestations({
      registry: store,
      keyFile: () => undefined,
      password: () => undefined,
      log: new MemoryLog(),
      warn: (m) => warnings.push(m),
    });
    const result = await attestations.write(key, recordOf(`${svc.registry}/${repo}`, 'staging', many.digest));
    assert.equal(result.state, 'missing');
    assert.match(warnings[0]!, /succeeded, but its signed attestation is missing .* left alone/);
    assert.equal(await digestOf(svc.registryUrl, repo, manyTag), before, 'never overwritten');

    // A 10 MiB layer annotated as ours: passed over by its size, never fetched whole.
    const big = Buffer.alloc(10 * 1024 * 1024, 0x41);
    const bigDigest = await uploadBlob(svc.registryUrl, repo, big);
    const bigBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 41, digest: configDigest },
        layers: [{ mediaType: DSSE, size: big.length, digest: bigDigest, annotations: { predicateType: RECORD_PREDICATE_TYPE } }],
      }),
    );
    await putManifest(svc.registryUrl, repo, `${build.digest.replace(':', '-')}.att`, bigBytes, OCI_MANIFEST);
    const bigRead = await store.read({ registry: svc.registry, path: repo }, build.digest, RECORD_PREDICATE_TYPE);
    assert.equal(bigRead.envelopes.length, 0);
    assert.match(bigRead.skipped.join(), /10485760 bytes, more than 262144/);
    // A descriptor that understates the blob: the stream is cut at the cap.
    const lying = new RegistryAttestations({ registry: client(), log: new MemoryLog(), maxEnvelopeBytes: 1024 });
    const liar = Buffer.from(
      JSON.stringify({
        ...JSON.parse(bigBytes.toString()),
        layers: [{ mediaType: DSSE, size: 100, digest: bigDigest, annotations: { predicateType: RECORD_PREDICATE_TYPE } }],
      }),
    );
    await putManifest(svc.registryUrl, repo, `${build.digest.replace(':', '-')}.att`, liar, OCI_MANIFEST);
    const liarRead = await lying.read({ registry: svc.registry, path: repo }, build.digest, RECORD_PREDICATE_TYPE);
    assert.equal(liarRead.envelopes.length, 0);
    assert.match(liarRead.skipped.join(), /more than 1024 bytes/);
    assert.ok((await getManifest(svc.registryUrl, repo, 'f00d123'))!.digest === build.digest);
  });
});

describe('signing a promotion: the attestation is written beside the record', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  /** Every registry call's start and end, in order (one client under the records, the attestations and the move). */
  function eventLog(inner: RegistryClient): { registry: RegistryClient; events: string[] } {
    const events: string[] = [];
    const registry = new Proxy(inner, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const what = `${String(name)} ${typeof args[1] === 'string' ? args[1] : ''}`.trim();
          events.push(`start ${what}`);
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            events.push(`end ${what}`);
          }
        };
      },
    });
    return { registry, events };
  }

  it('runPromotion: the .att is read while the envelope uploads, and both go out while the record is still being written', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a7e5702');
    const dir = makeTempDir('attestation-side-by-side');
    const keys = p256KeyFiles(dir, 'promotion');
    const log = new MemoryLog();
    const warnings: string[] = [];
    const core = makeCore(svc);
    const { registry, events } = eventLog(core.services.registry);
    const app = {
      log,
      promotion: { ...core.services, registry },
      history: new HistoryService({ historyFile: () => undefined, records: () => 'both', log, warn: (m) => warnings.push(m) }),
      records: new PromotionRecords({ registry: new RegistryRecords({ registry, log }), setting: () => 'both', log, warn: (m) => warnings.push(m) }),
      documents: new SharedDocuments({ registry, log }),
      attestations: new PromotionAttestations({
        registry: new RegistryAttestations({ registry, log }),
        keyFile: () => keys.privateFile,
        password: () => undefined,
        log,
        warn: (m) => warnings.push(m),
      }),
    };
    const cfg = parseConfig(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }]));
    const { outcome, registryRecords } = await runPromotion(
      app,
      { config: cfg, source: { kind: 'build', tag: 'a7e5702', digest: build.digest }, target: env(cfg, 'development') },
      { ...environmentFor(new ScriptedPrompts()), workspaceDir: dir },
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    await registryRecords; // the record and the attestation follow "done"
    assert.deepEqual(warnings, []);
    const hex = build.digest.slice('sha256:'.length);
    const index = `sha256-${hex}`;
    const att = `sha256-${hex}.att`;
    const at = (event: string): number => {
      const i = events.indexOf(event);
      assert.ok(i >= 0, `${event} in\n${events.join('\n')}`);
      return i;
    };
    const checked = await checkedAttestations(svc.registryUrl, repo, build.digest, keys.publicKey);
    assert.equal(checked.filter((c) => c.verifies).length, 1, 'one attestation, verifying with the key');
    const envelope = checked[0]!.layer.digest;
    const firstAttestationCall = events.findIndex((e) => e.includes(att) || e === `start uploadBlob ${envelope}`);
    assert.ok(
      firstAttestationCall < at(`end writeManifest ${index}`),
      `the attestation's first request (${events[firstAttestationCall]}) goes out before the record's index is written:\n${events.join('\n')}`,
    );
    assert.ok(at(`start getManifest ${att}`) < at(`end uploadBlob ${envelope}`), `the .att is read while the envelope uploads:\n${events.join('\n')}`);
    assert.ok(!events.includes(`start blobExists ${envelope}`), 'a fresh envelope is uploaded without asking first');
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), build.digest);
  });
});
