// The registry-side copy (src/registry/registryCopy.ts) against real Distribution 2.8 registries:
// plain, htpasswd (Basic), token auth (the harness's issuer), and a second plain one for
// cross-registry copies. Every digest is checked independently of the client under test: plain
// HTTP with the harness's own code, skopeo, and for the token registry a token minted by the
// harness itself.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { delimiter } from 'node:path';
import { isCancelled, PromotionError } from '../../src/core/errors';
import { parseRepository, type Repository } from '../../src/core/reference';
import { DockerConfigCredentials } from '../../src/credentials/dockerConfig';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import { copyImage, describeExtras, findExtras, prepareCopy, type CopyProgress } from '../../src/registry/registryCopy';
import {
  digestOf,
  listTags,
  MANIFEST_ACCEPT,
  makeDockerConfig,
  MEDIA_TYPES,
  pushImage,
  pushIndex,
  putManifest,
  registryRequest,
  sha256Digest,
  sharedServices,
  skopeoDigest,
  skopeoRaw,
  startRegistry,
  tagExisting,
  uniqueRepo,
  type DockerConfig,
  type Registry,
  type TestServices,
} from '../harness';
import { pushCosignSignature, pushReferrer } from '../harness/artifacts';
import { startTokenRegistry, type TokenRegistry } from '../harness/tokenAuth';
import { MemoryLog } from './support';

const HELPER = 'imgpromo-copy-test';

describe('registry-side copy keeps the digest (real registries)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let second: Registry;
  let tokens: TokenRegistry;
  let dockerConfig: DockerConfig;
  /** Every log written by a client of this suite, to check no secret reached one. */
  const logs: MemoryLog[] = [];
  const savedPath = process.env['PATH'];

  before(async () => {
    [svc, second, tokens] = await Promise.all([sharedServices(), startRegistry(), startTokenRegistry()]);
    dockerConfig = makeDockerConfig(
      [
        { server: svc.authRegistry, username: svc.auth.username, secret: svc.auth.password, via: 'helper' },
        { server: tokens.host, username: tokens.auth.username, secret: tokens.auth.password, via: 'helper' },
      ],
      { helperName: HELPER },
    );
    // The client finds docker-credential-<helper> on PATH, as it would for a user.
    process.env['PATH'] = [dockerConfig.binDir, savedPath ?? ''].join(delimiter);
  });

  after(async () => {
    process.env['PATH'] = savedPath;
    await Promise.allSettled([second?.stop(), tokens?.stop(), dockerConfig?.dispose()]);
  });

  /** A client as the extension builds one, with this suite's Docker config; counts its HTTP requests. */
  function client(opts: { configDir?: string; tamper?: (url: string, init: RequestInit | undefined, res: Response) => Response } = {}) {
    const log = new MemoryLog();
    logs.push(log);
    const requests: string[] = [];
    const credentials = new DockerConfigCredentials({ configDir: () => opts.configDir ?? dockerConfig.dir, log, cacheMs: 0 });
    const counting: typeof fetch = async (input, init) => {
      const url = String(input);
      requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
      const res = await fetch(input, init);
      return opts.tamper ? opts.tamper(url, init, res) : res;
    };
    const registry = new HttpRegistryClient({ credentials, log, timeoutMs: () => 20_000, fetch: counting });
    return { registry, log, requests };
  }

  const repoOf = (host: string, path: string): Repository => parseRepository(`${host}/${path}`);
  /** The sha256 of what skopeo reads raw: an independent view of the target's manifest. */
  const rawDigest = async (ref: string, auth?: { username: string; password: string }) => sha256Digest(await skopeoRaw(ref, auth));

  it('same repository: an OCI index keeps its digest and every platform, in two requests', async () => {
    const path = uniqueRepo();
    const index = await pushIndex(
      svc.registryUrl,
      path,
      'build-1',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
        { os: 'linux', architecture: 's390x' },
      ],
      { kind: 'oci' },
    );
    const repo = repoOf(svc.registry, path);
    const { registry, requests } = client();

    const prepared = await prepareCopy({ repository: repo, digest: index.digest }, { repository: repo, tag: 'staging' }, { registry });
    assert.equal(prepared.mode, 'same-repository');
    assert.equal(prepared.platforms, 3);
    assert.equal(await digestOf(svc.registryUrl, path, 'staging'), undefined, 'prepare does not move the tag');
    const result = await prepared.commit();
    await assert.rejects(prepared.commit(), /already committed/);

    assert.deepEqual(requests, [`GET /v2/${path}/manifests/${index.digest}`, `PUT /v2/${path}/manifests/staging`]);
    assert.equal(result.digest, index.digest);
    assert.deepEqual([result.blobs, result.mounted, result.uploaded, result.extras.length], [0, 0, 0, 0]);
    assert.equal(await digestOf(svc.registryUrl, path, 'staging'), index.digest);
    assert.equal(await skopeoDigest(`${svc.registry}/${path}:staging`), index.digest);
    assert.deepEqual(await skopeoRaw(`${svc.registry}/${path}:staging`), index.index, 'byte for byte');
  });

  it('another repository: a Docker manifest list is copied by mounting every blob of every platform', async () => {
    const from = uniqueRepo('src');
    const to = uniqueRepo('dst');
    const list = await pushIndex(
      svc.registryUrl,
      from,
      'v1',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ],
      { kind: 'docker' },
    );
    const { registry, requests } = client();
    const progress: CopyProgress[] = [];
    const result = await copyImage(
      { repository: repoOf(svc.registry, from), digest: list.digest },
      { repository: repoOf(svc.registry, to), tag: 'production' },
      { registry, onProgress: (p) => progress.push(p) },
    );
    assert.equal(result.mode, 'cross-repository');
    assert.deepEqual([result.blobs, result.mounted, result.uploaded, result.skipped, result.bytesUploaded], [4, 4, 0, 0, 0]);
    assert.equal(result.manifestsWritten, 3, 'two platform manifests by digest, then the list under the tag');
    assert.equal(requests.filter((r) => r.startsWith('POST') && r.includes('/blobs/uploads/')).length, 4, 'one mount request per blob');
    assert.ok(!requests.some((r) => r.startsWith('GET') && r.includes('/blobs/')), 'no blob was read');
    assert.equal(await rawDigest(`${svc.registry}/${to}:production`), list.digest, 'skopeo inspect --raw');
    assert.equal(await digestOf(svc.registryUrl, to, 'production'), list.digest);
    for (const m of list.manifests) {
      assert.equal(await digestOf(svc.registryUrl, to, m.digest), m.digest, `platform ${m.platform.architecture} is in the target`);
      assert.equal(await skopeoDigest(`${svc.registry}/${to}@${m.digest}`), m.digest);
    }
    const blobProgress = progress.filter((p) => p.blob);
    assert.deepEqual(
      blobProgress.map((p) => p.blob!.count),
      [4, 4, 4, 4],
    );
    assert.deepEqual(blobProgress.map((p) => p.blob!.index).sort(), [1, 2, 3, 4]);
  });

  it('another registry: blobs are streamed and checked, then manifests; a second copy skips what is there', async () => {
    const from = uniqueRepo('src');
    const to = uniqueRepo('dst');
    const index = await pushIndex(
      svc.registryUrl,
      from,
      'v1',
      [
        { os: 'linux', architecture: 'amd64', files: { 'big.bin': randomBytes(3 * 1024 * 1024) } },
        { os: 'linux', architecture: 'arm64' },
      ],
      { kind: 'oci' },
    );
    const { registry } = client();
    const source = { repository: repoOf(svc.registry, from), digest: index.digest };
    const first = await copyImage(source, { repository: repoOf(second.host, to), tag: 'staging' }, { registry });
    assert.equal(first.mode, 'cross-registry');
    assert.deepEqual([first.blobs, first.uploaded, first.skipped, first.mounted], [4, 4, 0, 0]);
    const sizes = index.manifests.flatMap((m) => {
      const parsed = JSON.parse(m.manifest.toString()) as { config: { size: number }; layers: { size: number }[] };
      return [parsed.config.size, ...parsed.layers.map((l) => l.size)];
    });
    assert.equal(
      first.bytesUploaded,
      sizes.reduce((a, b) => a + b, 0),
    );
    assert.equal(await rawDigest(`${second.host}/${to}:staging`), index.digest);
    assert.equal(await digestOf(second.url, to, 'staging'), index.digest);
    for (const m of index.manifests) assert.equal(await skopeoDigest(`${second.host}/${to}@${m.digest}`), m.digest);

    const again = await copyImage(source, { repository: repoOf(second.host, to), tag: 'production' }, { registry, chunkSize: 1024 * 1024 });
    assert.deepEqual([again.uploaded, again.skipped, again.bytesUploaded], [0, 4, 0]);
    assert.equal(await digestOf(second.url, to, 'production'), index.digest);
  });

  it('another registry: an index nesting another index is copied whole', async () => {
    const from = uniqueRepo('src');
    const inner = await pushIndex(
      svc.registryUrl,
      from,
      'inner',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      { kind: 'oci' },
    );
    const windows = await pushImage(svc.registryUrl, from, undefined, { platform: { os: 'windows', architecture: 'amd64' }, mediaType: 'oci' });
    const outer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { mediaType: MEDIA_TYPES.ociIndex, size: inner.index.length, digest: inner.digest },
          { mediaType: windows.mediaType, size: windows.manifest.length, digest: windows.digest, platform: windows.platform },
        ],
      }),
    );
    const outerDigest = await putManifest(svc.registryUrl, from, 'nested', outer, MEDIA_TYPES.ociIndex);
    const to = uniqueRepo('dst');
    const { registry } = client();
    const result = await copyImage(
      { repository: repoOf(svc.registry, from), digest: outerDigest },
      { repository: repoOf(second.host, to), tag: 'dev' },
      { registry },
    );
    assert.equal(result.manifestsWritten, 5, 'two platform manifests, the inner index, the windows manifest, the outer index');
    assert.equal(result.uploaded, 6);
    assert.equal(await rawDigest(`${second.host}/${to}:dev`), outerDigest);
    assert.equal(await digestOf(second.url, to, inner.digest), inner.digest);
  });

  it('a cosign signature tag and an OCI referrer follow a cross-registry copy; a same-repository copy needs none', async () => {
    const from = uniqueRepo('signed');
    const image = await pushImage(svc.registryUrl, from, 'v1', { mediaType: 'oci' });
    const signature = await pushCosignSignature(svc.registryUrl, from, image.digest);
    const sbom = await pushReferrer(svc.registryUrl, from, { digest: image.digest, mediaType: image.mediaType, size: image.manifest.length });
    const source = { repository: repoOf(svc.registry, from), digest: image.digest };

    const same = client();
    const sameResult = await copyImage(source, { repository: source.repository, tag: 'staging' }, { registry: same.registry });
    assert.deepEqual(sameResult.extras, []);
    assert.equal(same.requests.length, 2);

    const { registry, log } = client();
    // What would come along, found before anything moves (for the confirmation).
    const found = await findExtras(source, { registry });
    assert.deepEqual(
      found.map((e) => [e.kind, e.digest]),
      [
        ['signature', signature.digest],
        ['referrer', sbom.digest],
      ],
    );
    assert.equal(describeExtras(found), 'a cosign signature and an OCI referrer');

    const to = uniqueRepo('signed');
    const result = await copyImage(source, { repository: repoOf(second.host, to), tag: 'production' }, { registry, log });
    assert.equal(await rawDigest(`${second.host}/${to}:production`), image.digest);
    const byKind = Object.fromEntries(result.extras.map((e) => [e.kind, e]));
    assert.equal(byKind['signature']?.tag, signature.tag);
    assert.equal(byKind['signature']?.digest, signature.digest);
    assert.equal(byKind['referrer']?.digest, sbom.digest);
    assert.equal(byKind['referrer']?.artifactType, 'application/vnd.example.sbom.v1+json');
    assert.equal(byKind['referrers-index']?.tag, sbom.fallbackTag);
    assert.equal(byKind['referrers-index']?.digest, sbom.fallbackDigest, 'the fallback index is copied verbatim when the target has none');
    assert.equal(describeExtras(result.extras), 'a cosign signature, an OCI referrer and a referrers tag');
    // Independently: the target holds the same signature and referrer, byte for byte.
    assert.equal(await digestOf(second.url, to, signature.tag!), signature.digest);
    assert.equal(await rawDigest(`${second.host}/${to}:${signature.tag}`), signature.digest);
    assert.equal(await digestOf(second.url, to, sbom.digest), sbom.digest);
    assert.equal(await digestOf(second.url, to, sbom.fallbackTag), sbom.fallbackDigest);
    assert.deepEqual(await listTags(second.url, to), [sbom.fallbackTag, signature.tag!, 'production'].sort());
    assert.match(log.text(), /came along: a cosign signature/);

    // Copying again finds them present and writes no second referrers tag entry.
    const again = await copyImage(source, { repository: repoOf(second.host, to), tag: 'production' }, { registry });
    assert.deepEqual(
      again.extras.map((e) => [e.kind, e.status]),
      [
        ['signature', 'present'],
        ['referrer', 'present'],
        ['referrers-index', 'present'],
      ],
    );
  });

  it('signatures of every platform of an index come along a cross-repository copy (cosign sign --recursive)', async () => {
    const from = uniqueRepo('signed');
    const index = await pushIndex(
      svc.registryUrl,
      from,
      'v1',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      { kind: 'oci' },
    );
    const top = await pushCosignSignature(svc.registryUrl, from, index.digest);
    const arm = await pushCosignSignature(svc.registryUrl, from, index.manifests[1]!.digest);
    const to = uniqueRepo('signed');
    const { registry } = client();
    const result = await copyImage(
      { repository: repoOf(svc.registry, from), digest: index.digest },
      { repository: repoOf(svc.registry, to), tag: 'production' },
      { registry },
    );
    assert.equal(result.mode, 'cross-repository');
    assert.deepEqual(
      result.extras.map((e) => [e.kind, e.subject, e.tag]).sort(),
      [
        ['signature', index.digest, top.tag],
        ['signature', index.manifests[1]!.digest, arm.tag],
      ].sort(),
    );
    assert.equal(result.uploaded, 0, 'signature blobs are mounted too');
    assert.equal(await digestOf(svc.registryUrl, to, top.tag!), top.digest);
    assert.equal(await digestOf(svc.registryUrl, to, arm.tag!), arm.digest);
    assert.equal(await rawDigest(`${svc.registry}/${to}:production`), index.digest);
  });

  it('Basic auth (htpasswd) with credentials from a credential helper; wrong ones give a clear error and leave the target untouched', async () => {
    const from = uniqueRepo('src');
    const to = uniqueRepo('dst');
    const image = await pushImage(svc.registryUrl, from, 'v1');
    const old = await pushImage(svc.authRegistryUrl, to, 'old', { auth: svc.auth });
    await tagExisting(svc.authRegistryUrl, to, old.digest, 'production', svc.auth);
    const source = { repository: repoOf(svc.registry, from), digest: image.digest };
    const target = { repository: repoOf(svc.authRegistry, to), tag: 'production' };

    const wrong = makeDockerConfig([{ server: svc.authRegistry, username: svc.auth.username, secret: 'not-the-password', via: 'auths' }]);
    try {
      const { registry } = client({ configDir: wrong.dir });
      await assert.rejects(copyImage(source, target, { registry }), (error: PromotionError) => {
        assert.equal(error.kind, 'unauthorized');
        assert.match(error.message, new RegExp(`${svc.authRegistry.replace(/\./g, '\\.')} rejected the credentials found for it`));
        assert.match(error.hint ?? '', /docker login/);
        return true;
      });
    } finally {
      await wrong.dispose();
    }
    assert.equal(await digestOf(svc.authRegistryUrl, to, 'production', svc.auth), old.digest, 'the target is untouched');
    assert.deepEqual(await listTags(svc.authRegistryUrl, to, svc.auth), ['old', 'production']);

    const { registry } = client();
    const result = await copyImage(source, target, { registry });
    assert.equal(result.uploaded, 2);
    assert.equal(await digestOf(svc.authRegistryUrl, to, 'production', svc.auth), image.digest);
    assert.equal(await skopeoDigest(`${svc.authRegistry}/${to}:production`, svc.auth), image.digest);
    assert.ok(
      dockerConfig.calls().some((c) => c.action === 'get' && c.serverUrl === svc.authRegistry),
      'the credential helper was asked',
    );
  });

  it('token auth: a cross-repository mount with one token for both repositories, and a copy in from another registry', async () => {
    const staging = uniqueRepo('fixture');
    const list = await pushIndex(
      svc.registryUrl,
      staging,
      'v1',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      { kind: 'docker' },
    );
    const from = uniqueRepo('src');
    const to = uniqueRepo('dst');
    await tokens.copyIn(`${svc.registry}/${staging}:v1`, from, 'v1');
    assert.equal(await tokens.digestOf(from, 'v1'), list.digest, 'fixture in place (skopeo --preserve-digests)');
    tokens.issuer.resetRecords();

    const { registry, log } = client();
    const result = await copyImage(
      { repository: repoOf(tokens.host, from), digest: list.digest },
      { repository: repoOf(tokens.host, to), tag: 'production' },
      { registry, log },
    );
    assert.deepEqual([result.mounted, result.uploaded], [4, 0]);
    assert.equal(await tokens.digestOf(to, 'production'), list.digest);
    assert.equal(await rawDigest(`${tokens.host}/${to}:production`, tokens.auth), list.digest);
    const both = tokens.issuer.issued().find((t) => t.requested.includes(`repository:${to}:pull,push`) && t.requested.includes(`repository:${from}:pull`));
    assert.ok(both, `a token for both scopes was issued: ${JSON.stringify(tokens.issuer.requests())}`);
    assert.equal(both!.account, tokens.auth.username);
    // Tokens are cached per scope, and the four mounts running side by side shared one token request.
    const issued = tokens.issuer.issued().map((t) => t.requested.slice().sort().join(' '));
    assert.equal(issued.filter((s) => s === both!.requested.slice().sort().join(' ')).length, 1, `tokens issued: ${issued.join('; ')}`);
    assert.equal(new Set(issued).size, issued.length, `one token per scope: ${issued.join('; ')}`);

    const other = uniqueRepo('dst');
    const incoming = await copyImage(
      { repository: repoOf(svc.registry, staging), digest: list.digest },
      { repository: repoOf(tokens.host, other), tag: 'dev' },
      { registry },
    );
    assert.equal(incoming.uploaded, 4);
    assert.equal(await tokens.digestOf(other, 'dev'), list.digest);
    assert.equal(await skopeoDigest(`${tokens.host}/${other}:dev`, tokens.auth), list.digest);
  });

  it('token auth: refused credentials give a clear error and leave the target untouched', async () => {
    const staging = uniqueRepo('fixture');
    const image = await pushImage(svc.registryUrl, staging, 'v1');
    const old = await pushImage(svc.registryUrl, staging, 'v0');
    const to = uniqueRepo('dst');
    await tokens.copyIn(`${svc.registry}/${staging}:v0`, to, 'production');
    tokens.issuer.rejectCredentials = true;
    try {
      const { registry } = client();
      await assert.rejects(
        copyImage(
          { repository: repoOf(svc.registry, staging), digest: image.digest },
          { repository: repoOf(tokens.host, to), tag: 'production' },
          { registry },
        ),
        (error: PromotionError) => error.kind === 'unauthorized' && error.message === `${tokens.host} rejected the credentials found for it`,
      );
    } finally {
      tokens.issuer.rejectCredentials = false;
    }
    assert.ok(tokens.issuer.requests().some((r) => r.outcome === 'rejected'));
    assert.equal(await tokens.digestOf(to, 'production'), old.digest);

    // No credentials at all: the issuer hands out a token without access, the registry refuses it.
    const empty = makeDockerConfig([]);
    try {
      const { registry } = client({ configDir: empty.dir });
      await assert.rejects(
        copyImage(
          { repository: repoOf(svc.registry, staging), digest: image.digest },
          { repository: repoOf(tokens.host, to), tag: 'production' },
          { registry },
        ),
        (error: PromotionError) =>
          error.kind === 'unauthorized' &&
          error.message.startsWith(`${tokens.host} requires credentials and none were found`) &&
          /docker login/.test(error.hint ?? ''),
      );
    } finally {
      await empty.dispose();
    }
    assert.ok(tokens.issuer.issued().some((t) => t.grant === 'anonymous' && t.access.length === 0));
    assert.equal(await tokens.digestOf(to, 'production'), old.digest);
    assert.equal(await tokens.digestOf(to, image.digest), undefined, 'nothing of the new image arrived');
  });

  it("token auth: an expired token is renewed, by its expires_in and on the registry's invalid_token", async () => {
    const staging = uniqueRepo('fixture');
    const image = await pushImage(svc.registryUrl, staging, 'v1');
    const path = uniqueRepo('app');
    await tokens.copyIn(`${svc.registry}/${staging}:v1`, path, 'v1');
    const repo = repoOf(tokens.host, path);
    const { registry, log } = client();
    try {
      // 1. expires_in of 3 s: the client renews by itself once it has (nearly) passed.
      tokens.issuer.expiresInSeconds = 3;
      tokens.issuer.resetRecords();
      assert.equal((await registry.resolve(repo, 'v1'))?.digest, image.digest);
      assert.equal((await registry.resolve(repo, 'v1'))?.digest, image.digest);
      assert.equal(tokens.issuer.issued().length, 1, 'cached while valid');
      await new Promise((r) => setTimeout(r, 3100));
      assert.equal((await registry.resolve(repo, 'v1'))?.digest, image.digest);
      assert.equal(tokens.issuer.issued().length, 2, 'renewed after expires_in');

      // 2. The registry rejects a token the client still thinks valid (exp 2 s away, expires_in 300 s).
      tokens.issuer.expiresInSeconds = 300;
      tokens.issuer.registryLifetimeSeconds = 2;
      const sameRepo = repoOf(tokens.host, path);
      const t0 = tokens.issuer.issued().length;
      const fresh = new HttpRegistryClient({
        credentials: new DockerConfigCredentials({ configDir: () => dockerConfig.dir, log, cacheMs: 0 }),
        log,
        timeoutMs: () => 20_000,
      });
      assert.equal((await fresh.resolve(sameRepo, 'v1'))?.digest, image.digest);
      assert.equal(tokens.issuer.issued().length, t0 + 1);
      await new Promise((r) => setTimeout(r, 2500));
      tokens.issuer.registryLifetimeSeconds = undefined;
      // The cached token (pull) is still valid for the client, not for the registry: 401 invalid_token, renewed.
      const result = await copyImage({ repository: sameRepo, digest: image.digest }, { repository: sameRepo, tag: 'staging' }, { registry: fresh });
      assert.equal(result.digest, image.digest);
      assert.equal(await tokens.digestOf(path, 'staging'), image.digest);
      assert.match(log.text(), /answered 401 \(invalid_token\)/);
      assert.ok(tokens.issuer.issued().length >= t0 + 2, 'a new token after invalid_token');
    } finally {
      tokens.issuer.expiresInSeconds = 300;
      tokens.issuer.registryLifetimeSeconds = undefined;
    }
  });

  it('an identity token (OAuth2 refresh token in auths) is exchanged for access tokens', async () => {
    const staging = uniqueRepo('fixture');
    const image = await pushImage(svc.registryUrl, staging, 'v1');
    const config = makeDockerConfig([{ server: tokens.host, username: '', secret: tokens.issuer.refreshToken, via: 'identitytoken' }]);
    try {
      const { registry } = client({ configDir: config.dir });
      const to = uniqueRepo('dst');
      await copyImage({ repository: repoOf(svc.registry, staging), digest: image.digest }, { repository: repoOf(tokens.host, to), tag: 'dev' }, { registry });
      assert.equal(await tokens.digestOf(to, 'dev'), image.digest);
      assert.ok(tokens.issuer.issued().some((t) => t.grant === 'refresh_token' && t.requested.includes(`repository:${to}:pull,push`)));
    } finally {
      await config.dispose();
    }
  });

  it('cancelling stops the copy before the tag moves', async () => {
    const from = uniqueRepo('src');
    const to = uniqueRepo('dst');
    const index = await pushIndex(
      svc.registryUrl,
      from,
      'v1',
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      { kind: 'oci' },
    );
    const controller = new AbortController();
    const { registry } = client();
    await assert.rejects(
      copyImage(
        { repository: repoOf(svc.registry, from), digest: index.digest },
        { repository: repoOf(second.host, to), tag: 'dev' },
        {
          registry,
          signal: controller.signal,
          concurrency: 1,
          onProgress: (p) => {
            if (p.blob && p.blob.bytes > 0) controller.abort();
          },
        },
      ),
      (error: unknown) => isCancelled(error),
    );
    assert.equal(await digestOf(second.url, to, 'dev'), undefined);

    // And a beforeCommit that says no (the target moved) leaves the tag alone too.
    await assert.rejects(
      copyImage(
        { repository: repoOf(svc.registry, from), digest: index.digest },
        { repository: repoOf(second.host, to), tag: 'dev' },
        {
          registry,
          beforeCommit: () => {
            throw new PromotionError('cancelled', 'the target moved');
          },
        },
      ),
      /the target moved/,
    );
    assert.equal(await digestOf(second.url, to, 'dev'), undefined);
    assert.equal(await digestOf(second.url, to, index.digest), undefined, 'the top manifest is written only by commit');
  });

  it('a registry that reports another digest for the written tag fails verification', async () => {
    const path = uniqueRepo();
    const image = await pushImage(svc.registryUrl, path, 'v1');
    const other = 'sha256:' + '0'.repeat(64);
    const { registry } = client({
      tamper: (url, init, res) => {
        if (init?.method !== 'PUT' || !url.endsWith('/manifests/production')) return res;
        const headers = new Headers(res.headers);
        headers.set('docker-content-digest', other);
        return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
      },
    });
    await assert.rejects(
      copyImage({ repository: repoOf(svc.registry, path), digest: image.digest }, { repository: repoOf(svc.registry, path), tag: 'production' }, { registry }),
      (error: PromotionError) => {
        assert.equal(error.kind, 'verification');
        assert.match(error.message, new RegExp(`the registry reports ${other} for it, not ${image.digest}`));
        return true;
      },
    );
  });

  it('blob transport: chunked upload, and a stream whose bytes do not match the digest is never stored', async () => {
    const path = uniqueRepo();
    const repo = repoOf(second.host, path);
    const { registry } = client();
    const bytes = randomBytes(200_000);
    const digest = sha256Digest(bytes);
    async function* chunks(data: Buffer, size: number) {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    }
    let sent = 0;
    await registry.uploadBlob(repo, digest, bytes.length, chunks(bytes, 7_000), { chunkSize: 64 * 1024, onBytes: (n) => (sent = n) });
    assert.equal(sent, bytes.length);
    assert.equal(await registry.blobExists(repo, digest), true);
    const reader = await registry.openBlob(repo, digest);
    assert.equal(reader.size, bytes.length);
    const back: Buffer[] = [];
    for await (const c of reader.stream) back.push(Buffer.from(c));
    assert.deepEqual(Buffer.concat(back), bytes);

    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 1] ^= 0xff;
    const claimed = sha256Digest(Buffer.concat([bytes, Buffer.from('x')]));
    for (const chunkSize of [undefined, 64 * 1024]) {
      await assert.rejects(
        registry.uploadBlob(repo, claimed, tampered.length, chunks(tampered, 10_000), chunkSize ? { chunkSize } : {}),
        (error: PromotionError) => {
          assert.equal(error.kind, 'protocol');
          assert.match(error.message, /hashes to sha256:[0-9a-f]{64}; the upload was abandoned/);
          return true;
        },
      );
      assert.equal(await registry.blobExists(repo, claimed), false);
    }
    const short = sha256Digest(bytes.subarray(0, 1000));
    await assert.rejects(registry.uploadBlob(repo, short, 2000, chunks(bytes.subarray(0, 1000), 300)), /had 1000 bytes, not the 2000 announced/);
    assert.equal(await registry.blobExists(repo, short), false);
  });

  it('blob transport: a source that checks its own digest (verifiedSource, as a BlobReader): nothing is stored when its bytes do not match or run past the announced size', async () => {
    const path = uniqueRepo();
    const repo = repoOf(second.host, path);
    const { registry } = client();
    const bytes = randomBytes(200_000);
    const digest = sha256Digest(bytes);
    /** As openBlob's stream: the chunks, then at its end the digest check (throws when they do not match). */
    async function* selfChecking(data: Buffer, claimed: string, size: number) {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
      const got = sha256Digest(data);
      if (got !== claimed) throw new PromotionError('protocol', `the source sent a blob whose content does not match ${claimed} (it hashes to ${got})`);
    }
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 1] ^= 0xff;
    for (const chunkSize of [undefined, 64 * 1024]) {
      const options = { verifiedSource: true, ...(chunkSize ? { chunkSize } : {}) };
      await assert.rejects(registry.uploadBlob(repo, digest, tampered.length, selfChecking(tampered, digest, 10_000), options), (error: PromotionError) => {
        assert.equal(error.kind, 'protocol');
        assert.match(error.message, /does not match sha256:[0-9a-f]{64} \(it hashes to sha256:/);
        return true;
      });
      assert.equal(await registry.blobExists(repo, digest), false, `never stored (chunk size ${chunkSize ?? 'none'})`);
      // More bytes than announced: the source is read to its end before the last piece leaves.
      const longer = Buffer.concat([bytes, Buffer.from('x')]);
      await assert.rejects(
        registry.uploadBlob(repo, digest, bytes.length, selfChecking(longer, sha256Digest(longer), 10_000), options),
        /had more than the 200000 bytes announced; the upload was abandoned/,
      );
      assert.equal(await registry.blobExists(repo, digest), false);
    }
    await registry.uploadBlob(repo, digest, bytes.length, selfChecking(bytes, digest, 7_000), { verifiedSource: true, chunkSize: 64 * 1024 });
    assert.equal(await registry.blobExists(repo, digest), true);
    const back: Buffer[] = [];
    for await (const c of (await registry.openBlob(repo, digest)).stream) back.push(Buffer.from(c));
    assert.deepEqual(Buffer.concat(back), bytes);
  });

  it('blob transport: a 128 MiB blob is streamed through, never held in memory', async () => {
    const size = 128 * 1024 * 1024;
    const block = randomBytes(1024 * 1024);
    // Generated on the fly (each MiB tagged with its number), so the test holds none of it either.
    async function* generate() {
      for (let i = 0; i < size / block.length; i++) {
        const chunk = Buffer.from(block);
        chunk.writeUInt32BE(i, 0);
        yield chunk;
      }
    }
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256');
    for await (const c of generate()) hash.update(c);
    const digest = `sha256:${hash.digest('hex')}`;
    const { registry } = client();
    const from = repoOf(svc.registry, uniqueRepo('big'));
    const to = repoOf(second.host, uniqueRepo('big'));
    // Garbage is not retention: collect before each look (gc made callable for this test only).
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    let peak = 0;
    let calls = 0;
    const base = process.memoryUsage().arrayBuffers;
    const sample = () => {
      if (++calls % 16) return;
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    };
    await registry.uploadBlob(from, digest, size, generate(), { onBytes: sample });
    // Registry to registry, as a cross-registry copy moves a layer.
    const reader = await registry.openBlob(from, digest);
    await registry.uploadBlob(to, digest, reader.size, reader.stream, { onBytes: sample });
    assert.equal(await registry.blobExists(to, digest), true);
    assert.ok(calls >= 100, `${calls} progress calls`);
    assert.ok(peak < 40 * 1024 * 1024, `memory held grew by ${Math.round(peak / 1024 / 1024)} MiB while moving 128 MiB twice`);
  });

  it('Distribution 2.8 as observed: mount answers 201 or 202, no referrers API, a token expired by more than 60 s is invalid_token', async () => {
    const from = uniqueRepo('src');
    const image = await pushImage(svc.registryUrl, from, 'v1');
    const layer = image.layerDigests[0]!;
    const mounted = await registryRequest(`${svc.registryUrl}/v2/${uniqueRepo('dst')}/blobs/uploads/?mount=${layer}&from=${from}`, { method: 'POST' });
    assert.equal(mounted.status, 201);
    const missing = await registryRequest(`${svc.registryUrl}/v2/${uniqueRepo('dst')}/blobs/uploads/?mount=${layer}&from=${uniqueRepo('none')}`, {
      method: 'POST',
    });
    assert.equal(missing.status, 202);
    assert.match(String(missing.headers['location']), /\/blobs\/uploads\/[0-9a-f-]+/);
    const referrers = await registryRequest(`${svc.registryUrl}/v2/${from}/referrers/${image.digest}`);
    assert.equal(referrers.status, 404);
    assert.equal(referrers.body.toString(), '404 page not found\n');

    // Token auth: a mount needs pull on the source too, and the challenge says so.
    const tokenRepo = uniqueRepo('dst');
    const onlyTarget = await registryRequest(`${tokens.url}/v2/${tokenRepo}/blobs/uploads/?mount=${layer}&from=${from}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.issuer.mint([`repository:${tokenRepo}:pull,push`])}` },
    });
    assert.equal(onlyTarget.status, 401);
    const challenge = String(onlyTarget.headers['www-authenticate']);
    assert.match(challenge, /,error="insufficient_scope"$/);
    // Both scopes in one space-separated `scope`, scopes and their actions in any order (Go maps).
    const normalise = (scope: string): string => scope.replace(/:([a-z,*]+)$/, (_, actions: string) => `:${actions.split(',').sort().join(',')}`);
    const scopes = /scope="([^"]+)"/.exec(challenge)?.[1]?.split(' ').map(normalise).sort();
    assert.deepEqual(scopes, [`repository:${from}:pull`, `repository:${tokenRepo}:pull,push`].sort());

    // exp is checked with 60 s of leeway.
    const source = uniqueRepo('src');
    const staged = await pushImage(svc.registryUrl, source, 'v1');
    await tokens.copyIn(`${svc.registry}/${source}:v1`, source, 'v1');
    const head = (lifetime: number) =>
      registryRequest(`${tokens.url}/v2/${source}/manifests/v1`, {
        method: 'HEAD',
        headers: { Accept: MANIFEST_ACCEPT, Authorization: `Bearer ${tokens.issuer.mint([`repository:${source}:pull`], lifetime)}` },
      });
    const lateButAccepted = await head(-30);
    assert.equal(lateButAccepted.status, 200);
    assert.equal(lateButAccepted.headers['docker-content-digest'], staged.digest);
    const expired = await head(-61);
    assert.equal(expired.status, 401);
    assert.match(String(expired.headers['www-authenticate']), /,error="invalid_token"$/);
  });

  it('no password and no token reaches a log (every client of this suite)', () => {
    const tokensIssued = tokens.issuer.tokensEverIssued();
    assert.ok(tokensIssued.length >= 5);
    assert.ok(logs.length >= 10);
    const secrets = [svc.auth.password, tokens.auth.password, tokens.issuer.refreshToken, ...tokensIssued];
    const basics = [
      Buffer.from(`${svc.auth.username}:${svc.auth.password}`).toString('base64'),
      Buffer.from(`${tokens.auth.username}:${tokens.auth.password}`).toString('base64'),
    ];
    for (const log of logs) {
      const text = log.text();
      for (const secret of [...secrets, ...basics]) assert.ok(!text.includes(secret), 'a secret reached the log');
    }
    assert.ok(
      logs.some((l) => /new token for repository:/.test(l.text())),
      'token fetches are logged (without the token)',
    );
  });
});
