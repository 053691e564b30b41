// Verification after the move through promote() itself, through the Docker engine and registry-side:
// the verify gate asks a real loopback service for the build's revision, the progress counts it, and
// the digest is read back over HTTP and with skopeo, independently of the code under test.
import * as assert from 'node:assert/strict';
import { promote } from '../../src/promotion/promote';
import { digestOf, pushImage, sharedServices, skopeoDigest, uniqueRepo, type TestServices } from '../harness';
import { promotionYaml } from '../fixtures/promotionYaml';
import { startVersionServer, type VersionServer } from '../harness/versionServer';
import { config, env, environmentFor, makeCore, ScriptedPrompts } from './support';

describe('verification after the move (real engine and registry, a loopback service)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let service: VersionServer;
  before(async () => {
    svc = await sharedServices();
    service = await startVersionServer('nothing yet');
  });
  after(() => service?.stop());

  for (const transport of ['engine', 'registry'] as const) {
    it(`${transport}: "Verifying staging (0/1, until …)…", then verified: staging answers /version = the build's revision`, async () => {
      const repo = uniqueRepo();
      const build = await pushImage(svc.registryUrl, repo, '3f9c2ab', { labels: { 'org.opencontainers.image.revision': '3f9c2ab' } });
      const cfg = config(
        promotionYaml(`${svc.registry}/${repo}`, [
          { name: 'development', tag: 'dev' },
          {
            name: 'staging',
            verify: [`{ type: http, name: staging answers /version, url: "${service.url}/version", body: { contains: "\${revision}" }, within: 30s }`],
          },
        ]),
      );
      const core = makeCore(svc, { transport });
      const progress: string[] = [];
      const run = environmentFor(new ScriptedPrompts(), { progress: (m) => progress.push(m) });
      const intoDev = await promote({ config: cfg, source: { kind: 'build', tag: '3f9c2ab' }, target: env(cfg, 'development') }, core.services, run);
      assert.equal(intoDev.status, 'succeeded', intoDev.message);
      assert.equal(intoDev.verification, undefined, 'development has no verify gates');

      service.answer((n) => (n === 1 ? 'version 1a2b3c4' : 'version 3f9c2ab'));
      const outcome = await promote(
        { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
        core.services,
        run,
      );
      assert.equal(outcome.status, 'succeeded', outcome.message);
      assert.equal(outcome.transport, transport);
      assert.equal(outcome.verification?.status, 'passed');
      assert.match(
        outcome.message,
        /verified in the registry\. Verified: staging answers \/version: GET http:\/\/127\.0\.0\.1:\d+\/version: answered 200 OK and .*3f9c2ab.* \(after 2 attempts in \d+s\)\.$/,
      );
      assert.equal(service.requests(), 2);
      const verifying = progress.filter((m) => m.startsWith('Verifying staging ('));
      assert.match(verifying[0]!, /^Verifying staging \(0\/1, until \d\d:\d\d:\d\d\)…$/);
      assert.match(verifying.at(-1)!, /^Verifying staging \(1\/1, until \d\d:\d\d:\d\d\)…$/);
      assert.ok(progress.indexOf(verifying[0]!) > progress.indexOf('Verifying…'), 'after the read-back of the move');
      assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), build.digest);
      assert.equal(await skopeoDigest(`${svc.registry}/${repo}:staging`), build.digest);
    });
  }
});
