// End to end in a real workbench, against a git fixture repository whose images carry their commits as
// org.opencontainers.image.revision: the confirmation says what ships in its first lines, the full list
// is a click away and leads back to the same question, and Compare Environments… opens a page.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { prepareWorkspace, type FixtureWorkspace } from '../vscode-host/workspace';
import { Workbench } from './workbench';

describe('UI: what a promotion ships (git fixture repository)', function () {
  this.timeout(180_000);
  let services: TestServices;
  let wb: Workbench;
  let ws: FixtureWorkspace;
  const repo = uniqueRepo('app');
  const revs: string[] = [];

  before(async () => {
    services = await sharedServices();
    ws = prepareWorkspace({ env: { ...services.env, IMGPROMO_TEST_REPOSITORY: repo } });
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=Grace Hopper', '-c', 'user.email=grace@example.com', '-c', 'commit.gpgsign=false', ...args], {
        cwd: ws.path,
        encoding: 'utf8',
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
      }).trim();
    git('init', '-q');
    for (const subject of ['Initial service', 'Add the login page', 'Fix the session cookie']) {
      writeFileSync(join(ws.path, 'app.txt'), `${subject}\n`);
      git('add', 'app.txt');
      git('commit', '-q', '-m', subject);
      revs.push(git('rev-parse', 'HEAD'));
    }
    const label = (rev: string) => ({ labels: { 'org.opencontainers.image.revision': rev } });
    const old = await pushImage(services.registryUrl, repo, revs[0]!.slice(0, 7), { ...label(revs[0]!), created: '2026-11-01T00:00:00Z' });
    const next = await pushImage(services.registryUrl, repo, revs[2]!.slice(0, 7), { ...label(revs[2]!), created: '2026-11-02T00:00:00Z' });
    await tagExisting(services.registryUrl, repo, next.digest, 'dev');
    await tagExisting(services.registryUrl, repo, old.digest, 'staging');
    wb = await Workbench.open({ env: services.env, folder: ws.path });
    await wb.openViewContainer();
    await wb.waitForTreeRows('Environments', (rs) => rs.some((r) => r.label === 'staging' && r.description.includes(revs[0]!.slice(0, 7))));
  });

  after(async () => {
    await wb?.close();
    ws?.dispose();
  });

  it('the confirmation leads with the build, from → to and "Ships 2 commits to staging"; the list is a click away', async () => {
    await wb.runCommand('Image Promotion: Promote to Staging');
    const dialog = await wb.waitForDialog();
    const lines = dialog.detail.split('\n');
    assert.match(lines[0]!, new RegExp(`^${revs[2]!.slice(0, 7)}: development → staging \\(now rev ${revs[0]!.slice(0, 7)}\\)$`));
    assert.equal(lines[1], 'Ships 2 commits to staging: Fix the session cookie; Add the login page');
    assert.match(lines[2]!, /^Gates: all \d+ passed · you type "staging" next to approve$/);
    assert.ok(dialog.buttons.includes('Show 2 Commits…'), dialog.buttons.join(' | '));
    await wb.screenshot('ships-dialog');
    await wb.clickDialogButton('Show 2 Commits…');
    const items = await (async () => {
      for (let i = 0; i < 50; i++) {
        const found = await wb.quickPickItems();
        if (found.length) return found;
        await new Promise((r) => setTimeout(r, 200));
      }
      return [];
    })();
    assert.deepEqual(items, ['Fix the session cookie', 'Add the login page']);
    await wb.screenshot('ships-commit-list');
    await wb.page.locator('.quick-input-widget .quick-input-box input').press('Escape');
    // Back to the same question; cancelling promotes nothing.
    const again = await wb.waitForDialog();
    assert.equal(again.message, dialog.message);
    await wb.clickDialogButton('Cancel');
  });

  it('Compare Environments… opens staging and development side by side', async () => {
    await wb.runCommand('Image Promotion: Compare Environments…');
    await wb.pickQuickPickItem('staging');
    await wb.pickQuickPickItem('development');
    const tab = wb.page.locator('.tabs-container .tab', { hasText: 'Compare staging ↔ development' });
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('ships-compare');
  });
});
