// Runs only in the runner's untrusted pass (IMGPROMO_HOST_TRUST=untrusted): the folder opens in Restricted Mode.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { digestOf, pushImage, servicesFromEnv, tagExisting, uniqueRepo } from '../harness';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { EXTENSION_ID } from './constants';
import { commandGate, promotionYaml } from '../fixtures/promotionYaml';
import { configUri, extensionApi, ScriptedInteraction, writeConfig } from './scripted';

describe('Restricted Mode', function () {
  this.timeout(120_000);

  it('the workspace is not trusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('the extension still activates (untrustedWorkspaces.supported: "limited")', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('shows the environments but does not run command gates: the promotion is blocked saying how to trust the folder', async () => {
    const svc = servicesFromEnv();
    if (!svc) throw new Error('the harness services are not in the environment (IMGPROMO_TEST_*)');
    const api = await extensionApi();
    const original = await vscode.workspace.fs.readFile(configUri());
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'abcd123');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const marker = `/tmp/imgpromo-untrusted-gate-ran-${Date.now()}`;
    try {
      await writeConfig(
        api,
        promotionYaml(`${svc.registry}/${repo}`, [
          { name: 'development', tag: 'dev' },
          { name: 'staging', gates: [commandGate('touch a marker', ['touch', marker])] },
        ]),
      );
      const dev = api.model.snapshot?.environments[0]?.lookup;
      assert.equal(dev?.state === 'present' && dev.digest, build.digest, 'lookups work in Restricted Mode');
      const person = new ScriptedInteraction({ confirm: true });
      api.useInteraction(person);
      const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
      assert.equal(outcome.status, 'blocked');
      assert.match(outcome.message, /command gates run only in a trusted workspace.*Manage Workspace Trust/);
      assert.equal(person.confirmations.length, 0);
      assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined);
      const { existsSync } = await import('node:fs');
      assert.equal(existsSync(marker), false, 'the gate command never ran');
    } finally {
      api.useInteraction(undefined);
      await vscode.workspace.fs.writeFile(configUri(), original);
    }
  });

  it('does not read runs: where the config names its own engine; the row says so, and the engine is never contacted', async () => {
    const svc = servicesFromEnv()!;
    const api = await extensionApi();
    const original = await vscode.workspace.fs.readFile(configUri());
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'abcd123');
    await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
    const { createServer } = await import('node:net');
    let contacted = 0;
    const engine = createServer((socket) => (contacted++, socket.destroy()));
    await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
    try {
      const port = (engine.address() as { port: number }).port;
      await writeConfig(
        api,
        [
          `image: ${svc.registry}/${repo}`,
          'environments:',
          '  - name: staging',
          '    tag: staging',
          '    runs:',
          `      docker: { host: "tcp://127.0.0.1:${port}", labels: { app: shop } }`,
          '',
        ].join('\n'),
      );
      await api.model.refresh();
      const row = api.model.snapshot!.environments[0]!;
      assert.deepEqual(row.running?.state === 'unreachable' && row.running.restricted, true);
      const tree = api.trees.environments;
      const item = (await tree.getTreeItem((await tree.getChildren())!.find((n) => n.kind === 'environment')!)) as vscode.TreeItem;
      assert.equal(item.description, 'staging · abcd123 · what runs: not read in Restricted Mode');
      assert.equal(contacted, 0, 'the engine the config names was never contacted');
    } finally {
      engine.close();
      await vscode.workspace.fs.writeFile(configUri(), original);
    }
  });
});
