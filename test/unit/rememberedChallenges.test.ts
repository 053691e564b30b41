import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RememberedChallenges } from '../../src/registry/transport/rememberedChallenges';

describe('registry challenges remembered between sessions (registry/transport/rememberedChallenges.ts)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imgpromo-challenges-unit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = () => join(dir, 'registry-challenges.json');

  it('kept in the file and read by the next session: where to get tokens only, not the scope or error of one request', async () => {
    const first = new RememberedChallenges({ file: file() });
    await first.load();
    first.remember('ghcr.io', {
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:a/b:pull', error: 'insufficient_scope' },
    });
    first.remember('registry.example.com', { scheme: 'basic', params: { realm: 'Registry Realm' } });
    first.remember('odd.example.com', { scheme: 'negotiate', params: {} });
    first.remember('norealm.example.com', { scheme: 'bearer', params: { service: 'x' } });
    await first.flushed();
    assert.doesNotMatch(readFileSync(file(), 'utf8'), /scope|insufficient|negotiate|norealm/);

    const next = new RememberedChallenges({ file: file() });
    await next.load();
    assert.deepEqual(next.get('ghcr.io'), { scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io' } });
    assert.deepEqual(next.get('registry.example.com'), { scheme: 'basic', params: {} });
    assert.equal(next.get('odd.example.com'), undefined, 'only bearer and basic');
    assert.equal(next.get('norealm.example.com'), undefined, 'a bearer challenge without a realm says nothing');
    next.forget('ghcr.io');
    await next.flushed();
    const third = new RememberedChallenges({ file: file() });
    await third.load();
    assert.equal(third.get('ghcr.io'), undefined, 'forgotten in the file too');
  });

  it('bounded: the most recently learnt registries are kept', async () => {
    const memory = new RememberedChallenges({ file: file(), maxRegistries: 3 });
    await memory.load();
    for (const n of [1, 2, 3, 4, 5]) memory.remember(`r${n}.example.com`, { scheme: 'basic', params: {} });
    memory.remember('r3.example.com', { scheme: 'bearer', params: { realm: 'https://r3.example.com/token' } });
    await memory.flushed();
    const next = new RememberedChallenges({ file: file() });
    await next.load();
    assert.deepEqual(
      ['r1', 'r2', 'r3', 'r4', 'r5'].map((r) => next.get(`${r}.example.com`)?.scheme),
      [undefined, undefined, 'bearer', 'basic', 'basic'],
    );
  });

  it('a corrupt or foreign file is an empty memory with a warning, never an error; a challenge learnt meanwhile stays', async () => {
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) } as unknown as import('../../src/core/log').Logger;
    writeFileSync(file(), '{ not json');
    const memory = new RememberedChallenges({ file: file(), log });
    await memory.load();
    assert.equal(memory.get('ghcr.io'), undefined);
    assert.match(warnings.join('\n'), /corrupt/);

    writeFileSync(
      file(),
      JSON.stringify({ version: 1, challenges: [['ghcr.io', { scheme: 'bearer', params: { realm: 'https://old/token' } }], 'junk', [1, 2]] }),
    );
    const racing = new RememberedChallenges({ file: file() });
    const loading = racing.load();
    racing.remember('ghcr.io', { scheme: 'bearer', params: { realm: 'https://new/token' } });
    await loading;
    assert.equal(racing.get('ghcr.io')?.params['realm'], 'https://new/token', 'learnt in this session: newer than the file');
    await racing.flushed();

    writeFileSync(file(), JSON.stringify({ version: 2, challenges: [['ghcr.io', { scheme: 'basic', params: {} }]] }));
    const other = new RememberedChallenges({ file: file() });
    await other.load();
    assert.equal(other.get('ghcr.io'), undefined, 'another version is not read');
  });
});
