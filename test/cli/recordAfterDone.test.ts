// The CLI says "done" as soon as the move is verified and in the history file, prints the registry
// record's line when it lands, and never exits before it did (the record's index write is held back
// by a proxy here); --json is one document that waits for both.
import * as assert from 'node:assert/strict';
import { RECORD_ARTIFACT_TYPE } from '../../src/records/recordArtifact';
import { referrersFallbackTag } from '../../src/registry/manifestRefs';
import { promotionYaml } from '../fixtures/promotionYaml';
import { getManifest, pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { startDelayingProxy, type DelayingProxy } from '../harness/delayingProxy';
import { cliEnv, describeRun, startCli, workspace } from './support';

const HOLD_MS = 1500;

describe('CLI: the registry record after "done"', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let proxy: DelayingProxy;
  before(async () => {
    svc = await sharedServices();
    // The referrers index's PUT (the record's last write) is held back.
    proxy = await startDelayingProxy(Number(svc.registry.split(':')[1]), { request: /^PUT \/v2\/.*\/manifests\/sha256-[0-9a-f]{64}$/, ms: HOLD_MS });
  });
  after(async () => {
    await proxy?.stop();
  });

  async function setUp() {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'be11a01');
    const dir = workspace(promotionYaml(`${proxy.host}/${repo}`, [{ name: 'staging' }]));
    return { repo, build, dir };
  }

  async function recordsOn(repo: string, digest: string): Promise<string[]> {
    const index = await getManifest(svc.registryUrl, repo, referrersFallbackTag(digest));
    return index ? (JSON.parse(index.bytes.toString('utf8')) as { manifests: { artifactType: string }[] }).manifests.map((m) => m.artifactType) : [];
  }

  it('text: the done line first, the record line after it, and the process exits only once the record is written', async () => {
    const { repo, build, dir } = await setUp();
    const cli = startCli(['promote', 'staging', '--build', 'be11a01'], { cwd: dir, env: cliEnv(svc) });
    let doneAt: number | undefined;
    let seen = '';
    cli.child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (doneAt === undefined && /staging now holds/.test(seen)) doneAt = Date.now();
    });
    const run = await cli.done;
    const exitedAt = Date.now();
    assert.equal(run.code, 0, describeRun(run));
    assert.ok(doneAt !== undefined, describeRun(run));
    assert.equal(proxy.held.length >= 1, true, 'the index write went through the proxy');
    const indexWrite = proxy.held.at(-1)!.forwardedAt;
    assert.ok(doneAt < indexWrite, `"done" was printed ${indexWrite - doneAt} ms before the record's index write was let through`);
    assert.ok(exitedAt >= indexWrite, 'the process waited for the record');
    assert.match(
      run.stdout,
      /staging now holds sha256:\w{12}[^\n]*\n(?:.*\n)*Recorded in the registry: 127\.0\.0\.1:\d+\/t\/\w+\/app@sha256:\w{12} \(referrers tag\)\.\n$/,
    );
    assert.deepEqual(await recordsOn(repo, build.digest), [RECORD_ARTIFACT_TYPE]);
  });

  it('--json: one document, after the record, saying where it was written', async () => {
    const { repo, build, dir } = await setUp();
    const run = await startCli(['promote', 'staging', '--build', 'be11a01', '--json'], { cwd: dir, env: cliEnv(svc) }).done;
    assert.equal(run.code, 0, describeRun(run));
    const result = JSON.parse(run.stdout) as { status: string; recorded: boolean; registryRecords: { state: string; path: string; where: string }[] };
    assert.equal(result.status, 'succeeded');
    assert.equal(result.recorded, true);
    assert.deepEqual(
      result.registryRecords.map((r) => [r.state, r.path]),
      [['written', 'fallback-tag']],
    );
    assert.match(result.registryRecords[0]!.where, new RegExp(`^${proxy.host.replace(/\./g, '\\.')}/${repo}@sha256:`));
    assert.deepEqual(await recordsOn(repo, build.digest), [RECORD_ARTIFACT_TYPE]);
  });
});
