// End to end in a real workbench: environments show their build tags, "Promote to Staging" from the
// command palette asks for confirmation in a modal dialog (and, for staging's approval gate, the
// environment's name), and afterwards staging shows the new digest, which the registry confirms.
import * as assert from 'node:assert/strict';
import { digestOf, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { Workbench, type TreeRow } from './workbench';

describe('UI: promote to staging from the command palette', function () {
  this.timeout(180_000);
  let services: TestServices;
  let wb: Workbench;
  const repo = uniqueRepo('app');
  let build: { digest: string };

  before(async () => {
    services = await sharedServices();
    build = await pushImage(services.registryUrl, repo, 'abc1234');
    await tagExisting(services.registryUrl, repo, 'abc1234', 'dev');
    wb = await Workbench.open({ env: services.env, workspace: { env: { IMGPROMO_TEST_REPOSITORY: repo } } });
    await wb.openViewContainer();
    await wb.resizeSideBar(520);
  });

  after(async () => {
    await wb?.close();
  });

  it('shows each environment with the build it holds (staging empty)', async () => {
    const row = (rs: TreeRow[], label: string): string => rs.find((r) => r.label === label)?.description ?? '';
    const rows = await wb.waitForTreeRows('Environments', (rs) => row(rs, 'development').includes('abc1234') && row(rs, 'staging') !== '');
    assert.doesNotMatch(row(rows, 'development'), /sha256:/, 'the digest is one hover away, not in the row');
    assert.match(row(rows, 'staging'), /\bempty\b/);
  });

  it('promotes after the dialog is confirmed; staging then shows the build of development', async () => {
    await wb.runCommand('Image Promotion: Promote to Staging');
    const dialog = await wb.waitForDialog();
    assert.equal(dialog.message, 'Promote abc1234 from development into staging?');
    assert.match(dialog.detail, new RegExp(`Digest: ${build.digest}`));
    await wb.screenshot('promote-dialog');
    // The fixture's staging has an approval gate: confirm, then type the environment's name.
    await wb.clickDialogButton('Continue…');
    await wb.submitInputBox('staging');
    await wb.waitForTreeRows('Environments', (rs) => rs.some((r) => r.label === 'staging' && r.description.includes('abc1234')), 60_000);
    assert.equal(await digestOf(services.registryUrl, repo, 'staging'), build.digest);
    await wb.screenshot('promoted', { readme: 'media/screenshot-tree.png' });
  });
});
