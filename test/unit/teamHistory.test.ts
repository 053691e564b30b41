// The team's history: file and registry records merged (each attempt once), which digests to read,
// which records belong to this config, a record that disagrees with the tag; the record artifact's
// shape and what a reader refuses; where records go by setting.
import * as assert from 'node:assert/strict';
import { shortDigest } from '../../src/core/reference';
import type { Repository } from '../../src/core/reference';
import { parseRepository } from '../../src/core/reference';
import type { HistoryRecord } from '../../src/history/record';
import { disagreement, mergeRecords, ofEnvironments, recordSubjects, withRegistryRecords } from '../../src/history/teamHistory';
import { PromotionRecords, movedTag, parseRecordsSetting, type RecordsSetting } from '../../src/records/promotionRecords';
import { EMPTY_CONFIG, RECORD_ARTIFACT_TYPE, recordArtifact, recordFromStatement, statementFor, statementLayerOf } from '../../src/records/recordArtifact';
import type { RegistryRecords } from '../../src/records/registryRecords';
import { createHash } from 'node:crypto';

const D = (n: number) => `sha256:${String(n).repeat(64)}`;
const T0 = Date.UTC(2025, 0, 1);
const REPO = 'registry.example.com/app';

function rec(id: string, env: string, digest: string, at: number, extra: Partial<HistoryRecord> = {}): HistoryRecord {
  return {
    v: 1,
    id,
    time: new Date(T0 + at * 60_000 - 1000).toISOString(),
    durationMs: 1000,
    kind: 'promotion',
    who: { user: 'ada' },
    image: REPO,
    source: { label: 'x', repository: REPO },
    target: { environment: env, tag: env, repository: REPO },
    digest,
    previousDigest: null,
    finalDigest: digest,
    transport: 'registry',
    gates: [],
    outcome: 'succeeded',
    message: 'ok',
    ...extra,
  };
}

const logs: string[] = [];
const log = {
  trace: () => undefined,
  debug: () => undefined,
  info: (m: string) => void logs.push(`info ${m}`),
  warn: (m: string) => void logs.push(`warn ${m}`),
  error: (m: string | Error) => void logs.push(`error ${String(m)}`),
};
const repo: Repository = parseRepository(REPO);
const staging = { name: 'staging', tag: 'staging', repository: repo };
const development = { name: 'development', tag: 'development', repository: repo };

describe('team history: file and registry records', () => {
  beforeEach(() => logs.splice(0));

  it('counts an attempt in the file and in the registry once, and adds the registry’s others oldest first', () => {
    const a = rec('a', 'staging', D(1), 1);
    const b = rec('b', 'staging', D(2), 5);
    const c = rec('c', 'development', D(2), 3);
    const merged = mergeRecords([a], [b, { ...a, message: 'the registry copy' }, c]);
    assert.deepEqual(
      merged.map((r) => r.id),
      ['a', 'c', 'b'],
    );
    assert.equal(merged[0]!.message, 'ok', 'the file’s copy is kept');
    assert.deepEqual(
      mergeRecords([], [b, b]).map((r) => r.id),
      ['b'],
      'listed twice in the registry (two indexes): once',
    );
  });

  it('reads records for what each environment holds now and the last few it held, each digest once', () => {
    const history = [
      rec('1', 'staging', D(1), 1),
      rec('2', 'staging', D(2), 2),
      rec('3', 'staging', D(3), 3),
      rec('4', 'development', D(3), 1),
      rec('5', 'staging', D(4), 4, { outcome: 'blocked' }),
    ];
    const subjects = recordSubjects(
      [
        { env: development, digest: D(3) },
        { env: staging, digest: D(3) },
      ],
      history,
      1,
    );
    assert.deepEqual(
      subjects.map((s) => s.digest),
      [D(3), D(2)],
      'D3 once (both hold it), and staging’s one earlier landed digest; the blocked D4 never landed',
    );
    assert.deepEqual(recordSubjects([{ env: staging, digest: null }, { env: development }], []), [], 'empty and unknown environments: nothing to read');
  });

  it('keeps only records about these environments: name, tag and repository', () => {
    const accept = ofEnvironments([staging]);
    assert.equal(accept(rec('1', 'staging', D(1), 1)), true);
    assert.equal(
      accept(rec('2', 'staging', D(1), 1, { target: { environment: 'staging', tag: 'stage', repository: REPO } })),
      false,
      'another project’s staging on another tag',
    );
    assert.equal(accept(rec('3', 'production', D(1), 1)), false);
  });

  it('a record disagrees with the tag when the last move it recorded left another digest there', () => {
    const history = [
      rec('1', 'staging', D(2), 1),
      rec('2', 'staging', D(1), 2, { previousDigest: D(2) }),
      rec('3', 'staging', D(3), 3, { outcome: 'failed', finalDigest: D(1) }),
    ];
    assert.equal(disagreement(history, 'staging', D(1)), undefined, 'the tag holds what the last move left (a failed attempt moved nothing)');
    assert.equal(disagreement(history, 'staging', D(2)), D(1), 'D2 came by promotion once, but the last record says D1');
    assert.equal(disagreement(history, 'staging', null), undefined, 'empty is not drift');
    assert.equal(disagreement(history, 'production', D(9)), undefined, 'no record says anything');
  });

  it('merges what the registry has; a digest that cannot be read leaves the rest and is logged', async () => {
    const file = { records: [rec('a', 'staging', D(1), 1)], problems: [] };
    const other = rec('x', 'staging', D(2), 2, { target: { environment: 'staging', tag: 'other', repository: REPO } });
    const merged = await withRegistryRecords(
      file,
      [
        { repository: repo, digest: D(1) },
        { repository: repo, digest: D(2) },
      ],
      {
        log,
        accept: ofEnvironments([staging]),
        read: async (_r, digest) => {
          if (digest === D(2)) throw new Error('503 Service Unavailable');
          return { records: [rec('a', 'staging', D(1), 1), rec('b', 'staging', D(1), 3), other], skipped: [] };
        },
      },
    );
    assert.deepEqual(
      merged?.records.map((r) => r.id),
      ['a', 'b'],
    );
    assert.match(logs.join('\n'), /warn the promotion records on registry\.example\.com\/app@sha256:2{64} could not be read: 503/);
  });
});

describe('record artifact', () => {
  const record = rec('id-1', 'staging', D(1), 1);
  const subject = { name: REPO, digest: D(1), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1234 };

  it('is an OCI image manifest with subject, artifactType, the empty config and an in-toto Statement layer', () => {
    const artifact = recordArtifact(record, subject);
    const manifest = JSON.parse(artifact.manifest.bytes.toString('utf8'));
    assert.equal(manifest.artifactType, RECORD_ARTIFACT_TYPE);
    assert.deepEqual(manifest.subject, { mediaType: subject.mediaType, digest: D(1), size: 1234 });
    assert.deepEqual(manifest.config, EMPTY_CONFIG);
    assert.equal(EMPTY_CONFIG.digest, `sha256:${createHash('sha256').update('{}').digest('hex')}`);
    assert.equal(artifact.manifest.digest, `sha256:${createHash('sha256').update(artifact.manifest.bytes).digest('hex')}`);
    assert.deepEqual(artifact.descriptor.annotations, {
      'org.opencontainers.image.created': record.time,
      'dev.image-promotion.record.id': 'id-1',
      'dev.image-promotion.environment': 'staging',
    });
    const layer = statementLayerOf(artifact.manifest.bytes, D(1));
    assert.ok(layer.layer);
    const statement = artifact.blobs.find((b) => b.digest === layer.layer!.digest)!.bytes;
    assert.deepEqual(recordFromStatement(statement, D(1)), { record });
  });

  it('is not believed about another digest, nor when it is not a record', () => {
    const artifact = recordArtifact(record, subject);
    assert.match(statementLayerOf(artifact.manifest.bytes, D(2)).reason ?? '', /subject is "sha256:1+", not sha256:2+/);
    // A statement attached to D2 whose record speaks of D1 (copied across): refused.
    const copied = statementFor(record, REPO, D(2));
    assert.match(recordFromStatement(copied, D(2)).reason ?? '', /the record is about sha256:1+, not sha256:2+/);
    assert.match(
      recordFromStatement(Buffer.from('{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1"}'), D(1)).reason ?? '',
      /predicateType .* is not a promotion record/,
    );
    const bad = statementFor({ ...record, outcome: 'maybe' as never }, REPO, D(1));
    assert.match(recordFromStatement(bad, D(1)).reason ?? '', /outcome is "maybe"/);
  });
});

describe('where records go', () => {
  const record = rec('r', 'staging', D(1), 1, { previousDigest: D(2) });

  it('moved a tag: a landed digest that was not there already', () => {
    assert.equal(movedTag(record), true);
    assert.equal(movedTag({ ...record, previousDigest: D(1) }), false, 'already there: nothing moved');
    assert.equal(movedTag({ ...record, outcome: 'blocked', finalDigest: D(2) }), false);
    assert.equal(movedTag({ ...record, outcome: 'failed', finalDigest: D(1) }), true, 'the push completed before the failure');
    assert.equal(parseRecordsSetting('registry'), 'registry');
    assert.equal(parseRecordsSetting('anything'), 'both');
  });

  function recordsWith(setting: RecordsSetting, write: RegistryRecords['write']) {
    const warnings: string[] = [];
    const calls: string[] = [];
    const written: HistoryRecord[] = [];
    const registry = {
      write: async (...args: Parameters<RegistryRecords['write']>) => (calls.push(args[1]), written.push(args[2]), write(...args)),
    } as unknown as RegistryRecords;
    return { records: new PromotionRecords({ registry, setting: () => setting, log, warn: (m) => warnings.push(m) }), warnings, calls, written };
  }

  it('writes nothing to the registry with "file", or for an attempt that moved nothing', async () => {
    const file = recordsWith('file', async () => 'fallback-tag');
    assert.equal((await file.records.write({ status: 'succeeded' }, record)).state, 'skipped');
    const noop = recordsWith('both', async () => 'fallback-tag');
    assert.equal((await noop.records.write({ status: 'blocked' }, { ...record, outcome: 'blocked' })).state, 'skipped');
    assert.deepEqual([...file.calls, ...noop.calls], []);
  });

  it('sends the registry every field but the gates’ output lines', async () => {
    const gated = {
      ...record,
      gates: [{ name: 'smoke', type: 'command', status: 'passed' as const, reason: 'exit 0', durationMs: 5, details: ['TOKEN=s3cr3t'] }],
    };
    const sent = recordsWith('both', async () => 'referrers-api');
    assert.deepEqual(await sent.records.write({ status: 'succeeded' }, gated), {
      state: 'written',
      path: 'referrers-api',
      where: `${gated.target.repository}@${shortDigest(gated.digest!)}`,
    });
    assert.deepEqual(sent.written, [{ ...gated, gates: [{ name: 'smoke', type: 'command', status: 'passed', reason: 'exit 0', durationMs: 5 }] }]);
    assert.doesNotMatch(JSON.stringify(sent.written), /s3cr3t/);
  });

  it('a refused record is reported, never thrown, and says where the record still is', async () => {
    const refused = recordsWith('registry', async () => {
      throw new Error('405 Method Not Allowed');
    });
    assert.deepEqual(await refused.records.write({ status: 'succeeded' }, record), { state: 'missing', reason: '405 Method Not Allowed' });
    assert.equal(refused.warnings.length, 1);
    assert.match(
      refused.warnings[0]!,
      /record is missing from the registry \(registry\.example\.com\/app\): 405 Method Not Allowed\. It is recorded nowhere \(imagePromotion\.records is "registry"\)/,
    );
  });
});
