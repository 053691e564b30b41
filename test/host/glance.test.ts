// Status at a glance in a real extension host: the status bar item and the view badge against the
// harness's registry, and "Select Docker Engine…" over a Docker config directory with contexts.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { pushImage, servicesFromEnv, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { EngineChoice } from '../../src/engine/engineChoices';
import type { PromotionOutcome } from '../../src/promotion/promote';
import type { ImagePromotionApi } from '../../src/vscode/container';
import { promotionYaml } from '../fixtures/promotionYaml';
import { waitFor } from './constants';
import { configUri, extensionApi, ScriptedInteraction, writeConfig } from './scripted';

describe('status at a glance in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let original: Uint8Array;
  const historyFile = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, '.promotion', 'history.jsonl');
  const setting = (name: string, value: unknown) => vscode.workspace.getConfiguration('imagePromotion').update(name, value, vscode.ConfigurationTarget.Global);

  before(async () => {
    svc = servicesFromEnv()!;
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
  });
  afterEach(async () => {
    api.useInteraction(undefined);
    await setting('statusBar', undefined);
  });
  after(async () => {
    await vscode.workspace.fs.writeFile(configUri(), original);
    await vscode.workspace.fs.delete(historyFile()).then(undefined, () => undefined);
  });

  async function behindProduction(): Promise<string> {
    const repo = uniqueRepo();
    const old = await pushImage(svc.registryUrl, repo, '3f9c2ab', { created: '2026-05-01T00:00:00Z' });
    const newest = await pushImage(svc.registryUrl, repo, 'c52a9f1', { created: '2026-05-03T00:00:00Z' });
    await tagExisting(svc.registryUrl, repo, old.digest, 'production');
    await tagExisting(svc.registryUrl, repo, newest.digest, 'staging');
    await tagExisting(svc.registryUrl, repo, newest.digest, 'dev');
    await writeConfig(
      api,
      promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production', protected: true }]),
    );
    return repo;
  }

  it("the status bar leads with production's build and warns in words while it is behind; the badge counts it; both clear after the promotion", async () => {
    await behindProduction();
    assert.ok(await waitFor(() => api.glance.statusBar().text.includes('3f9c2ab'), 10_000), `status bar: ${api.glance.statusBar().text}`);
    const behind = api.glance.statusBar();
    assert.equal(behind.visible, true);
    assert.equal(behind.text, '$(warning) production: 3f9c2ab · behind staging');
    assert.equal(behind.warning, true);
    assert.match(behind.accessibilityLabel, /production holds 3f9c2ab, behind staging; 1 environment needs a look/);
    assert.match(behind.tooltip, /staging: c52a9f1, in step with development/);
    assert.deepEqual(api.glance.badge(), { value: 1, tooltip: 'production: behind staging' });

    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToProduction')) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.ok(await waitFor(() => api.glance.statusBar().text === '$(pass) production: c52a9f1', 10_000), `status bar: ${api.glance.statusBar().text}`);
    assert.equal(api.glance.statusBar().warning, false);
    assert.equal(api.glance.badge(), undefined, 'nothing needs a look: no badge');
  });

  it('the status bar hides with imagePromotion.statusBar off, and without a config', async () => {
    await behindProduction();
    assert.ok(await waitFor(() => api.glance.statusBar().visible, 10_000));
    await setting('statusBar', false);
    assert.ok(await waitFor(() => !api.glance.statusBar().visible, 5_000), 'hidden with the setting off');
    await setting('statusBar', undefined);
    assert.ok(await waitFor(() => api.glance.statusBar().visible, 5_000), 'back with the setting on');

    await vscode.workspace.fs.delete(configUri());
    assert.ok(await waitFor(() => api.model.config.kind === 'no-config', 20_000));
    assert.equal(api.glance.statusBar().visible, false, 'hidden without a config');
    assert.equal(api.glance.badge(), undefined, 'no badge without a config');
    await vscode.workspace.fs.writeFile(configUri(), original);
  });

  describe('Select Docker Engine…', () => {
    let dir: string;
    const saved = { DOCKER_CONFIG: process.env.DOCKER_CONFIG, DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CONTEXT: process.env.DOCKER_CONTEXT };
    function context(name: string, host: string): void {
      const id = createHash('sha256').update(name).digest('hex');
      mkdirSync(join(dir, 'contexts', 'meta', id), { recursive: true });
      writeFileSync(join(dir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }));
    }
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'imgpromo-contexts-'));
      context('build-box', 'ssh://ci@build-box');
      context('colima', 'unix:///home/me/.colima/docker.sock');
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
      // The extension runs in this very process: its engine provider reads the same environment.
      process.env.DOCKER_CONFIG = dir;
      process.env.DOCKER_HOST = svc.dockerHost;
      delete process.env.DOCKER_CONTEXT;
    });
    afterEach(async () => {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      await setting('dockerHost', undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('lists the Docker contexts and DOCKER_HOST, marks the one in use, and changes nothing when dismissed', async () => {
      const person = new ScriptedInteraction({ pick: [] });
      api.useInteraction(person);
      const chosen = (await vscode.commands.executeCommand('imagePromotion.selectEngine')) as EngineChoice | undefined;
      assert.equal(chosen, undefined);
      assert.deepEqual(person.picks[0]?.labels, ['DOCKER_HOST', 'default', 'build-box', 'colima']);
      assert.equal(person.picks[0]!.title, `Select Docker Engine (in use: ${svc.dockerHost}, from DOCKER_HOST)`);
      assert.equal(vscode.workspace.getConfiguration('imagePromotion').inspect('dockerHost')?.globalValue, undefined);
    });

    it('choosing a context writes context:<name> into the user settings, and that context is then the one in use', async () => {
      // colima: a socket that does not exist here fails fast (an ssh context would reach for the network).
      api.useInteraction(new ScriptedInteraction({ pick: ['colima'] }));
      const chosen = (await vscode.commands.executeCommand('imagePromotion.selectEngine')) as EngineChoice | undefined;
      assert.equal(chosen?.name, 'colima');
      assert.equal(vscode.workspace.getConfiguration('imagePromotion').inspect('dockerHost')?.globalValue, 'context:colima');
      const person = new ScriptedInteraction({ pick: [] });
      api.useInteraction(person);
      await vscode.commands.executeCommand('imagePromotion.selectEngine');
      assert.equal(
        person.picks[0]!.title,
        'Select Docker Engine (in use: unix:///home/me/.colima/docker.sock, from Docker context "colima" (setting imagePromotion.dockerHost))',
      );
    });
  });
});
