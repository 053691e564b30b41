// Production on a fresh demo, as a person clicks and types in a real workbench: Check Gates… lists the
// approval gate as still needed; while the confirmation is open the progress notification says what it
// waits for; after promoting to staging and to production, Roll Back… offers what production held before
// the first promotion and puts it back; the History row reads as done and opens rendered.
import * as assert from 'node:assert/strict';
import { digestOf, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { gitIdentityEnv } from './gitFixture';
import { Workbench, type TreeRow } from './workbench';

describe('UI: production on a fresh demo (check gates, promote, roll back, history)', function () {
  this.timeout(180_000);
  let services: TestServices;
  let wb: Workbench;
  const repo = uniqueRepo('shop');
  let old: { digest: string };
  const row = (rs: TreeRow[], label: string): string => rs.find((r) => r.label === label)?.description ?? '';

  before(async () => {
    services = await sharedServices();
    old = await pushImage(services.registryUrl, repo, '3f9c2ab', { created: '2026-05-01T00:00:00Z' });
    const mid = await pushImage(services.registryUrl, repo, '8d41e07', { created: '2026-05-02T00:00:00Z' });
    const newest = await pushImage(services.registryUrl, repo, 'c52a9f1', { created: '2026-05-03T00:00:00Z' });
    await tagExisting(services.registryUrl, repo, old.digest, 'production');
    await tagExisting(services.registryUrl, repo, mid.digest, 'staging');
    await tagExisting(services.registryUrl, repo, newest.digest, 'dev');
    // The fixture's staging has an approval gate; production is protected with one ("Release manager").
    wb = await Workbench.open({ env: { ...services.env, ...gitIdentityEnv() }, workspace: { env: { IMGPROMO_TEST_REPOSITORY: repo } } });
    await wb.openViewContainer();
    await wb.resizeSideBar(560);
    await wb.waitForTreeRows('Environments', (rs) => row(rs, 'production').includes('3f9c2ab · behind staging'));
  });

  afterEach(async function () {
    // A failed step may leave its dialog open: the tests after it would time out behind the modal.
    if (this.currentTest?.state === 'failed') await wb?.dismissModals();
  });

  after(async () => {
    await wb?.close();
  });

  it('Check Gates… on production lists the approval gate as needing approval, not as passed', async () => {
    await wb.runCommand('Image Promotion: Check Gates…');
    await wb.pickQuickPickItem('production');
    const rows = await wb.waitForTreeRows('Gate Checks', (rs) => rs.some((r) => r.label === 'Release manager'));
    const approval = rows.find((r) => r.label === 'Release manager')!;
    assert.equal(approval.description, 'needs approval by typing "production" in the confirmation');
    assert.match(approval.ariaLabel, /^Release manager: not passed: /);
    const summary = rows[0]!;
    assert.equal(summary.label, 'staging → production');
    assert.match(summary.description, /automated gates pass; Release manager needs approval/);
    assert.doesNotMatch(summary.description, /all gates pass/);
    assert.ok(
      rows.slice(1).every((r) => r.label === 'Release manager' || !/approval/i.test(r.ariaLabel)),
      rows.map((r) => r.ariaLabel).join('\n'),
    );
    assert.equal(rows.filter((r) => r.label === 'Release manager').length, 1, 'listed once, as an approval');
  });

  it('while the confirmation is open the progress notification says it waits for you, not "Checking gates…"', async () => {
    await wb.runCommand('Image Promotion: Promote to Staging');
    const dialog = await wb.waitForDialog();
    assert.equal(dialog.message, 'Promote c52a9f1 from development into staging?');
    // The extension host sends progress messages at most every 100 ms (merged), the dialog at once: the toast
    // reads "Resolving digests…" for a moment after the dialog opened. Wait for what it says while asking.
    const whileAsked = await wb.waitForToast(/Promoting development to staging.*Waiting for your confirmation \(you type "staging"\)/);
    assert.ok(!whileAsked.some((t) => /Checking gates/.test(t)), whileAsked.join(' | '));
    await wb.clickDialogButton('Continue…');
    await wb.quickInput().locator('.quick-input-box input').waitFor({ state: 'visible', timeout: 10_000 });
    const whileTyping = await wb.toastTexts();
    assert.ok(!whileTyping.some((t) => /Checking gates/.test(t)), whileTyping.join(' | '));
    await wb.submitInputBox('staging');
    await wb.waitForTreeRows(
      'Environments',
      (rs) => row(rs, 'staging').startsWith('staging · c52a9f1') && row(rs, 'production').includes('behind staging'),
      60_000,
    );
  });

  it('promotes staging into production after typing its name', async () => {
    await wb.runCommand('Image Promotion: Promote to Production');
    const dialog = await wb.waitForDialog();
    assert.equal(dialog.message, 'Promote c52a9f1 from staging into production?');
    await wb.clickDialogButton('Continue…');
    await wb.submitInputBox('production');
    await wb.waitForTreeRows('Environments', (rs) => row(rs, 'production').startsWith('production · c52a9f1 · in step'), 60_000);
  });

  it('Roll Back… production offers what it held before the first promotion, says Roll Back, and puts it back', async () => {
    await wb.runCommand('Image Promotion: Roll Back…');
    await wb.pickQuickPickItem('production');
    const offered = await wb.waitForQuickPick((es) => es.some((e) => e.label === '3f9c2ab'));
    assert.match(await wb.quickInputTitle(), /^Roll back production: earlier digest/);
    assert.equal(offered[0]?.label, '3f9c2ab', offered.map((e) => e.label).join(' | '));
    assert.equal(offered[0]?.focused, true, 'the most recent earlier build is preselected');
    assert.match(offered[0]!.description, /replaced (just now|\d+ minutes? ago)/);
    await wb.pickQuickPickItem('3f9c2ab');
    const dialog = await wb.waitForDialog();
    assert.equal(dialog.message, 'Roll production back to 3f9c2ab?');
    // It says what it does ("…": production's name is typed next).
    assert.deepEqual([...dialog.buttons].sort(), ['Cancel', 'Roll Back…']);
    await wb.clickDialogButton('Roll Back…');
    await wb.submitInputBox('production');
    await wb.waitForTreeRows('Environments', (rs) => row(rs, 'production').startsWith('production · 3f9c2ab · behind staging'), 60_000);
    assert.equal(await digestOf(services.registryUrl, repo, 'production'), old.digest);
  });

  it('the History row of the rollback reads as done and opens rendered in the Markdown preview', async () => {
    const rows = await wb.waitForTreeRows('History', (rs) => rs.some((r) => r.label === 'rolled back to 3f9c2ab'));
    const production = rows.findIndex((r) => r.label === 'production' && r.level === 1);
    assert.ok(production >= 0, rows.map((r) => r.ariaLabel).join('\n'));
    assert.equal(rows[production + 1]?.label, 'rolled back to 3f9c2ab', 'the newest attempt first, worded as done');
    assert.match(rows[production + 1]!.description, /^just now · Ada Lovelace · /, "who rolled back: the workspace's git identity");
    assert.ok(!rows.some((r) => /rollback to .* (blocked|failed)/.test(r.label)), rows.map((r) => r.label).join('\n'));

    await wb.themedScreenshots('tree', () => wb.viewContainer());
    await wb.runCommand('View: Close All Editors');
    await wb.row('History', 'rolled back to 3f9c2ab').click();
    const tab = wb.tab(/^Preview production-[0-9a-f]{8}\.md$/);
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    const preview = wb.webview();
    await preview.locator('h1', { hasText: 'Rollback into production: succeeded' }).waitFor({ state: 'visible', timeout: 15_000 });
    assert.ok((await preview.locator('table').count()) > 0, 'its details are a rendered table');
    const tabs = (await wb.page.locator('.part.editor .tabs-container .tab .label-name').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(
      tabs.filter((t) => t.endsWith('.md')),
      [await tab.locator('.label-name').innerText()],
      `no editor with the Markdown source: ${tabs.join(' | ')}`,
    );
    await wb.clearNotifications();
    await wb.themedScreenshots(
      'history-entry',
      () => wb.page.locator('.part.editor'),
      (kind) => preview.locator(`body.vscode-${kind}`).waitFor({ state: 'attached', timeout: 15_000 }),
    );
  });
});
