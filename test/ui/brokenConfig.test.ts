// A config broken while the window is open, in a real workbench: the Environments view shows an error
// row with the line and the reason, and under it the last good environments (marked as such); the
// History view keeps its records; the error row opens the file; fixing it brings the live tree back.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { Workbench, type TreeRow } from './workbench';

describe('UI: a broken config keeps the last good tree under an error row', function () {
  this.timeout(180_000);
  let services: TestServices;
  let wb: Workbench;
  let configFile: string;
  let good: string;
  const repo = uniqueRepo('app');
  const row = (rs: TreeRow[], label: string): string => rs.find((r) => r.label === label)?.description ?? '';

  before(async () => {
    services = await sharedServices();
    const build = await pushImage(services.registryUrl, repo, 'd3d3d3d');
    await tagExisting(services.registryUrl, repo, build.digest, 'dev');
    wb = await Workbench.open({ env: services.env, workspace: { env: { IMGPROMO_TEST_REPOSITORY: repo } } });
    configFile = join(wb.folder, '.promotion.yaml');
    good = readFileSync(configFile, 'utf8');
    await wb.openViewContainer();
    await wb.resizeSideBar(560);
    await wb.waitForTreeRows('Environments', (rs) => row(rs, 'development').includes('d3d3d3d'));
    // One promotion, so the History view has something to keep.
    await wb.runCommand('Image Promotion: Promote to Staging');
    await wb.clickDialogButton('Continue…');
    await wb.submitInputBox('staging');
    await wb.waitForTreeRows('History', (rs) => rs.some((r) => r.label === 'd3d3d3d promoted from development'), 60_000);
  });

  after(async () => {
    await wb?.close();
  });

  it('a typo in the file: an error row with its line, the last good environments under it, the History kept', async () => {
    // As another editor (or git checkout) would: the file changes on disk.
    writeFileSync(configFile, good.replace('    tag: staging\n', '    tga: staging\n'));
    const rows = await wb.waitForTreeRows('Environments', (rs) => /^Configuration has errors \(\d+\)$/.test(rs[0]?.label ?? '') && rs.length >= 4);
    assert.match(rows[0]!.description, /^line \d+: environments\[1\]: .*"tag"/, 'the line and what is wrong there');
    assert.deepEqual(
      rows.slice(1).map((r) => r.label),
      ['development', 'staging', 'production'],
    );
    for (const r of rows.slice(1)) assert.match(r.description, /as of the last valid config$/, `${r.label}: ${r.description}`);
    assert.match(row(rows, 'staging'), /^staging · d3d3d3d · /, 'what the tree showed last');
    const history = await wb.treeRows('History');
    assert.ok(
      history.some((r) => r.label === 'd3d3d3d promoted from development'),
      history.map((r) => r.label).join(' | '),
    );
    await wb.screenshot('broken-config', { locator: wb.viewContainer() });
  });

  it('the error row opens the file; fixing it brings the live tree back', async () => {
    await wb.row('Environments', /^Configuration has errors/).click();
    const tab = wb.tab('.promotion.yaml');
    await tab.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await tab.getAttribute('class')) ?? '', /\bactive\b/);
    writeFileSync(configFile, good);
    const rows = await wb.waitForTreeRows(
      'Environments',
      (rs) => rs[0]?.label === 'development' && !rs.some((r) => /as of the last valid config/.test(r.description)),
    );
    assert.match(row(rows, 'staging'), /^staging · d3d3d3d · in step/);
  });
});
