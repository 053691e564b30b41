// What runs, in a real extension host: an environment whose tag moved while its containers (real ones,
// on the harness's engine) kept running the build before reads "not redeployed" in its row, with its own
// icon, in the status bar and in the badge.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { servicesFromEnv, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { pushRunnableImage, removeContainersWith, runContainer } from '../harness/containers';
import type { PromotionNode } from '../../src/vscode/tree/nodes';
import type { ImagePromotionApi } from '../../src/vscode/container';
import { waitFor } from './constants';
import { configUri, extensionApi, writeConfig } from './scripted';

describe('what runs, in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let original: Uint8Array;
  const app = `host-shop-${Date.now()}`;

  before(async () => {
    svc = servicesFromEnv()!;
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
  });
  after(async () => {
    await vscode.workspace.fs.writeFile(configUri(), original);
    await removeContainersWith(svc.dockerHost, { 'imgpromo.test': app });
  });

  async function row(name: string): Promise<vscode.TreeItem> {
    const tree = api.trees.environments as vscode.TreeDataProvider<PromotionNode>;
    const nodes = (await tree.getChildren()) ?? [];
    const node = nodes.find((n) => n.kind === 'environment' && n.row.env.name === name);
    assert.ok(node, `no ${name} row`);
    return tree.getTreeItem(node) as vscode.TreeItem;
  }

  it('a tag that moved without a redeploy: the row says "tag … · runs … on 2 of 2 — not redeployed", with its own icon, and the status bar and badge say so', async () => {
    const repo = uniqueRepo('shop');
    const a = await pushRunnableImage(svc.registryUrl, repo, 'a1b2c3d');
    const b = await pushRunnableImage(svc.registryUrl, repo, 'e4f5a6b');
    await tagExisting(svc.registryUrl, repo, b.digest, 'dev');
    await tagExisting(svc.registryUrl, repo, b.digest, 'staging');
    for (const n of [1, 2]) await runContainer(svc.dockerHost, { name: `${app}-${n}`, image: a.reference, labels: { 'imgpromo.test': app } });
    await writeConfig(
      api,
      [
        `image: ${svc.registry}/${repo}`,
        'environments:',
        '  - name: development',
        '    tag: dev',
        '  - name: staging',
        '    tag: staging',
        '    runs:',
        '      docker:',
        `        host: ${svc.dockerHost}`,
        `        labels: { imgpromo.test: ${app} }`,
        '',
      ].join('\n'),
    );
    await api.model.refresh();
    const want = 'staging · tag e4f5a6b · runs a1b2c3d on 2 of 2 — not redeployed · in step with development';
    assert.ok(await waitFor(async () => (await row('staging')).description === want, 15_000), `row: ${String((await row('staging')).description)}`);
    const item = await row('staging');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'debug-disconnect');
    assert.equal(((item.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor).id, 'list.warningForeground');
    assert.equal((await row('development')).description, 'dev · e4f5a6b');

    assert.ok(await waitFor(() => api.glance.statusBar().text.includes('not redeployed'), 10_000), api.glance.statusBar().text);
    assert.equal(api.glance.statusBar().text, '$(warning) staging: e4f5a6b · not redeployed: runs a1b2c3d on 2 of 2');
    assert.equal(api.glance.statusBar().warning, true);
    assert.deepEqual(api.glance.badge(), { value: 1, tooltip: 'staging: not redeployed: runs a1b2c3d on 2 of 2' });
  });
});
