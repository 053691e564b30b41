// The Environments rows' signed word (src/app/signedChain.ts SignedChains) against the harness's real
// Distribution registry: known after a background check, every link read side by side, a signed row
// never read again, a row not signed read again after a refresh (an attestation may have been added).
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignedChains } from '../../src/app/signedChain';
import { silentLogger } from '../../src/core/log';
import { PromotionAttestations } from '../../src/evidence/promotionAttestations';
import { RegistryAttestations } from '../../src/evidence/registryAttestations';
import { recordFromOutcome } from '../../src/history/record';
import { repositoryName } from '../../src/core/reference';
import type { EnvironmentConfig } from '../../src/config/types';
import { promotionYaml } from '../fixtures/promotionYaml';
import { makeTempDir, pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { p256KeyFiles } from '../evidence/keyFiles';
import { countingRegistry } from './countingRegistry';
import { config, makeCore } from './support';
import { loadSigningKey } from '../../src/evidence/keys';

describe('signed word of an Environments row (SignedChains)', function () {
  this.timeout(60_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  /** A repository with development and staging signed (production not), its config and a key file in a folder. */
  async function signedSetup() {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'b0e5001');
    const dir = makeTempDir('signed-rows');
    const keys = p256KeyFiles(dir, 'promotion');
    const yaml = promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }]);
    writeFileSync(join(dir, '.promotion.yaml'), yaml);
    const cfg = config(`${yaml}promotionKeys: [promotion.pub]\n`);
    const core = makeCore(svc);
    const counting = countingRegistry(core.services.registry);
    const sign = async (env: EnvironmentConfig): Promise<void> => {
      const record = recordFromOutcome(
        {
          status: 'succeeded',
          message: 'ok',
          digest: build.digest,
          previousDigest: null,
          finalDigest: build.digest,
          gates: [],
          durationMs: 1,
          transport: 'registry',
        },
        {
          source: { label: 'b0e5001', repository: repositoryName(env.repository) },
          target: { environment: env.name, tag: env.tag, repository: repositoryName(env.repository) },
        },
        { user: 'ada' },
      );
      const writer = new PromotionAttestations({
        registry: new RegistryAttestations({ registry: core.services.registry, log: silentLogger }),
        keyFile: () => undefined,
        password: () => undefined,
        log: silentLogger,
        warn: () => undefined,
      });
      assert.deepEqual(await writer.write(await loadSigningKey(keys.privateFile), record), { state: 'written' });
    };
    const [development, staging] = cfg.environments;
    await sign(development!);
    await sign(staging!);
    return { repo, build, dir, keys, cfg, counting, sign };
  }

  it('reads the links side by side once; after a refresh a signed row asks the registry nothing, a row not signed reads its missing link, a replaced key file shows', async () => {
    const { repo, build, dir, cfg, counting, sign } = await signedSetup();

    let changes = 0;
    const chains = new SignedChains({ registry: counting.registry, log: silentLogger }, () => changes++);
    const words = async (): Promise<(string | undefined)[]> => {
      const now = () => ['staging', 'production'].map((e) => chains.word(cfg, dir, e, build.digest));
      now();
      for (let i = 0; i < 100 && now().some((w) => w === undefined); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 50)); // a check still running settles
      return now();
    };
    chains.seen({});
    assert.deepEqual(await words(), ['signed', 'unsigned: no attestation into production']);
    assert.ok(changes >= 1);
    // staging's chain and production's read development, staging and production: each .att once per
    // check, every link of a check side by side (one round for the manifests, one for their envelopes;
    // one link after another would be 6 for production's chain alone).
    const attReads = counting.calls.filter((c) => c.startsWith('getManifest') && c.endsWith('.att'));
    assert.equal(attReads.length, 5, counting.calls.join('\n'));
    assert.ok(counting.roundTrips() <= 4, `${counting.roundTrips()} round trips:\n${counting.calls.join('\n')}`);

    // Without a refresh, nothing is asked again.
    counting.reset();
    assert.deepEqual(await words(), ['signed', 'unsigned: no attestation into production']);
    assert.equal(counting.calls.length, 0, counting.calls.join('\n'));

    // After a refresh: production is signed now; only its own link is read, staging's row asks nothing.
    await sign(cfg.environments[2]!);
    counting.reset();
    chains.seen({});
    chains.word(cfg, dir, 'production', build.digest);
    chains.word(cfg, dir, 'staging', build.digest);
    for (let i = 0; i < 100 && chains.word(cfg, dir, 'production', build.digest) !== 'signed'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(chains.word(cfg, dir, 'production', build.digest), 'signed');
    assert.deepEqual(
      counting.calls.filter((c) => c.startsWith('getManifest')),
      [`getManifest ${repo} sha256-${build.digest.slice(7)}.att`],
      'only the link that was missing is read',
    );

    // The key file replaced by another key: after a refresh the rows say so (valid links are kept per key).
    writeFileSync(join(dir, 'promotion.pub'), readFileSync(p256KeyFiles(dir, 'other').publicFile));
    chains.seen({});
    const expected = 'unsigned: no valid attestation into development';
    for (let i = 0; i < 100 && chains.word(cfg, dir, 'staging', build.digest) !== expected; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(chains.word(cfg, dir, 'staging', build.digest), expected);
  });

  it("the tooltip reads through the row's links: a valid link already known is not asked of the registry again, a missing one is", async () => {
    const { repo, build, dir, cfg, counting } = await signedSetup();
    const chains = new SignedChains({ registry: counting.registry, log: silentLogger }, () => undefined);
    chains.seen({});
    const rows = () => ['staging', 'production'].map((e) => chains.word(cfg, dir, e, build.digest));
    for (let i = 0; i < 100 && rows().some((w) => w === undefined); i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(rows(), ['signed', 'unsigned: no attestation into production']);

    counting.reset();
    assert.equal(await chains.line(cfg, dir, 'staging', build.digest), 'Signed, promoted through development → staging');
    assert.equal(counting.calls.length, 0, `both links were found valid for the row: nothing is read, yet:\n${counting.calls.join('\n')}`);
    assert.match(
      (await chains.line(cfg, dir, 'production', build.digest))!,
      /^Not signed as promoted: production: .*moves into other environments \(staging\)/,
    );
    assert.deepEqual(
      counting.calls.filter((c) => c.startsWith('getManifest')),
      [`getManifest ${repo} sha256-${build.digest.slice(7)}.att`],
      "only production's link, the one not known valid, is read",
    );
  });
});
