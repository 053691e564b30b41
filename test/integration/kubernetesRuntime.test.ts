// runs: kubernetes through @kubernetes/client-node's KubeConfig (KUBECONFIG, its context, the CA and
// token it names) against the harness's API server stand-in serving the pod lists of
// test/fixtures/kubernetes/ — no kube-apiserver can be installed here.
import * as assert from 'node:assert/strict';
import { parseRepository } from '../../src/core/reference';
import { kubernetesReader } from '../../src/runtime/kubernetesRuntime';
import { readRunning } from '../../src/runtime/running';
import { countRunning } from '../../src/runtime/runtime';
import { podListFixture, startKubeApiServer, type KubeApiServer } from '../harness/kubeApiServer';

const OLD = 'sha256:3f9c2ab5d1e0a7c4b8f6e2d9c1a0b7e6f5d4c3b2a1908f7e6d5c4b3a29180716';
const NEW = 'sha256:8d41e07c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2918f0e1d2c3b4a5968778695a4b';
const shop = parseRepository('registry.example.com/team/shop');

describe('runs: kubernetes (an API server stand-in with recorded-shape answers)', function () {
  this.timeout(30_000);
  let api: KubeApiServer;
  let saved: string | undefined;
  before(async () => {
    api = await startKubeApiServer();
    saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = api.kubeconfig;
  });
  after(async () => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
    await api?.stop();
  });

  it('reads the digest each running container of the repository runs, in both imageID forms, leaving sidecars and pending pods out', async () => {
    api.setPods('shop', podListFixture('pods-not-redeployed.json'));
    const reader = kubernetesReader({ kind: 'kubernetes', context: 'fixture', namespace: 'shop', selector: 'app=shop,tier=web' }, shop);
    const report = await reader.read();
    assert.deepEqual(
      report.instances.map((i) => [i.name, i.digests]),
      [
        ['shop-6f8b7d9c5-m4t8z/web', [OLD]],
        ['shop-6f8b7d9c5-w7rj2/web', [OLD]],
        ['shop-7c9d5b8f4-2xkqp/web', [NEW]],
      ],
    );
    assert.deepEqual(countRunning(report.instances, NEW), [
      { digest: OLD, count: 2 },
      { digest: NEW, count: 1 },
    ]);
    assert.match(report.where, /pods app=shop,tier=web in shop \(fixture, 127\.0\.0\.1:\d+\)/);
    // The selector went to the server as kubectl sends it, with the kubeconfig's token.
    const last = api.requests[api.requests.length - 1]!;
    assert.equal(last.path, '/api/v1/namespaces/shop/pods?labelSelector=app%3Dshop%2Ctier%3Dweb');
    assert.equal(last.authorization, 'Bearer');

    api.setPods('shop', podListFixture('pods-rolled-out.json'));
    const rolled = await reader.read();
    assert.equal(rolled.instances.length, 3, 'the pending pod runs nothing yet');
    assert.ok(rolled.instances.every((i) => i.digests[0] === NEW));
  });

  it("a real cluster's recorded answer (zalando/skipper's fixture, see the fixtures' README): every running container and its digest", async () => {
    const recorded = podListFixture('recorded-skipper-ingress-pods.json');
    const skipper = parseRepository('registry.opensource.zalan.do/pathfinder/skipper');
    const SKIPPER = 'sha256:65e409ae5b2d553181bd086cc59aaaaa19c9b5b6e9aadd3c7b8122606f03744a';
    api.setPods('kube-system', recorded);
    const reader = kubernetesReader({ kind: 'kubernetes', context: 'fixture', namespace: 'kube-system', selector: 'application=skipper-ingress' }, skipper);
    const report = await reader.read();
    assert.equal(report.instances.length, 9);
    assert.ok(
      report.instances.every((i) => /^skipper-ingress-\w{5}\/skipper-ingress$/.test(i.name) && i.digests.join() === SKIPPER),
      JSON.stringify(report.instances),
    );
    assert.deepEqual(countRunning(report.instances, SKIPPER), [{ digest: SKIPPER, count: 9 }]);
    assert.equal(
      (await kubernetesReader({ kind: 'kubernetes', namespace: 'kube-system', selector: 'application=skipper-ingress' }, shop).read()).instances.length,
      0,
      'another repository runs nowhere there',
    );
    assert.equal(
      (await kubernetesReader({ kind: 'kubernetes', namespace: 'kube-system', selector: 'application=skipper-ingress' }, [shop, skipper]).read()).instances
        .length,
      9,
      "a release's reader counts the containers of any of its images' repositories",
    );

    // Changed here, not in the file: two pods' imageID digests, as a rollout half done would report them.
    const half = JSON.parse(JSON.stringify(recorded)) as { items: { status: { containerStatuses: { imageID: string }[] } }[] };
    for (const pod of half.items.slice(0, 2)) pod.status.containerStatuses[0]!.imageID = pod.status.containerStatuses[0]!.imageID.replace(SKIPPER, NEW);
    api.setPods('kube-system', half);
    assert.deepEqual(countRunning((await reader.read()).instances, NEW), [
      { digest: SKIPPER, count: 7 },
      { digest: NEW, count: 2 },
    ]);
  });

  it("a namespace the token may not read is the server's own refusal, in words", async () => {
    const reader = kubernetesReader({ kind: 'kubernetes', namespace: 'payments', selector: 'app=shop' }, shop);
    await assert.rejects(reader.read(), (error: Error) => {
      assert.match(error.message, /refused to list pods in payments: pods is forbidden: User "system:serviceaccount:ci:promoter" cannot list/);
      return true;
    });
  });

  it('a context the kubeconfig lacks is said with the ones it has', async () => {
    const reader = kubernetesReader({ kind: 'kubernetes', context: 'prod', namespace: 'shop', selector: 'app=shop' }, shop);
    await assert.rejects(reader.read(), /the kubeconfig has no context "prod" \(it has fixture\)/);
  });

  it('a slow API server is "no answer within" at refresh, not a wait', async () => {
    api.setPods('shop', podListFixture('pods-rolled-out.json'));
    api.delay(3_000);
    try {
      const started = Date.now();
      const running = await readRunning(kubernetesReader({ kind: 'kubernetes', namespace: 'shop', selector: 'app=shop' }, shop), undefined, 500);
      assert.deepEqual(running.state === 'unreachable' && running.reason, 'no answer within 0.5 s');
      assert.ok(Date.now() - started < 2_000);
    } finally {
      api.delay(0);
    }
  });
});
