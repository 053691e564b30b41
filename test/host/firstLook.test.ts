// The first look, in the extension host: when a config is loaded (at activation, or again) the
// Environments view draws the rows the last refresh showed at once, marked refreshing…, while the
// registry (here behind a proxy adding 1.5 s each way) has not answered, and the fresh rows replace
// them when it does. The timings of a new window are in the benchmark (test/bench/host.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { pushImage, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { startFaultProxy, type FaultProxy } from '../harness/faultProxy';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { PromotionNode } from '../../src/vscode/tree/nodes';
import { promotionYaml } from '../fixtures/promotionYaml';
import { waitFor } from './constants';
import { configUri, hostSuite, writeConfig } from './scripted';

describe('the first look: the last rows at once, marked refreshing, then the fresh ones', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let proxy: FaultProxy | undefined;

  hostSuite((a, s) => {
    api = a;
    svc = s;
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  /** The Environments view's rows as drawn: name, description. */
  async function environmentRows(): Promise<{ name: string; description: string; contextValue: string | undefined }[]> {
    const tree = api.trees.environments;
    const nodes = ((await tree.getChildren(undefined)) ?? []) as PromotionNode[];
    return nodes
      .filter((n) => n.kind === 'environment')
      .map((n) => {
        const item = tree.getTreeItem(n) as vscode.TreeItem;
        return { name: String(item.label), description: String(item.description ?? ''), contextValue: item.contextValue };
      });
  }

  it('a slow registry: the remembered rows show before it answers, say refreshing… and offer no commands; its answer replaces them', async () => {
    const repo = uniqueRepo();
    const older = await pushImage(svc.registryUrl, repo, 'a1a1a1a');
    const newer = await pushImage(svc.registryUrl, repo, 'b2b2b2b');
    for (const tag of ['dev', 'staging', 'production']) await tagExisting(svc.registryUrl, repo, older.digest, tag);
    proxy = await startFaultProxy({ upstream: { port: Number(svc.registry.split(':')[1]) } });
    const yaml = promotionYaml(`${proxy.host}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production' }]);
    await writeConfig(api, yaml);
    assert.deepEqual(
      (await environmentRows()).map((r) => r.description.includes('a1a1a1a')),
      [true, true, true],
    );

    // Meanwhile :dev moves to the newer build, and the registry becomes slow.
    await tagExisting(svc.registryUrl, repo, newer.digest, 'dev');
    proxy.set({ latencyMs: 1500 });
    const loaded = Date.now();
    await vscode.workspace.fs.writeFile(configUri(), new TextEncoder().encode(`${yaml}# loaded again\n`));
    assert.ok(
      await waitFor(() => api.model.shown?.remembered === true, 2_000, 10),
      `the remembered rows show (${api.model.config.kind}, shown: ${api.model.shown ? 'a snapshot' : 'nothing'})`,
    );
    const remembered = await environmentRows();
    assert.equal(api.model.snapshot, undefined, `the registry has not answered yet (${Date.now() - loaded} ms after the config was written)`);
    assert.deepEqual(
      remembered.map((r) => [r.name, r.description.includes('a1a1a1a'), r.description.endsWith('refreshing…'), r.contextValue]),
      [
        ['development', true, true, 'environment stale'],
        ['staging', true, true, 'environment stale'],
        ['production', true, true, 'environment stale'],
      ],
      JSON.stringify(remembered),
    );

    assert.ok(await waitFor(() => api.model.snapshot !== undefined && !api.model.shown?.remembered, 60_000, 50), 'the registry answers');
    const fresh = await environmentRows();
    assert.deepEqual(
      fresh.map((r) => [r.name, r.description.includes(r.name === 'development' ? 'b2b2b2b' : 'a1a1a1a'), r.description.includes('refreshing…')]),
      [
        ['development', true, false],
        ['staging', true, false],
        ['production', true, false],
      ],
      JSON.stringify(fresh),
    );

    // A refresh starting changes nothing the rows are drawn from: VS Code is not told (each change
    // event restarts its 200 ms wait before it draws, and would hold back the answer's rows); the
    // answer is told, once.
    await new Promise((resolve) => setTimeout(resolve, 500)); // a change told late (paced) for the answer above is through
    const told: number[] = [];
    const listening = api.trees.environments.onDidChangeTreeData!(() => told.push(Date.now()));
    try {
      const refreshed = api.refresh();
      assert.ok(await waitFor(() => api.model.isRefreshing, 2_000, 5), 'the refresh runs');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.ok(api.model.isRefreshing, 'the slow registry has not answered yet');
      assert.deepEqual(told, [], 'nothing told while the refresh runs and the rows stay as they were');
      await refreshed;
      assert.ok(await waitFor(() => told.length > 0, 2_000, 10), 'the answer is told');
    } finally {
      listening.dispose();
    }
  });
});
