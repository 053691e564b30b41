// Cross-registry copies that mount what the target registry already holds in another repository
// (src/registry/blobLocations.ts, registryCopy.ts), against real Distribution 2.8 registries: the
// harness's plain registry as the source, a second plain one and the token-auth one as targets.
// What reached the target is read from its own access log, digests are checked independently.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseRepository, type Repository } from '../../src/core/reference';
import { DockerConfigCredentials } from '../../src/credentials/dockerConfig';
import { promote } from '../../src/promotion/promote';
import { BlobLocations } from '../../src/registry/blobLocations';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { copyImage, findExtras } from '../../src/registry/registryCopy';
import { pushCosignSignature } from '../harness/artifacts';
import { countingRegistry } from './countingRegistry';
import { imageOn, makeLayer } from '../bench/images';
import { promotionYaml } from '../fixtures/promotionYaml';
import {
  digestOf,
  makeDockerConfig,
  makeTempDir,
  sharedServices,
  skopeoDigest,
  startRegistry,
  uniqueRepo,
  type DockerConfig,
  type Registry,
  type TestServices,
} from '../harness';
import { startTokenRegistry, type TokenRegistry } from '../harness/tokenAuth';
import { config, env, environmentFor, makeCore, MemoryLog, ScriptedPrompts } from './support';

/** Requests a registry logged since `from` (its access log): method, path with query, status. */
export function accessLines(logFile: string, from: number): { method: string; path: string; status: number }[] {
  const text = readFileSync(logFile).subarray(from).toString('utf8');
  return [...text.matchAll(/"(GET|HEAD|PUT|POST|PATCH|DELETE) (\/v2\/[^ "]*) HTTP\/[0-9.]+" (\d{3})/g)].map((m) => ({
    method: m[1]!,
    path: m[2]!,
    status: Number(m[3]),
  }));
}

const logSize = (file: string): number => readFileSync(file).length;

describe('cross-registry copies mount what the target registry holds elsewhere (real registries)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let b: Registry;
  let tokens: TokenRegistry;
  let dockerConfig: DockerConfig;
  const savedPath = process.env['PATH'];
  // Shared by the images of a test: what the second promotion must not send again.
  const layer = makeLayer(768 * 1024);

  before(async () => {
    [svc, b, tokens] = await Promise.all([sharedServices(), startRegistry(), startTokenRegistry()]);
    dockerConfig = makeDockerConfig([{ server: tokens.host, username: tokens.auth.username, secret: tokens.auth.password, via: 'helper' }], {
      helperName: 'imgpromo-mount-test',
    });
    process.env['PATH'] = [dockerConfig.binDir, savedPath ?? ''].join(delimiter);
  });

  after(async () => {
    process.env['PATH'] = savedPath;
    await Promise.allSettled([b?.stop(), tokens?.stop(), dockerConfig?.dispose()]);
  });

  /** Two builds in the source registry on the same layer, each with a config (and so a digest) of its own. */
  async function twoBuilds(): Promise<{ repo: string; first: string; second: string }> {
    const repo = uniqueRepo('src');
    const first = await imageOn(svc.registryUrl, repo, 'b1', layer, '2026-12-01T10:00:00Z');
    const second = await imageOn(svc.registryUrl, repo, 'b2', layer, '2026-12-01T11:00:00Z');
    return { repo, first, second };
  }

  function cacheFile(): string {
    return join(makeTempDir('blob-locations'), 'blob-locations.json');
  }

  it('promote into registry B repo X, then another build on the same layer into B repo Y: the layer is mounted from X, never uploaded; the digest is verified', async () => {
    const { repo, first, second } = await twoBuilds();
    const x = uniqueRepo('x');
    const y = uniqueRepo('y');
    const file = cacheFile();
    const blobLocations = new BlobLocations({ file, writeDelayMs: 0 });
    const core = makeCore(svc);
    const services = { ...core.services, blobLocations };
    const promoteInto = async (target: string, tag: string) => {
      const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'production', image: `${b.host}/${target}` }]));
      return promote({ config: cfg, source: { kind: 'build', tag }, target: env(cfg, 'production') }, services, environmentFor(new ScriptedPrompts()));
    };

    const one = await promoteInto(x, 'b1');
    assert.equal(one.status, 'succeeded', one.message);
    assert.equal(await digestOf(b.url, x, 'production'), first);

    const from = logSize(b.logFile);
    const two = await promoteInto(y, 'b2');
    assert.equal(two.status, 'succeeded', two.message);
    assert.equal(two.transport, 'registry');
    const lines = accessLines(b.logFile, from);
    const mount = lines.find((l) => l.method === 'POST' && l.path.includes(`mount=${encodeURIComponent(layer.digest)}`));
    assert.ok(mount, `a mount of the layer was asked for: ${JSON.stringify(lines)}`);
    assert.equal(mount.status, 201, 'and the registry linked it');
    assert.ok(mount.path.startsWith(`/v2/${y}/blobs/uploads/`) && mount.path.includes(`from=${encodeURIComponent(x)}`), mount.path);
    assert.ok(!lines.some((l) => l.method === 'PUT' && l.path.includes(encodeURIComponent(layer.digest))), 'the layer was never uploaded');
    assert.equal(lines.filter((l) => l.method === 'PUT' && l.path.includes('/blobs/uploads/')).length, 1, 'only the config (new) was uploaded');
    assert.match(core.log.text(), /registry: cross-registry: 2 blobs \(1 mounted, 1 uploaded, 0 already there\)/);
    assert.equal(await digestOf(b.url, y, 'production'), second);
    assert.equal(await skopeoDigest(`${b.host}/${y}:production`), second);

    // Kept for the next session: the layer is known in both repositories of B (and in the source).
    await blobLocations.flush();
    const again = new BlobLocations({ file });
    await again.load();
    assert.deepEqual(
      again.candidates(layer.digest, b.host).map((r) => r.path),
      [y, x],
    );
    assert.deepEqual(
      again.candidates(layer.digest, svc.registry).map((r) => r.path),
      [repo],
    );
    assert.ok(!readFileSync(file, 'utf8').includes(svc.auth.password), 'no credentials in the file');
  });

  it('a stale location (the repository was deleted since) is tried, refused, forgotten; the layer is streamed and the copy verified', async () => {
    const { repo, first, second } = await twoBuilds();
    const x = uniqueRepo('x');
    const y = uniqueRepo('y');
    const log = new MemoryLog();
    const registry = new HttpRegistryClient({
      credentials: new DockerConfigCredentials({ configDir: () => dockerConfig.dir, log }),
      log,
      timeoutMs: () => 20_000,
    });
    const blobLocations = new BlobLocations();
    const source = (digest: string) => ({ repository: parseRepository(`${svc.registry}/${repo}`), digest });
    const into = (path: string): { repository: Repository; tag: string } => ({ repository: parseRepository(`${b.host}/${path}`), tag: 'production' });
    await copyImage(source(first), into(x), { registry, blobLocations, log });
    // Deleted by an administrator (Distribution has no API for it): its storage goes.
    rmSync(join(b.storageDir, 'docker', 'registry', 'v2', 'repositories', x), { recursive: true });
    assert.equal(await digestOf(b.url, x, 'production'), undefined, 'X is gone');

    const from = logSize(b.logFile);
    const result = await copyImage(source(second), into(y), { registry, blobLocations, log });
    assert.deepEqual([result.mounted, result.uploaded], [0, 2]);
    const lines = accessLines(b.logFile, from);
    const mount = lines.find((l) => l.method === 'POST' && l.path.includes(`mount=${encodeURIComponent(layer.digest)}`));
    assert.equal(mount?.status, 202, `the registry opened an upload instead of mounting: ${JSON.stringify(lines)}`);
    assert.ok(
      lines.some((l) => l.method === 'DELETE' && l.path.startsWith(`/v2/${y}/blobs/uploads/`)),
      'the upload it opened was cancelled',
    );
    assert.ok(
      lines.some((l) => l.method === 'PUT' && l.path.includes(encodeURIComponent(layer.digest)) && l.status === 201),
      'the layer was streamed',
    );
    assert.match(log.text(), new RegExp(`${x.replace(/\//g, '\\/')} no longer holds`));
    assert.deepEqual(
      blobLocations.candidates(layer.digest, b.host).map((r) => r.path),
      [y],
      'X was forgotten',
    );
    assert.equal(await digestOf(b.url, y, 'production'), second);
    assert.equal(await skopeoDigest(`${b.host}/${y}:production`), second);
  });

  it('token auth: a location the credentials may not pull from is refused (401), forgotten, and the layer streamed; with access the mount asks for pull on it', async () => {
    const { repo, first, second } = await twoBuilds();
    const x = uniqueRepo('x');
    const y = uniqueRepo('y');
    const z = uniqueRepo('z');
    const log = new MemoryLog();
    const registry = new HttpRegistryClient({
      credentials: new DockerConfigCredentials({ configDir: () => dockerConfig.dir, log, cacheMs: 0 }),
      log,
      timeoutMs: () => 20_000,
    });
    const blobLocations = new BlobLocations();
    const source = (digest: string) => ({ repository: parseRepository(`${svc.registry}/${repo}`), digest });
    const into = (path: string) => ({ repository: parseRepository(`${tokens.host}/${path}`), tag: 'production' });
    await copyImage(source(first), into(x), { registry, blobLocations, log });

    tokens.issuer.deniedRepositories.add(x);
    try {
      tokens.issuer.resetRecords();
      const refused = await copyImage(source(second), into(y), { registry, blobLocations, log });
      assert.deepEqual([refused.mounted, refused.uploaded], [0, 2]);
      assert.ok(
        tokens.issuer.requests().some((r) => r.requested.includes(`repository:${x}:pull`)),
        `the mount asked for pull on X: ${JSON.stringify(tokens.issuer.requests())}`,
      );
      assert.match(
        log.text(),
        new RegExp(`mounting \\S+ from ${tokens.host.replace(/\./g, '\\.')}/${x.replace(/\//g, '\\/')} failed .*; forgotten; streaming it instead`),
      );
      assert.deepEqual(
        blobLocations.candidates(layer.digest, tokens.host).map((r) => r.path),
        [y],
      );
      assert.equal(await tokens.digestOf(y, 'production'), second);
    } finally {
      tokens.issuer.deniedRepositories.delete(x);
    }

    // Allowed again: the next copy mounts from Y (the newest location), one token for both repositories.
    tokens.issuer.resetRecords();
    const mounted = await copyImage(source(second), into(z), { registry, blobLocations, log });
    assert.deepEqual([mounted.mounted, mounted.uploaded], [2, 0], 'config and layer both known in Y now');
    assert.ok(
      tokens.issuer.issued().some((t) => t.requested.includes(`repository:${z}:pull,push`) && t.requested.includes(`repository:${y}:pull`)),
      JSON.stringify(tokens.issuer.requests()),
    );
    assert.equal(await tokens.digestOf(z, 'production'), second);
  });

  it('the search for signatures and referrers (3 cosign tags, the referrers API, the fallback tag) is one round trip per subject, side by side', async () => {
    const { repo, first } = await twoBuilds();
    const repository = parseRepository(`${svc.registry}/${repo}`);
    await pushCosignSignature(svc.registryUrl, repo, first);
    const log = new MemoryLog();
    const counting = countingRegistry(
      new HttpRegistryClient({ credentials: new DockerConfigCredentials({ configDir: () => dockerConfig.dir, log }), log, timeoutMs: () => 20_000 }),
    );
    const found = await findExtras({ repository, digest: first }, { registry: counting.registry });
    assert.deepEqual(
      found.map((e) => e.kind),
      ['signature'],
    );
    // The manifest, then all five lookups at once (they were five round trips one after another).
    assert.equal(counting.roundTrips(), 2, counting.calls.join('\n'));
    assert.equal(counting.calls.length, 6, counting.calls.join('\n'));
  });
});
