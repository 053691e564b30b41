import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordFromOutcome } from '../../src/history/record';
import { readRememberedRecords, writeRememberedRecords } from '../../src/records/refreshRecordsFile';

const digest = `sha256:${'a'.repeat(64)}`;
const artifact = `sha256:${'b'.repeat(64)}`;
const repository = { registry: 'registry.example:5000', path: 'team/app' };
const record = recordFromOutcome(
  { status: 'succeeded', message: 'promoted', digest, previousDigest: null, finalDigest: digest, gates: [], durationMs: 5, transport: 'registry' },
  {
    source: { label: 'build', repository: 'registry.example:5000/team/app' },
    target: { environment: 'staging', tag: 'staging', repository: 'registry.example:5000/team/app' },
  },
  { name: 'Ada', email: 'ada@example.com', user: 'ada' },
  1_700_000_000_000,
);

describe('the remembered records file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imgpromo-remembered-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives back what was written', async () => {
    const file = join(dir, 'refresh-records.json');
    await writeRememberedRecords(file, { subjects: [['staging', [{ repository, digest }]]], artifacts: [[artifact, record]] });
    assert.deepEqual(await readRememberedRecords(file, 1 << 20), { subjects: [['staging', [{ repository, digest }]]], artifacts: [[artifact, record]] });
  });

  it('is empty when missing, corrupt, too large or of another version, and skips an entry that is not a valid record or subject', async () => {
    const file = join(dir, 'refresh-records.json');
    const empty = { subjects: [], artifacts: [] };
    assert.deepEqual(await readRememberedRecords(file, 1 << 20), empty);
    writeFileSync(file, '{"version":1,"subj');
    assert.deepEqual(await readRememberedRecords(file, 1 << 20), empty);
    await writeRememberedRecords(file, { subjects: [['staging', [{ repository, digest }]]], artifacts: [[artifact, record]] });
    assert.deepEqual(await readRememberedRecords(file, 10), empty);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version":1', '"version":2'));
    assert.deepEqual(await readRememberedRecords(file, 1 << 20), empty);
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        subjects: [
          ['staging', [{ repository, digest: 'sha256:short' }]],
          ['dev', [{ repository, digest }]],
        ],
        artifacts: [
          [artifact, { ...record, outcome: 'maybe' }],
          ['not-a-digest', record],
          [`sha256:${'c'.repeat(64)}`, record],
        ],
      }),
    );
    assert.deepEqual(await readRememberedRecords(file, 1 << 20), {
      subjects: [['dev', [{ repository, digest }]]],
      artifacts: [[`sha256:${'c'.repeat(64)}`, record]],
    });
  });
});
