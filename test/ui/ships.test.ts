// End to end in a real workbench, against a git fixture repository whose images carry their commits as
// org.opencontainers.image.revision: the tooltip of a behind environment and the confirmation say what
// ships, the full list is a click away and leads back to the same question, and Compare Environments…
// opens a page whose commits open in VS Code's git view.
import * as assert from 'node:assert/strict';
import { pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { prepareWorkspace, type FixtureWorkspace } from '../vscode-host/workspace';
import { AUTHOR, builtFrom, commitHistory } from './gitFixture';
import { Workbench } from './workbench';

describe('UI: what a promotion ships (git fixture repository)', function () {
  this.timeout(180_000);
  let services: TestServices;
  let wb: Workbench;
  let ws: FixtureWorkspace;
  const repo = uniqueRepo('app');
  let revs: string[] = [];
  const short = (i: number): string => revs[i]!.slice(0, 7);

  before(async () => {
    services = await sharedServices();
    ws = prepareWorkspace({ env: { ...services.env, IMGPROMO_TEST_REPOSITORY: repo } });
    revs = commitHistory(ws.path, ['Initial service', 'Add the login page', 'Fix the session cookie']);
    const old = await pushImage(services.registryUrl, repo, short(0), builtFrom(revs[0]!, '2026-11-01T00:00:00Z'));
    const next = await pushImage(services.registryUrl, repo, short(2), builtFrom(revs[2]!, '2026-11-02T00:00:00Z'));
    await tagExisting(services.registryUrl, repo, next.digest, 'dev');
    await tagExisting(services.registryUrl, repo, old.digest, 'staging');
    // The quiet defaults turn the git extension off; a commit opens in its view, so it is on here.
    wb = await Workbench.open({ env: services.env, folder: ws.path, userSettings: { 'git.enabled': true, 'git.autoRepositoryDetection': true } });
    await wb.openViewContainer();
    await wb.resizeSideBar(520);
    await wb.waitForTreeRows('Environments', (rs) => rs.some((r) => r.label === 'staging' && r.description.includes('behind')));
  });

  after(async () => {
    await wb?.close();
    ws?.dispose();
  });

  it("a behind environment's tooltip lists the commits promoting the one before would ship", async () => {
    const tooltip = await wb.rowTooltip('Environments', 'staging', /Promoting development/);
    assert.match(tooltip, /Promoting development: Ships 2 commits to staging/);
    const lines = tooltip.split('\n').map((l) => l.trim());
    // Newest first, each with its author, and nothing staging already holds.
    const listed = lines.filter((l) => l.includes(AUTHOR));
    assert.equal(listed.length, 2, `the commit lines of the tooltip:\n${tooltip}`);
    assert.match(listed[0]!, new RegExp(`${short(2)}.*Fix the session cookie.*Grace Hopper`));
    assert.match(listed[1]!, new RegExp(`${short(1)}.*Add the login page.*Grace Hopper`));
    assert.doesNotMatch(tooltip, /Initial service/);
    await wb.parkMouse();
  });

  it('the confirmation leads with the build, from → to and "Ships 2 commits to staging"; the list is a click away', async () => {
    await wb.runCommand('Image Promotion: Promote to Staging');
    // Gates, details and the git log come before the dialog: on a loaded 2-core CI machine that took over 15 s.
    const dialog = await wb.waitForDialog(60_000);
    const lines = dialog.detail.split('\n');
    assert.match(lines[0]!, new RegExp(`^${short(2)}: development → staging \\(now rev ${short(0)}\\)$`));
    assert.equal(lines[1], 'Ships 2 commits to staging: Fix the session cookie; Add the login page');
    assert.match(lines[2]!, /^Gates: all \d+ passed · you type "staging" next to approve$/);
    assert.ok(dialog.buttons.includes('Show 2 Commits…'), dialog.buttons.join(' | '));
    await wb.themedScreenshots('ships-dialog', () => wb.dialog());
    await wb.clickDialogButton('Show 2 Commits…');
    const items = await wb.waitForQuickPick((es) => es.some((e) => e.label === 'Fix the session cookie'));
    assert.deepEqual(
      items.map((i) => i.label),
      ['Fix the session cookie', 'Add the login page'],
    );
    await wb.screenshot('ships-commit-list');
    await wb.page.locator('.quick-input-widget .quick-input-box input').press('Escape');
    // Back to the same question; cancelling promotes nothing.
    const again = await wb.waitForDialog();
    assert.equal(again.message, dialog.message);
    await wb.clickDialogButton('Cancel');
  });

  it("Compare Environments… opens staging and development side by side; a commit opens in VS Code's git view", async () => {
    await wb.runCommand('Image Promotion: Compare Environments…');
    await wb.pickQuickPickItem('staging');
    await wb.pickQuickPickItem('development');
    await wb.tab('Compare staging ↔ development').waitFor({ state: 'visible', timeout: 30_000 });
    const page = wb.webview();
    await page.getByText('Ships 2 commits to staging').waitFor({ state: 'visible', timeout: 15_000 });
    const revisions = page.locator('tr', { has: page.locator('th', { hasText: /^Revision$/ }) });
    assert.deepEqual(
      (await revisions.locator('td').allInnerTexts()).map((t) => t.trim()),
      [revs[0], revs[2]],
    );
    const links = page.locator('ol.commits li');
    assert.deepEqual(
      (await links.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').replace(/ — .*$/, '')),
      [`${short(2)} Fix the session cookie`, `${short(1)} Add the login page`],
    );
    await wb.clearNotifications(); // the cancelled promotion's
    await wb.themedScreenshots(
      'compare',
      () => wb.page.locator('.part.editor'),
      (kind) => page.locator(`body.vscode-${kind}`).waitFor({ state: 'attached', timeout: 15_000 }),
    );

    // The git extension's commit view is a multi-diff editor titled "<short sha> - <subject>".
    await links.nth(1).locator('a').click();
    const commitTab = wb.tab(new RegExp(`^${short(1)} - Add the login page`));
    await commitTab.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await commitTab.getAttribute('class')) ?? '', /\bactive\b/, 'the commit is the active editor');
    await wb.page.locator('.part.editor .multiDiffEditor, .part.editor .multi-diff-editor').first().waitFor({ state: 'visible', timeout: 15_000 });
    await wb.page.getByText('app.txt').first().waitFor({ state: 'visible', timeout: 15_000 });
    await wb.screenshot('compare-commit');
  });
});
