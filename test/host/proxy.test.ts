// VS Code's own proxy settings reach the registry requests: with http.proxy set (user settings), a
// refresh goes through a real tunnelling proxy started here; a registry listed in http.noProxy is
// reached directly.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { pushImage, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { startForwardProxy, type ForwardProxy } from '../harness/forwardProxy';
import type { ImagePromotionApi } from '../../src/vscode/container';
import { promotionYaml } from '../fixtures/promotionYaml';
import { hostSuite, writeConfig } from './scripted';

describe('the http.proxy setting in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let proxy: ForwardProxy;
  hostSuite((a, s) => {
    api = a;
    svc = s;
  });
  const http = (name: string, value: unknown) => vscode.workspace.getConfiguration('http').update(name, value, vscode.ConfigurationTarget.Global);
  before(async () => {
    proxy = await startForwardProxy();
  });
  after(async () => {
    await http('proxy', undefined);
    await http('noProxy', undefined);
    await proxy.stop();
  });

  it('a refresh goes through the proxy http.proxy names, and not for a host in http.noProxy', async () => {
    const repo = uniqueRepo();
    const image = await pushImage(svc.registryUrl, repo, '3f9c2ab');
    await tagExisting(svc.registryUrl, repo, image.digest, 'production');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'production' }]));

    await http('proxy', proxy.url);
    proxy.reset();
    await api.refresh();
    const row = api.model.snapshot?.environments[0];
    assert.equal(row?.lookup.state === 'present' ? row.lookup.digest : row?.lookup.state, image.digest);
    assert.ok(
      proxy.tunnels.some((t) => t.authority === svc.registry),
      `the refresh tunnelled to ${svc.registry}: ${JSON.stringify(proxy.tunnels)}`,
    );
    assert.ok(
      proxy.requests.some((r) => r.includes(`/v2/${repo}/manifests/production`)),
      proxy.requests.join('\n'),
    );

    await http('noProxy', ['127.0.0.1']);
    proxy.reset();
    await api.refresh();
    assert.deepEqual(proxy.tunnels, [], 'http.noProxy: directly');
  });
});
