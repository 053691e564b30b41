// Self-tests of the test harness: the fixtures are real images (digests as the registry, skopeo
// and the engine see them), the services behave as the suites assume, and cleanup really happens.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyImage,
  deleteManifest,
  digestOf,
  engineDistribution,
  engineInspectImage,
  enginePing,
  enginePull,
  enginePush,
  engineRequest,
  engineTag,
  getManifest,
  isAliveSync,
  listTags,
  makeDockerConfig,
  makeTar,
  MEDIA_TYPES,
  mountsUnder,
  pushImage,
  pushIndex,
  registryRequest,
  runCredentialHelper,
  servicesFromEnv,
  sha256Digest,
  sharedServices,
  skopeoDigest,
  startDockerd,
  startRegistry,
  tagExisting,
  TestServices,
  uniqueRepo,
  unreachableEngine,
} from '../harness';

describe('test harness', function () {
  this.timeout(60000);
  let svc: TestServices;

  before(async function () {
    svc = await sharedServices();
  });

  describe('fixtures', () => {
    it('pushes a Docker schema 2 image whose digest is the sha256 of its manifest, as the registry and skopeo report', async () => {
      const repo = uniqueRepo();
      const img = await pushImage(svc.registryUrl, repo, 'v1', { labels: { 'org.example.build': '42' } });
      assert.equal(img.digest, sha256Digest(img.manifest));
      assert.equal(img.mediaType, MEDIA_TYPES.dockerManifest);
      assert.equal(await digestOf(svc.registryUrl, repo, 'v1'), img.digest);
      assert.equal(await skopeoDigest(`${svc.registry}/${repo}:v1`), img.digest);
      const fetched = await getManifest(svc.registryUrl, repo, 'v1');
      assert.ok(fetched);
      assert.ok(fetched.bytes.equals(img.manifest));
      assert.equal(fetched.mediaType, MEDIA_TYPES.dockerManifest);
    });

    it('pushes an OCI image the same way', async () => {
      const repo = uniqueRepo();
      const img = await pushImage(svc.registryUrl, repo, 'v1', { mediaType: 'oci' });
      assert.equal(img.mediaType, MEDIA_TYPES.ociManifest);
      assert.equal(await digestOf(svc.registryUrl, repo, 'v1'), img.digest);
      assert.equal(await skopeoDigest(`${svc.registry}/${repo}:v1`), img.digest);
    });

    it('makes images the real engine pulls by digest (layer diff_id verified), with their labels', async () => {
      const repo = uniqueRepo();
      const img = await pushImage(svc.registryUrl, repo, 'v1', { labels: { 'org.example.env': 'dev' }, files: { 'app/hello.txt': 'hi\n' } });
      const ref = `${svc.registry}/${repo}@${img.digest}`;
      const pulled = await enginePull(svc.dockerHost, ref);
      assert.equal(pulled.digest, img.digest);
      const inspect = await engineInspectImage(svc.dockerHost, ref);
      assert.ok(inspect);
      assert.equal(inspect.Id, img.configDigest);
      assert.deepEqual((inspect.Config as { Labels: Record<string, string> }).Labels, { 'org.example.env': 'dev' });
      assert.deepEqual((inspect.RootFS as { Layers: string[] }).Layers, img.diffIds);
      assert.ok((inspect.RepoDigests as string[]).includes(ref));
    });

    it('pushes OCI indexes and Docker manifest lists that list their platforms', async () => {
      const repo = uniqueRepo();
      const platforms = [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ];
      for (const kind of ['oci', 'docker'] as const) {
        const idx = await pushIndex(svc.registryUrl, repo, `multi-${kind}`, platforms, { kind });
        assert.equal(idx.digest, sha256Digest(idx.index));
        assert.equal(idx.mediaType, kind === 'oci' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerManifestList);
        const fetched = await getManifest(svc.registryUrl, repo, `multi-${kind}`);
        assert.ok(fetched);
        assert.equal(fetched.mediaType, idx.mediaType);
        const listed = (JSON.parse(fetched.bytes.toString()) as { manifests: Array<{ digest: string; platform: object }> }).manifests;
        assert.deepEqual(
          listed.map((m) => m.platform),
          platforms,
        );
        assert.deepEqual(
          listed.map((m) => m.digest),
          idx.manifests.map((m) => m.digest),
        );
        for (const m of idx.manifests) assert.equal(await digestOf(svc.registryUrl, repo, m.digest), m.digest);
        assert.equal(await digestOf(svc.registryUrl, repo, `multi-${kind}`), idx.digest);
        assert.equal(await skopeoDigest(`${svc.registry}/${repo}:multi-${kind}`), idx.digest);

        // The engine sees the index digest and both platforms, and pulls its own platform.
        const dist = await engineDistribution(svc.dockerHost, `${svc.registry}/${repo}:multi-${kind}`);
        assert.equal(dist.status, 200);
        assert.equal((dist.body.Descriptor as { digest: string }).digest, idx.digest);
        assert.equal((dist.body.Platforms as object[]).length, 2);
        const pulled = await enginePull(svc.dockerHost, `${svc.registry}/${repo}:multi-${kind}`);
        assert.equal(pulled.digest, idx.digest);
      }
    });

    it('retags registry-side keeping the digest, copies across repositories, and deletes manifests', async () => {
      const repo = uniqueRepo();
      const idx = await pushIndex(
        svc.registryUrl,
        repo,
        'sha-1',
        [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
        ],
        { kind: 'oci' },
      );
      assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined);
      assert.equal(await tagExisting(svc.registryUrl, repo, 'sha-1', 'staging'), idx.digest);
      assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), idx.digest);
      assert.deepEqual(await listTags(svc.registryUrl, repo), ['sha-1', 'staging']);

      const other = uniqueRepo('prod');
      assert.equal(
        await copyImage(
          { registryUrl: svc.registryUrl, repo, ref: 'staging' },
          { registryUrl: svc.authRegistryUrl, repo: other, tag: 'production', auth: svc.auth },
        ),
        idx.digest,
      );
      assert.equal(await digestOf(svc.authRegistryUrl, other, 'production', svc.auth), idx.digest);

      await deleteManifest(svc.registryUrl, repo, idx.digest);
      assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined);
      assert.equal(await digestOf(svc.registryUrl, uniqueRepo(), 'latest'), undefined, 'a repository that never existed is just empty');
    });

    it('writes tars that tar(1) reads back', () => {
      const tar = makeTar({ 'a/b/c.txt': 'x', 'top.txt': 'y'.repeat(1000) });
      const out = spawnSync('tar', ['-tvf', '-'], { input: tar, encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const names = out.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).pop());
      assert.deepEqual(names, ['a/', 'a/b/', 'a/b/c.txt', 'top.txt']);
    });
  });

  describe('htpasswd registry and credential helper', () => {
    it('answers 401 without credentials and 200 with them', async () => {
      const res = await registryRequest(`${svc.authRegistryUrl}/v2/`);
      assert.equal(res.status, 401);
      assert.match(String(res.headers['www-authenticate']), /^Basic /);
      const ok = await registryRequest(`${svc.authRegistryUrl}/v2/`, { auth: svc.auth });
      assert.equal(ok.status, 200);
      const repo = uniqueRepo();
      await pushImage(svc.authRegistryUrl, repo, 'v1', { auth: svc.auth });
      await assert.rejects(digestOf(svc.authRegistryUrl, repo, 'v1'), /HTTP 401/);
      await assert.rejects(digestOf(svc.authRegistryUrl, repo, 'v1', { username: svc.auth.username, password: 'wrong' }), /HTTP 401/);
    });

    it('credential helper from the DOCKER_CONFIG returns the right secret, and "not found" for other servers', () => {
      const config = JSON.parse(readFileSync(join(svc.dockerConfig, 'config.json'), 'utf8')) as { credHelpers: Record<string, string> };
      assert.deepEqual(config.credHelpers, { [svc.authRegistry]: 'imgpromo-test' });
      assert.ok(!readFileSync(join(svc.dockerConfig, 'config.json'), 'utf8').includes(svc.auth.password), 'no secret in config.json');
      const helper = join(svc.credBin, 'docker-credential-imgpromo-test');
      assert.ok(!readFileSync(helper, 'utf8').includes(svc.auth.password), 'no secret in the helper program');

      const got = runCredentialHelper(svc.credBin, 'imgpromo-test', svc.authRegistry);
      assert.deepEqual(got, { ServerURL: svc.authRegistry, Username: svc.auth.username, Secret: svc.auth.password });
      // As real helpers do: exit 1 and this text on stdout for an unknown server.
      const miss = spawnSync(helper, ['get'], { input: '127.0.0.1:1', encoding: 'utf8' });
      assert.equal(miss.status, 1);
      assert.equal(miss.stdout.trim(), 'credentials not found in native keychain');
    });

    it("lets the engine pull from it with the helper's credentials, and not without", async () => {
      const repo = uniqueRepo();
      const img = await pushImage(svc.authRegistryUrl, repo, 'v1', { auth: svc.auth });
      const secret = runCredentialHelper(svc.credBin, 'imgpromo-test', svc.authRegistry);
      assert.ok(secret);
      await assert.rejects(enginePull(svc.dockerHost, `${svc.authRegistry}/${repo}:v1`), /no basic auth credentials|unauthorized|401/i);
      const pulled = await enginePull(svc.dockerHost, `${svc.authRegistry}/${repo}:v1`, { username: secret.Username, password: secret.Secret });
      assert.equal(pulled.digest, img.digest);
    });

    it('makeDockerConfig writes auths, identity tokens and credsStore entries, and records helper calls', () => {
      const cfg = makeDockerConfig([
        { server: 'reg-a.test:5000', username: 'a', secret: 'sa' },
        { server: 'reg-b.test', username: 'b', secret: 'sb', via: 'auths' },
        { server: 'reg-c.test', username: '<token>', secret: 'tok', via: 'identitytoken' },
        { server: 'reg-d.test', username: 'd', secret: 'sd', via: 'store' },
      ]);
      try {
        const config = JSON.parse(readFileSync(cfg.configPath, 'utf8')) as Record<string, unknown>;
        assert.deepEqual(config, {
          auths: { 'reg-b.test': { auth: Buffer.from('b:sb').toString('base64') }, 'reg-c.test': { identitytoken: 'tok' } },
          credHelpers: { 'reg-a.test:5000': 'imgpromo-test' },
          credsStore: 'imgpromo-test',
        });
        assert.equal(runCredentialHelper(cfg.binDir, cfg.helperName, 'reg-a.test:5000')?.Secret, 'sa');
        assert.equal(runCredentialHelper(cfg.binDir, cfg.helperName, 'https://reg-d.test')?.Secret, 'sd');
        assert.equal(runCredentialHelper(cfg.binDir, cfg.helperName, 'reg-b.test'), undefined);
        cfg.setHelperSecret('reg-b.test', 'b2', 'new');
        assert.equal(runCredentialHelper(cfg.binDir, cfg.helperName, 'reg-b.test')?.Username, 'b2');
        assert.deepEqual(
          cfg.calls().map((c) => [c.action, c.serverUrl, c.found]),
          [
            ['get', 'reg-a.test:5000', true],
            ['get', 'https://reg-d.test', true],
            ['get', 'reg-b.test', false],
            ['get', 'reg-b.test', true],
          ],
        );
        assert.equal(cfg.env({ PATH: '/x' }).PATH.split(':')[0], cfg.binDir);
      } finally {
        void cfg.dispose();
      }
    });
  });

  describe('read-only registry', () => {
    it('makes an engine push fail inside a 200 push stream, and works again once writable', async () => {
      const reg = await startRegistry();
      try {
        const repo = uniqueRepo();
        const img = await pushImage(reg.url, repo, 'sha-1');
        await enginePull(svc.dockerHost, `${reg.host}/${repo}:sha-1`);
        await engineTag(svc.dockerHost, `${reg.host}/${repo}:sha-1`, `${reg.host}/${repo}:staging`);
        const other = uniqueRepo();
        await engineTag(svc.dockerHost, `${reg.host}/${repo}:sha-1`, `${reg.host}/${other}:staging`);

        await reg.restart({ readOnly: true });
        assert.equal(reg.options.readOnly, true);
        assert.equal(await digestOf(reg.url, repo, 'sha-1'), img.digest, 'storage kept, reads work');
        const put = await registryRequest(`${reg.url}/v2/${repo}/manifests/x`, {
          method: 'PUT',
          body: img.manifest,
          headers: { 'Content-Type': img.mediaType },
        });
        assert.equal(put.status, 405);

        // Layers already in the repository: the manifest PUT is refused.
        const sameRepo = await enginePush(svc.dockerHost, `${reg.host}/${repo}:staging`);
        assert.equal(sameRepo.status, 200);
        assert.match(sameRepo.error ?? '', /405/);
        assert.ok(sameRepo.lines[sameRepo.lines.length - 1].errorDetail, 'the error is the last line of the stream');
        assert.equal(sameRepo.digest, undefined);
        // A repository without the layers: the blob upload is refused.
        const newRepo = await enginePush(svc.dockerHost, `${reg.host}/${other}:staging`);
        assert.equal(newRepo.status, 200);
        assert.match(newRepo.error ?? '', /405/);
        assert.equal(await digestOf(reg.url, repo, 'staging'), undefined);
        assert.equal(await digestOf(reg.url, other, 'staging'), undefined);

        await reg.restart({ readOnly: false });
        const ok = await enginePush(svc.dockerHost, `${reg.host}/${repo}:staging`);
        assert.equal(ok.error, undefined);
        assert.equal(ok.digest, img.digest);
        assert.equal(await digestOf(reg.url, repo, 'staging'), img.digest);

        assert.equal(await reg.removeTag(repo, 'staging'), true);
        assert.equal(await digestOf(reg.url, repo, 'staging'), undefined);
        assert.equal(await digestOf(reg.url, repo, img.digest), img.digest);
      } finally {
        await reg.stop();
      }
      assert.equal(existsSync(reg.dir), false);
    });
  });

  describe('services', () => {
    it('are described by the IMGPROMO_TEST_* environment', () => {
      const again = servicesFromEnv(svc.env);
      assert.ok(again);
      assert.equal(again.dockerHost, svc.dockerHost);
      assert.equal(again.authRegistryUrl, svc.authRegistryUrl);
      assert.deepEqual(again.auth, svc.auth);
      assert.equal(again.clientEnv({ PATH: '/usr/bin' }).PATH, `${svc.credBin}:/usr/bin`);
      assert.equal(servicesFromEnv({}), undefined);
      assert.throws(() => servicesFromEnv({ IMGPROMO_TEST_DOCKER_HOST: 'unix:///x' }), /IMGPROMO_TEST_REGISTRY/);
    });

    it('never use the default engine socket', () => {
      assert.ok(svc.dockerHost.startsWith('unix://'));
      assert.notEqual(svc.dockerHost, 'unix:///var/run/docker.sock');
      assert.notEqual(svc.dockerHost, 'unix:///run/docker.sock');
    });

    it('offers engine addresses that are down', async () => {
      for (const kind of ['unix-missing', 'unix-refused', 'tcp-refused'] as const) {
        const down = await unreachableEngine(kind);
        try {
          assert.equal(await enginePing(down.host), false, kind);
          await assert.rejects(engineRequest(down.host, 'GET', '/_ping'), kind === 'unix-missing' ? /ENOENT/ : /ECONNREFUSED/);
        } finally {
          await down.dispose();
        }
      }
    });
  });

  describe('dockerd lifecycle', () => {
    it('stop() ends the daemon, unmounts its data root and removes its temp dir', async () => {
      const d = await startDockerd();
      assert.equal(await enginePing(d.host), true);
      assert.deepEqual(mountsUnder(d.dir), [d.dataRoot], 'dockerd bind-mounts its data root');
      await d.stop();
      assert.equal(await enginePing(d.host), false);
      assert.deepEqual(mountsUnder(d.dir), []);
      assert.equal(existsSync(d.dir), false);
    });

    for (const ending of ['SIGINT', 'SIGTERM', 'uncaught exception'] as const) {
      it(`cleans up when the test process ends by ${ending}`, async () => {
        const harness = join(__dirname, '..', 'harness', 'index.js');
        const script = `
          const h = require(${JSON.stringify(harness)});
          (async () => {
            const [d, r] = await Promise.all([h.startDockerd(), h.startRegistry()]);
            console.log(JSON.stringify({ dir: d.dir, pid: d.pid, regDir: r.dir }));
            ${ending === 'uncaught exception' ? "setTimeout(() => { throw new Error('boom'); }, 50);" : 'setInterval(() => {}, 1000);'}
          })();`;
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        const exitedWith = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
        const info = await new Promise<{ dir: string; pid: number; regDir: string }>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]) as { dir: string; pid: number; regDir: string });
          });
          child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
        });
        assert.equal(existsSync(info.dir), true);
        if (ending !== 'uncaught exception') child.kill(ending);
        const code = await exitedWith;
        assert.notEqual(code, 0);
        assert.equal(existsSync(info.dir), false, 'dockerd dir removed');
        assert.equal(existsSync(info.regDir), false, 'registry dir removed');
        assert.deepEqual(mountsUnder(info.dir), []);
        assert.equal(isAliveSync(info.pid), false, 'dockerd is gone');
      });
    }
  });
});
