// The redeploy of a release against the harness's real dockerd: containers of two images carry one
// label; each is recreated with its own image's promoted digest, and the promotion waits until every
// container runs its image's new digest. A container of another image with the label is left alone.
import * as assert from 'node:assert/strict';
import { environmentDescriptionParts, environmentState } from '../../src/app/statusText';
import { takeSnapshot } from '../../src/model/snapshot';
import { sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { containersWith, digestsRunBy, pushRunnableImage, removeContainersWith, runContainer } from '../harness/containers';
import { config } from './support';
import { promoteIntoStaging, snapshotServicesWithRuntime } from './runtimeSupport';

describe('the redeploy of a release (real engine, real containers)', function () {
  this.timeout(180_000);
  let svc: TestServices;
  const apps: string[] = [];
  before(async () => {
    svc = await sharedServices();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await removeContainersWith(svc.dockerHost, { 'imgpromo.test': app });
  });

  /** api and worker as one release; staging's containers carry the app's label and are recreated. */
  function releaseOfApiAndWorker(paths: { api: string; worker: string }, app: string, within: string) {
    return config(
      [
        'images:',
        `  - name: api`,
        `    image: ${svc.registry}/${paths.api}`,
        `  - name: worker`,
        `    image: ${svc.registry}/${paths.worker}`,
        'environments:',
        '  - name: development',
        '    tag: dev',
        '  - name: staging',
        '    tag: staging',
        `    runs: { docker: { labels: { imgpromo.test: ${app} } } }`,
        `    deploy: { docker: {}, within: ${within} }`,
        '',
      ].join('\n'),
    );
  }

  it('every container is recreated with its own image of the release, and the wait is for every image', async () => {
    const app = `release-${Date.now()}`;
    apps.push(app);
    const paths = { api: uniqueRepo('api'), worker: uniqueRepo('worker') };
    const builds: Record<'api' | 'worker', { a: string; b: string; aRef: string }> = {} as never;
    for (const name of ['api', 'worker'] as const) {
      const a = await pushRunnableImage(svc.registryUrl, paths[name], 'staging');
      const b = await pushRunnableImage(svc.registryUrl, paths[name], 'dev');
      builds[name] = { a: a.digest, b: b.digest, aRef: a.reference };
    }
    for (const [name, n] of [
      ['api', 1],
      ['api', 2],
      ['worker', 1],
    ] as const)
      await runContainer(svc.dockerHost, { name: `${app}-${name}-${n}`, image: builds[name].aRef, labels: { 'imgpromo.test': app } });
    const cfg = releaseOfApiAndWorker(paths, app, '1m');
    const outcome = await promoteIntoStaging(svc, cfg);
    assert.equal(outcome.status, 'succeeded', outcome.message);
    const deploy = outcome.verification!.gates[0]!;
    assert.equal(deploy.type, 'deploy');
    assert.match(
      deploy.reason,
      new RegExp(
        `recreated ${app}-api-1 \\(api ${builds.api.b.slice(0, 19)}\\), ${app}-api-2 \\(api .*\\), ${app}-worker-1 \\(worker ${builds.worker.b.slice(0, 19)}\\)`,
      ),
    );
    assert.match(deploy.reason, /the release \(.*\) runs on 3 of 3/);
    const after = await containersWith(svc.dockerHost, { 'imgpromo.test': app });
    assert.deepEqual(await Promise.all(after.map(async (c) => [c.name, c.state, await digestsRunBy(svc.dockerHost, c)])), [
      [`${app}-api-1`, 'running', [builds.api.b]],
      [`${app}-api-2`, 'running', [builds.api.b]],
      [`${app}-worker-1`, 'running', [builds.worker.b]],
    ]);
    // The row agrees: each container runs its own image's digest of the release (not "not redeployed").
    const row = (await takeSnapshot(cfg, snapshotServicesWithRuntime(svc))).environments[1]!;
    assert.notEqual(environmentState(row), 'not-redeployed', environmentDescriptionParts(row).join(' · '));
    assert.match(environmentDescriptionParts(row).join(' · '), /runs .* \(3\/3\)/);
  });

  it('a labelled container of none of the release images is left as it was, and the wait says it does not run the release', async () => {
    const app = `release-${Date.now()}`;
    apps.push(app);
    const paths = { api: uniqueRepo('api'), worker: uniqueRepo('worker'), other: uniqueRepo('other') };
    const builds: Record<string, { a: string; b: string; aRef: string }> = {};
    for (const name of ['api', 'worker'] as const) {
      const a = await pushRunnableImage(svc.registryUrl, paths[name], 'staging');
      const b = await pushRunnableImage(svc.registryUrl, paths[name], 'dev');
      builds[name] = { a: a.digest, b: b.digest, aRef: a.reference };
    }
    const other = await pushRunnableImage(svc.registryUrl, paths.other, 'v1');
    await runContainer(svc.dockerHost, { name: `${app}-api-1`, image: builds['api']!.aRef, labels: { 'imgpromo.test': app } });
    await runContainer(svc.dockerHost, { name: `${app}-sidecar`, image: other.reference, labels: { 'imgpromo.test': app } });
    // worker's staging tag already holds its new build: only api moves.
    await tagExisting(svc.registryUrl, paths.worker, builds['worker']!.b, 'staging');
    const cfg = releaseOfApiAndWorker(paths, app, '3s');
    const outcome = await promoteIntoStaging(svc, cfg);
    assert.equal(outcome.status, 'failed', outcome.message);
    const deploy = outcome.verification!.gates[0]!;
    assert.match(deploy.reason, new RegExp(`${app}-sidecar runs .*${paths.other}.*, an image of none of the release's repositories, and was left as it was`));
    assert.match(deploy.reason, /not everywhere within 3s: the release \(.*\) runs on 1 of 2; sha256:\w{12} on 1/);
    const sidecar = (await containersWith(svc.dockerHost, { 'imgpromo.test': app })).find((c) => c.name === `${app}-sidecar`)!;
    assert.deepEqual([sidecar.state, await digestsRunBy(svc.dockerHost, sidecar)], ['running', [other.digest]]);
  });
});
