// `status` says what each environment runs, and `promote` redeploys, through dist/cli.js as a separate
// process against the harness's engine (real containers) and registry.
import * as assert from 'node:assert/strict';
import { digestOf, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { containersWith, digestsRunBy, pushRunnableImage, removeContainersWith, runContainer } from '../harness/containers';
import { podListFixture, startKubeApiServer } from '../harness/kubeApiServer';
import { cliEnv, describeRun, runCli, workspace } from './support';

interface StatusJson {
  environments: {
    name: string;
    state: string;
    digest?: string;
    description: string;
    running?: { digest: string | null; count: number }[];
    runtime?: { where: string; state: string; reason?: string };
  }[];
}

describe('image-promotion CLI: what runs and the redeploy', function () {
  this.timeout(180_000);
  let svc: TestServices;
  const app = `cli-shop-${Date.now()}`;
  before(async () => {
    svc = await sharedServices();
  });
  after(async () => {
    await removeContainersWith(svc.dockerHost, { 'imgpromo.test': app });
  });

  it('status shows a not-redeployed environment (text and --json running: [{ digest, count }]); promote recreates the containers and status then shows them running it', async () => {
    const repo = uniqueRepo('shop');
    const a = await pushRunnableImage(svc.registryUrl, repo, 'a1b2c3d');
    const b = await pushRunnableImage(svc.registryUrl, repo, 'e4f5a6b');
    await pushRunnableImage(svc.registryUrl, repo, undefined); // unrelated build, by digest only
    for (const n of [1, 2]) await runContainer(svc.dockerHost, { name: `${app}-${n}`, image: a.reference, labels: { 'imgpromo.test': app } });
    const dir = workspace(
      [
        `image: ${svc.registry}/${repo}`,
        'environments:',
        '  - name: development',
        '    tag: dev',
        '  - name: staging',
        '    tag: staging',
        '    runs:',
        `      docker: { labels: { imgpromo.test: ${app} } }`,
        '    deploy:',
        '      docker: {}',
        '      within: 1m',
        '',
      ].join('\n'),
    );
    const env = cliEnv(svc);
    assert.equal((await runCli(['promote', 'development', '--build', 'e4f5a6b'], { cwd: dir, env })).code, 0);
    // staging's tag holds build b, as if CI had moved it, while its containers run build a.
    const { tagExisting } = await import('../harness');
    await tagExisting(svc.registryUrl, repo, b.digest, 'staging');

    const json = await runCli(['status', '--json'], { cwd: dir, env });
    assert.equal(json.code, 0, describeRun(json));
    const staging = (JSON.parse(json.stdout) as StatusJson).environments.find((e) => e.name === 'staging')!;
    assert.equal(staging.state, 'not-redeployed');
    assert.deepEqual(staging.running, [{ digest: a.digest, count: 2 }]);
    assert.equal(staging.runtime?.state, 'not-redeployed');
    assert.match(staging.runtime!.where, new RegExp(`containers imgpromo.test=${app} on unix://`));
    const text = await runCli(['status'], { cwd: dir, env });
    assert.match(text.stdout, new RegExp(`staging\\s+staging · tag ${b.digest.slice(0, 19)} · runs ${a.digest.slice(0, 19)} on 2 of 2 — not redeployed`));
    const development = (JSON.parse(json.stdout) as StatusJson).environments.find((e) => e.name === 'development')!;
    assert.equal(development.running, undefined, 'no runs: no running');

    // Put staging back on a, then promote b into it: the promotion redeploys and waits.
    await tagExisting(svc.registryUrl, repo, a.digest, 'staging');
    const promoted = await runCli(['promote', 'staging', '--json'], { cwd: dir, env });
    assert.equal(promoted.code, 0, describeRun(promoted));
    assert.match(promoted.stdout, new RegExp(`recreated ${app}-1, ${app}-2 with ${b.digest.slice(0, 19)}`));
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), b.digest);
    for (const c of await containersWith(svc.dockerHost, { 'imgpromo.test': app })) assert.deepEqual(await digestsRunBy(svc.dockerHost, c), [b.digest]);
    const after = (JSON.parse((await runCli(['status', '--json'], { cwd: dir, env })).stdout) as StatusJson).environments.find((e) => e.name === 'staging')!;
    assert.deepEqual([after.state, after.running], ['in-step', [{ digest: b.digest, count: 2 }]]);
    assert.match(after.description, new RegExp(`runs ${b.digest.slice(0, 19)} \\(2/2\\)`));
  });

  it('status reads runs: kubernetes through the bundled KubeConfig (KUBECONFIG, its CA and token) from an API server stand-in', async () => {
    const api = await startKubeApiServer();
    try {
      api.setPods('shop', podListFixture('pods-not-redeployed.json'));
      const repo = uniqueRepo('shop');
      const build = await pushRunnableImage(svc.registryUrl, repo, 'staging');
      const dir = workspace(
        [
          `image: ${svc.registry}/${repo}`,
          'environments:',
          '  - name: staging',
          '    tag: staging',
          '    runs:',
          '      kubernetes: { namespace: shop, selector: app=shop, container: web }',
          '',
        ].join('\n'),
      );
      const json = await runCli(['status', '--json'], { cwd: dir, env: cliEnv(svc, { KUBECONFIG: api.kubeconfig }) });
      assert.equal(json.code, 0, describeRun(json));
      const staging = (JSON.parse(json.stdout) as StatusJson).environments[0]!;
      assert.equal(staging.digest, build.digest);
      assert.equal(staging.state, 'not-redeployed');
      assert.deepEqual(staging.running, [
        { digest: 'sha256:3f9c2ab5d1e0a7c4b8f6e2d9c1a0b7e6f5d4c3b2a1908f7e6d5c4b3a29180716', count: 2 },
        { digest: 'sha256:8d41e07c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2918f0e1d2c3b4a5968778695a4b', count: 1 },
      ]);
      assert.match(staging.runtime!.where, /pods app=shop in shop \(fixture, 127\.0\.0\.1:\d+\)/);
      assert.ok(api.requests.some((r) => r.path === '/api/v1/namespaces/shop/pods?labelSelector=app%3Dshop'));

      // A namespace the token may not read: the row says so, stderr says why, and the exit code stays the tags' (0).
      const refused = workspace(
        [
          `image: ${svc.registry}/${repo}`,
          'environments:',
          '  - name: staging',
          '    tag: staging',
          '    runs:',
          '      kubernetes: { namespace: payments, selector: app=shop }',
          '',
        ].join('\n'),
      );
      const text = await runCli(['status'], { cwd: refused, env: cliEnv(svc, { KUBECONFIG: api.kubeconfig }) });
      assert.equal(text.code, 0, describeRun(text));
      assert.match(text.stdout, /staging\s+staging · sha256:\w{12} · runtime unreachable/);
      assert.match(text.stderr, /staging: what runs could not be read from pods app=shop in payments: .*pods is forbidden/);
    } finally {
      await api.stop();
    }
  });
});
