// The order gate with promotionKeys: promoting onwards needs an attestation, signed by one of the keys,
// of the promotion into the environment before. The built CLI against the harness's registry; what
// the target holds is read back over plain HTTP.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { releaseYaml } from '../fixtures/releaseYaml';
import { digestOf, makeTempDir, pushImage, putManifest, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { p256KeyFiles, type KeyPairFiles } from '../evidence/keyFiles';
import { cliEnv, describeRun, runCli, workspace } from './support';

describe('image-promotion: the order gate with promotionKeys', function () {
  this.timeout(180_000);
  let svc: TestServices;
  let env: NodeJS.ProcessEnv;
  let keys: KeyPairFiles;
  let other: KeyPairFiles;
  before(async () => {
    svc = await sharedServices();
    env = cliEnv(svc, { COSIGN_PASSWORD: undefined, IMAGE_PROMOTION_SIGNING_KEY: undefined });
    const keyDir = makeTempDir('order-keys');
    keys = p256KeyFiles(keyDir, 'ci');
    other = p256KeyFiles(keyDir, 'other');
  });

  /** development → staging → production, promotionKeys naming the CI key (relative to the config's folder). */
  async function pipeline() {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a1b2c3d');
    const dir = workspace(
      `${promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }])}promotionKeys: [ci.pub]\n`,
    );
    writeFileSync(path.join(dir, 'ci.pub'), keys.publicKey.export({ type: 'spki', format: 'pem' }));
    return { repo, build, dir };
  }

  const promote = (dir: string, environment: string, ...extra: string[]) => runCli(['promote', environment, '--yes', ...extra], { cwd: dir, env });

  it('signed into staging: staging → production passes, the gate naming the signed promotion', async () => {
    const { repo, build, dir } = await pipeline();
    assert.equal((await promote(dir, 'development', '--build', 'a1b2c3d', '--signing-key', keys.privateFile)).code, 0);
    const staging = await promote(dir, 'staging', '--signing-key', keys.privateFile);
    assert.equal(staging.code, 0, describeRun(staging));
    const check = await runCli(['check', 'production'], { cwd: dir, env });
    assert.equal(check.code, 0, describeRun(check));
    assert.match(check.stdout, /staging holds sha256:[0-9a-f]+…?, signed as promoted there \(promotion [^ ]+ of .*signed by [0-9a-f]{12}\)/);
    const prod = await promote(dir, 'production');
    assert.equal(prod.code, 0, describeRun(prod));
    assert.equal(await digestOf(svc.registryUrl, repo, 'production'), build.digest);
  });

  it("a release: every image's promotion is signed beside its own digest, so the order gate passes for each and verify checks each chain", async () => {
    const names = ['api', 'worker'] as const;
    const repos = { api: uniqueRepo('api'), worker: uniqueRepo('worker') };
    const builds = { api: await pushImage(svc.registryUrl, repos.api, 'a1b2c3d'), worker: await pushImage(svc.registryUrl, repos.worker, 'a1b2c3d') };
    const dir = workspace(
      `${releaseYaml(
        names.map((n) => ({ name: n, image: `${svc.registry}/${repos[n]}` })),
        [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }],
      )}promotionKeys: [ci.pub]\n`,
    );
    writeFileSync(path.join(dir, 'ci.pub'), keys.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal((await promote(dir, 'development', '--build', 'a1b2c3d', '--signing-key', keys.privateFile)).code, 0);
    const staging = await promote(dir, 'staging', '--signing-key', keys.privateFile);
    assert.equal(staging.code, 0, describeRun(staging));
    const check = await runCli(['check', 'production'], { cwd: dir, env });
    assert.equal(check.code, 0, describeRun(check));
    for (const n of names) assert.match(check.stdout, new RegExp(`${n}: promotion order.*signed as promoted there`));
    const verified = await runCli(['verify', 'staging', '--json'], { cwd: dir, env });
    assert.equal(verified.code, 0, describeRun(verified));
    const result = JSON.parse(verified.stdout) as { verified: boolean; images: { image: string; digest: string; verified: boolean; links: unknown[] }[] };
    assert.deepEqual(
      result.images.map((i) => [i.image, i.digest, i.verified, i.links.length]),
      names.map((n) => [n, builds[n].digest, true, 2]),
    );
    const prod = await promote(dir, 'production');
    assert.equal(prod.code, 0, describeRun(prod));
    for (const n of names) assert.equal(await digestOf(svc.registryUrl, repos[n], 'production'), builds[n].digest);
  });

  it('pushed into staging by hand, promoted into it unsigned or signed by another key: blocked (1), production untouched', async () => {
    // By hand: the manifest PUT under the staging tag, no promotion at all.
    const byHand = await pipeline();
    assert.equal((await promote(byHand.dir, 'development', '--build', 'a1b2c3d', '--signing-key', keys.privateFile)).code, 0);
    await putManifest(svc.registryUrl, byHand.repo, 'staging', byHand.build.manifest, byHand.build.mediaType);
    const blocked = await promote(byHand.dir, 'production');
    assert.equal(blocked.code, 1, describeRun(blocked));
    assert.match(
      blocked.stdout + blocked.stderr,
      /staging holds sha256:\S+, but not as signed promoted there \(promotionKeys\): no valid signed promotion into staging/,
    );
    assert.equal(await digestOf(svc.registryUrl, byHand.repo, 'production'), undefined, 'nothing moved');

    // Promoted into staging without a key (development signed): the record exists, unsigned.
    const unsigned = await pipeline();
    assert.equal((await promote(unsigned.dir, 'development', '--build', 'a1b2c3d', '--signing-key', keys.privateFile)).code, 0);
    assert.equal((await promote(unsigned.dir, 'staging')).code, 0);
    const unsignedRun = await promote(unsigned.dir, 'production');
    assert.equal(unsignedRun.code, 1, describeRun(unsignedRun));
    assert.match(
      unsignedRun.stdout + unsignedRun.stderr,
      /no valid signed promotion into staging .*: signed attestations there are of moves into other environments \(development\)/,
    );
    assert.equal(await digestOf(svc.registryUrl, unsigned.repo, 'production'), undefined, 'nothing moved');

    // Signed, but by a key promotionKeys does not list: already development's is refused onwards.
    const otherKey = await pipeline();
    assert.equal((await promote(otherKey.dir, 'development', '--build', 'a1b2c3d', '--signing-key', keys.privateFile)).code, 0);
    assert.equal((await promote(otherKey.dir, 'staging', '--signing-key', other.privateFile)).code, 0);
    const otherRun = await promote(otherKey.dir, 'production');
    assert.equal(otherRun.code, 1, describeRun(otherRun));
    assert.match(otherRun.stdout + otherRun.stderr, /signed by another key/);
    assert.equal(await digestOf(svc.registryUrl, otherKey.repo, 'production'), undefined, 'nothing moved');
  });

  it('a promotionKeys file that is not a P-256 public key blocks with its reason; nothing moves', async () => {
    const { repo, dir } = await pipeline();
    assert.equal((await promote(dir, 'development', '--build', 'a1b2c3d', '--signing-key', keys.privateFile)).code, 0);
    assert.equal((await promote(dir, 'staging', '--signing-key', keys.privateFile)).code, 0);
    writeFileSync(path.join(dir, 'ci.pub'), 'not a key\n');
    const run = await promote(dir, 'production');
    assert.equal(run.code, 1, describeRun(run));
    assert.match(run.stdout + run.stderr, /could not be checked: .*ci\.pub holds no -----BEGIN PUBLIC KEY----- block/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'production'), undefined, 'nothing moved');
  });
});
