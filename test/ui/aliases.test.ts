// A pipeline whose middle environment is called qa, not staging, in a real workbench: "Promote to
// Staging" asks which environment it means (qa preselected) and remembers the answer for the workspace,
// across a reload; promoting a digest qa already holds says so before any dialog.
import * as assert from 'node:assert/strict';
import { digestOf, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { promotionYaml } from '../fixtures/promotionYaml';
import { Workbench, type TreeRow } from './workbench';

describe('UI: an environment named qa instead of staging', function () {
  this.timeout(180_000);
  let services: TestServices;
  let wb: Workbench;
  const repo = uniqueRepo('app');
  let build: { digest: string };
  const row = (rs: TreeRow[], label: string): string => rs.find((r) => r.label === label)?.description ?? '';

  before(async () => {
    services = await sharedServices();
    build = await pushImage(services.registryUrl, repo, 'b7b7b7b');
    await tagExisting(services.registryUrl, repo, build.digest, 'dev');
    const config = promotionYaml(`${services.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'qa' }, { name: 'prod', protected: true }]);
    wb = await Workbench.open({ env: services.env, workspace: { files: { '.promotion.yaml': config } } });
    await wb.openViewContainer();
    await wb.resizeSideBar(520);
    await wb.waitForTreeRows('Environments', (rs) => row(rs, 'development').includes('b7b7b7b') && row(rs, 'qa').includes('empty'));
  });

  after(async () => {
    await wb?.close();
  });

  it('"Promote to Staging" asks which environment is staging, with qa preselected, and promotes into it', async () => {
    await wb.runCommand('Image Promotion: Promote to Staging');
    const entries = await wb.waitForQuickPick((es) => es.some((e) => e.label === 'qa'));
    assert.equal(await wb.quickInputTitle(), 'Promote to Staging: which environment is staging?');
    assert.deepEqual(
      entries.map((e) => [e.label, e.focused]),
      [
        ['qa', true],
        ['development', false],
        ['prod', false],
      ],
    );
    await wb.pickQuickPickItem('qa');
    const dialog = await wb.waitForDialog();
    assert.equal(dialog.message, 'Promote b7b7b7b from development into qa?');
    await wb.clickDialogButton('Promote');
    await wb.waitForTreeRows('Environments', (rs) => row(rs, 'qa').startsWith('qa · b7b7b7b'), 60_000);
    assert.equal(await digestOf(services.registryUrl, repo, 'qa'), build.digest);
  });

  it('remembers qa after a reload; promoting again says qa already holds the build, before any dialog', async () => {
    await wb.reload();
    await wb.openViewContainer();
    await wb.waitForTreeRows('Environments', (rs) => row(rs, 'qa').startsWith('qa · b7b7b7b'));
    await wb.runCommand('Image Promotion: Promote to Staging');
    const note = await wb.waitForNotification(/already holds/);
    assert.match(note, /^qa already holds b7b7b7b \(sha256:[0-9a-f]{12}\): nothing to promote\./);
    assert.equal(await wb.dialog().count(), 0, 'no confirmation');
    assert.equal(await wb.quickInput().isVisible(), false, 'no question: the answer was remembered');
  });
});
