// Status at a glance in a real workbench: the status bar item (words, warning state, click reveals the
// view), the badge on the activity-bar icon, the rows' accessible labels, and the walkthrough opening
// from the command palette. Screenshots in the light and the dark theme.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { Workbench } from './workbench';

/** A DOCKER_CONFIG with one Docker context besides the default, as `docker context create` writes it. */
function dockerConfigWithContext(name: string, host: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'imgpromo-test-docker-config-'));
  const meta = join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
  mkdirSync(meta, { recursive: true });
  writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  writeFileSync(join(dir, 'config.json'), '{}');
  return dir;
}

describe('UI: status at a glance and the walkthrough', function () {
  this.timeout(180_000);
  let services: TestServices;
  let wb: Workbench;
  let dockerConfig: string | undefined;
  const repo = uniqueRepo('glance');

  before(async () => {
    services = await sharedServices();
    const old = await pushImage(services.registryUrl, repo, '3f9c2ab', { created: '2026-05-01T00:00:00Z' });
    const newest = await pushImage(services.registryUrl, repo, 'c52a9f1', { created: '2026-05-03T00:00:00Z' });
    await tagExisting(services.registryUrl, repo, old.digest, 'production');
    await tagExisting(services.registryUrl, repo, newest.digest, 'staging');
    await tagExisting(services.registryUrl, repo, newest.digest, 'dev');
    // The plain registry needs no credentials: a DOCKER_CONFIG of its own, with a context to choose from.
    dockerConfig = dockerConfigWithContext('build-box', 'tcp://build-box.example:2376');
    wb = await Workbench.open({ env: { ...services.env, DOCKER_CONFIG: dockerConfig }, workspace: { env: { IMGPROMO_TEST_REPOSITORY: repo } } });
  });

  after(async () => {
    await wb?.close();
    if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
  });

  const statusItem = () =>
    wb.page
      .locator('.part.statusbar .statusbar-item')
      .filter({ hasText: /production:/ })
      .first();

  it('the status bar shows production\'s build and "behind staging" in words; a click reveals the Environments view', async () => {
    await statusItem().waitFor({ state: 'visible', timeout: 60_000 });
    await wb.page
      .locator('.part.statusbar .statusbar-item', { hasText: /production: 3f9c2ab · behind staging/ })
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await statusItem().innerText(), /production: 3f9c2ab · behind staging/);
    assert.match((await statusItem().getAttribute('class')) ?? '', /warning-kind|has-background-color/, 'drawn in the warning colours too');
    const label = await statusItem().locator('[aria-label]').first().getAttribute('aria-label');
    assert.match(label ?? '', /production holds 3f9c2ab, behind staging/);
    await statusItem().click();
    await wb.page
      .locator('.part.sidebar .composite.title h2', { hasText: /Image Promotion/i })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
    await wb.resizeSideBar(560);
  });

  it('the activity-bar badge counts the environment that needs a look; rows say their state in their accessible labels', async () => {
    // The badge is a sibling of the icon's label, inside the same activity-bar item.
    const badge = wb.activityItem().locator('xpath=..').locator('.badge-content');
    await badge.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await badge.innerText()).trim(), '1');
    const rows = await wb.waitForTreeRows('Environments', (rs) => rs.some((r) => r.label === 'production' && r.description.includes('behind')));
    const production = rows.find((r) => r.label === 'production')!;
    assert.match(production.ariaLabel, /^production, production · 3f9c2ab · behind staging/);
    assert.ok(
      rows.every((r) => r.ariaLabel.length > r.label.length),
      `every row's accessible label says more than its name: ${rows.map((r) => r.ariaLabel).join(' | ')}`,
    );
    await wb.page.waitForTimeout(500);
    await wb.screenshot('glance-light', { readme: 'media/screenshot-glance-light.png' });
  });

  it('"Image Promotion: Get Started" opens the walkthrough with its three steps', async () => {
    await wb.runCommand('Image Promotion: Get Started');
    const page = wb.page.locator('.gettingStartedContainer');
    await page.getByText('Get Started with Image Promotion').first().waitFor({ state: 'visible', timeout: 30_000 });
    for (const step of ['Connect to Docker', 'Describe your environments', 'Promote your first build']) {
      assert.equal(await page.getByText(step, { exact: true }).first().isVisible(), true, `step "${step}"`);
    }
    await wb.themedScreenshots('walkthrough', () => wb.page.locator('.part.editor'));
  });

  it('Select Docker Engine… lists DOCKER_HOST, the default context and the other contexts, marking the one in use', async () => {
    await wb.runCommand('Image Promotion: Select Docker Engine…');
    const entries = await wb.waitForQuickPick((es) => es.some((e) => e.label === 'build-box'));
    const engine = services.dockerHost;
    assert.equal(await wb.quickInputTitle(), `Select Docker Engine (in use: ${engine}, from DOCKER_HOST)`);
    assert.deepEqual(
      entries.map((e) => [e.label, e.description, e.focused]),
      [
        ['DOCKER_HOST', `${engine} · in use`, true],
        ['default', `${engine} · current Docker context`, false],
        ['build-box', 'tcp://build-box.example:2376', false],
      ],
    );
    await wb.screenshot('select-engine');
    await wb.quickInput().locator('.quick-input-box input').press('Escape');
    await wb.quickInput().waitFor({ state: 'hidden', timeout: 10_000 });
  });

  it('in the dark theme the states still read in words (screenshot)', async () => {
    await wb.setColorTheme('dark');
    await wb.runCommand('View: Close Editor'); // the walkthrough
    await wb.openViewContainer();
    await wb.page.waitForTimeout(800);
    assert.match(await statusItem().innerText(), /behind staging/);
    await wb.screenshot('glance-dark', { readme: 'media/screenshot-glance-dark.png' });
  });
});
