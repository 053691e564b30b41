// The outcome of a promotion is shown as soon as the move is verified and in the history file; when its
// registry record is still on its way (its referrers-index write held back by a proxy here), the
// notification says so, and gives way to the outcome with the record's line once it landed.
import * as assert from 'node:assert/strict';
import { digestOf, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { startDelayingProxy, type DelayingProxy } from '../harness/delayingProxy';
import { Workbench } from './workbench';

describe('UI: the registry record follows the outcome', function () {
  this.timeout(180_000);
  let services: TestServices;
  let proxy: DelayingProxy;
  let wb: Workbench;
  const repo = uniqueRepo('app');
  let build: { digest: string };

  before(async () => {
    services = await sharedServices();
    build = await pushImage(services.registryUrl, repo, 'abc1234');
    await tagExisting(services.registryUrl, repo, 'abc1234', 'dev');
    proxy = await startDelayingProxy(Number(services.registry.split(':')[1]), { request: /^PUT \/v2\/.*\/manifests\/sha256-[0-9a-f]{64}$/, ms: 5000 });
    wb = await Workbench.open({ env: services.env, workspace: { env: { IMGPROMO_TEST_REPOSITORY: repo, IMGPROMO_TEST_REGISTRY: proxy.host } } });
    await wb.openViewContainer();
  });

  after(async () => {
    await wb?.close();
    await proxy?.stop();
  });

  it('"staging now holds" at once, "its record is being written", then the outcome with "Recorded in the registry"', async () => {
    await wb.waitForTreeRows('Environments', (rs) => rs.some((r) => r.label === 'development' && r.description.includes('abc1234')));
    await wb.runCommand('Image Promotion: Promote to Staging');
    await wb.waitForDialog();
    await wb.clickDialogButton('Continue…');
    await wb.submitInputBox('staging');
    const pending = await wb.waitForNotification(/its record is being written to the registry/, 60_000);
    assert.match(pending, /staging now holds sha256:\w{12}/);
    assert.equal(proxy.held.length, 0, 'shown before the record’s index write was let through');
    assert.equal(await digestOf(services.registryUrl, repo, 'staging'), build.digest);
    const landed = await wb.waitForNotification(/Recorded in the registry/, 60_000);
    assert.match(landed, /staging now holds sha256:\w{12}.*Recorded in the registry: 127\.0\.0\.1:\d+\/t\/\w+\/app@sha256:\w{12} \(referrers tag\)\./);
    assert.equal(proxy.held.length, 1);
  });
});
