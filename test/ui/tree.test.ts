// The Image Promotion view container opens from the activity bar and shows its two views.
import * as assert from 'node:assert/strict';
import { Workbench } from './workbench';

describe('UI: Image Promotion view container', function () {
  this.timeout(120_000);
  let wb: Workbench;

  before(async () => {
    wb = await Workbench.open();
  });

  after(async () => {
    await wb?.close();
  });

  it('opens from its activity-bar item and shows the Environments and Builds views', async () => {
    await wb.openViewContainer();
    await wb.resizeSideBar(520);
    await wb.expandView('Environments');
    await wb.expandView('Builds');
    assert.equal(await wb.view('Environments').count(), 1);
    assert.equal(await wb.view('Builds').count(), 1);
    // Give the tree a moment to render whatever the extension provides, then capture the side bar.
    await wb.page.waitForTimeout(1500);
    const files = await wb.screenshot('tree');
    await wb.screenshot('tree-sidebar', { locator: wb.viewContainer() });
    console.log(`      screenshots: ${files.join(', ')}`);
  });

  it('the window is trusted (no Restricted Mode) by default', async () => {
    assert.equal(await wb.isRestricted(), false);
  });
});
