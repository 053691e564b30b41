// The real commands inside a real VS Code extension host, against the harness's private engine and
// registry. Prompts are answered through the extension's UserInteraction seam; the UI suite clicks the
// real dialogs. Digests are checked over HTTP, independently of the extension.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { digestOf, pushImage, servicesFromEnv, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { PromotionOutcome } from '../../src/promotion/promote';
import type { PromotionNode } from '../../src/vscode/tree/nodes';
import { waitFor } from './constants';
import { commandGate, promotionYaml } from '../fixtures/promotionYaml';
import { configUri, extensionApi, ScriptedInteraction, writeConfig } from './scripted';

function configText(registry: string, repo: string, stagingGates: readonly string[] = []): string {
  return promotionYaml(`${registry}/${repo}`, [
    { name: 'development', tag: 'dev' },
    { name: 'staging', gates: stagingGates },
    { name: 'production', protected: true },
  ]);
}

describe('commands in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let original: Uint8Array;

  before(async () => {
    const found = servicesFromEnv();
    if (!found) throw new Error('the harness services are not in the environment (IMGPROMO_TEST_*)');
    svc = found;
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
  });

  afterEach(() => api.useInteraction(undefined));

  after(async () => {
    await vscode.workspace.fs.writeFile(configUri(), original);
  });

  it('shows each environment digest as the registry has it, and builds newest first', async () => {
    const repo = uniqueRepo();
    const older = await pushImage(svc.registryUrl, repo, 'aaaa111', { created: '2026-03-01T00:00:00Z' });
    const newer = await pushImage(svc.registryUrl, repo, 'bbbb222', { created: '2026-03-02T00:00:00Z' });
    await tagExisting(svc.registryUrl, repo, older.digest, 'dev');
    await writeConfig(api, configText(svc.registry, repo));
    const snapshot = api.model.snapshot!;
    const lookups = snapshot.environments.map((r) => (r.lookup.state === 'present' ? r.lookup.digest : r.lookup.state));
    assert.deepEqual(lookups, [await digestOf(svc.registryUrl, repo, 'dev'), 'absent', 'absent']);
    assert.deepEqual(snapshot.builds.state === 'ok' && snapshot.builds.rows.map((b) => b.tag), ['bbbb222', 'aaaa111']);
    assert.equal(snapshot.engine?.state, 'ok', 'the engine row says the harness engine answers');
    assert.notEqual(newer.digest, older.digest);
  });

  it('"Promote to Staging" takes what development holds, and the registry then has it under staging', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'cccc333');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await writeConfig(api, configText(svc.registry, repo));
    const person = new ScriptedInteraction({ confirm: true });
    api.useInteraction(person);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), build.digest);
    assert.equal(person.confirmations[0]?.digest, build.digest);
    assert.equal(person.confirmations[0]?.requireTypedName, false);
    assert.ok(await waitFor(() => api.model.snapshot?.environments[1]?.relation === 'in-step', 10_000), 'the tree refreshes after the promotion');
  });

  it('"Promote…" asks for the target, then the build, newest first', async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, 'dddd444', { created: '2026-04-01T00:00:00Z' });
    const chosen = await pushImage(svc.registryUrl, repo, 'eeee555', { created: '2026-04-02T00:00:00Z' });
    await writeConfig(api, configText(svc.registry, repo));
    const person = new ScriptedInteraction({ pick: ['development', 'eeee555'] });
    api.useInteraction(person);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promote')) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.deepEqual(
      person.picks.map((p) => p.labels),
      [
        ['development', 'staging', 'production'],
        ['eeee555', 'dddd444'],
      ],
    );
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), chosen.digest);
  });

  it('a row\'s "Promote to Next Environment" promotes that row\'s digest; production needs its name typed', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'ffff666');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
    await writeConfig(api, configText(svc.registry, repo));
    const stagingRow: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[1]! };
    const person = new ScriptedInteraction({ confirm: true });
    api.useInteraction(person);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', stagingRow)) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.target, 'production');
    assert.equal(person.confirmations[0]?.requireTypedName, true);
    assert.equal(await digestOf(svc.registryUrl, repo, 'production'), build.digest);
  });

  it('a failing command gate blocks "Promote to Staging" and staging keeps its digest', async () => {
    const repo = uniqueRepo();
    const old = await pushImage(svc.registryUrl, repo, 'abab777');
    const build = await pushImage(svc.registryUrl, repo, 'cdcd888');
    await tagExisting(svc.registryUrl, repo, old.digest, 'staging');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await writeConfig(api, configText(svc.registry, repo, [commandGate('smoke', ['node', '-e', "console.error('smoke: 2 checks failed'); process.exit(2)"])]));
    const person = new ScriptedInteraction({ confirm: true });
    api.useInteraction(person);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(outcome.status, 'blocked');
    assert.match(outcome.message, /smoke: exited with code 2 .*smoke: 2 checks failed/);
    assert.equal(person.confirmations.length, 0);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), old.digest);
  });

  it('config errors go to the Problems panel at their line, and the fixed file is picked up again', async () => {
    const repo = uniqueRepo();
    await writeConfig(api, `image: ${svc.registry}/${repo}\nenvironments:\n  - name: development\n    tga: dev\n`, 'invalid');
    const problems = await waitFor(() => vscode.languages.getDiagnostics(configUri()).length > 0, 10_000);
    assert.ok(problems);
    const diagnostics = vscode.languages.getDiagnostics(configUri());
    const typo = diagnostics.find((d) => d.message.includes('"tga"'));
    assert.ok(typo, diagnostics.map((d) => d.message).join('\n'));
    assert.equal(typo.range.start.line, 3);
    assert.equal(typo.severity, vscode.DiagnosticSeverity.Error);
    assert.match(typo.message, /did you mean "tag"/);
    await writeConfig(api, configText(svc.registry, repo));
    assert.equal(vscode.languages.getDiagnostics(configUri()).length, 0);
  });

  it('an engine that is down shows in the tree with the address tried; "engine" transport blocks, "auto" copies registry-side', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, '1212121');
    await writeConfig(api, configText(svc.registry, repo));
    const dead = 'unix:///nonexistent/imgpromo/docker.sock';
    const settings = vscode.workspace.getConfiguration('imagePromotion');
    await settings.update('dockerHost', dead, vscode.ConfigurationTarget.Global);
    await settings.update('transport', 'engine', vscode.ConfigurationTarget.Global);
    try {
      assert.ok(await waitFor(() => api.model.snapshot?.engine?.state === 'error', 15_000), 'the engine row turns into an error');
      const engine = api.model.snapshot!.engine!;
      assert.equal(engine.address, dead);
      assert.match(engine.state === 'error' ? engine.error.message : '', /cannot reach the Docker engine at unix:\/\/\/nonexistent\/imgpromo\/docker.sock/);
      const config = api.model.config.kind === 'ready' ? api.model.config.config : undefined!;
      const builds = api.model.snapshot!.builds;
      const node = {
        kind: 'build',
        row: builds.state === 'ok' ? builds.rows[0]! : undefined!,
        repository: config.repository,
        next: config.environments[0],
      } as PromotionNode;
      api.useInteraction(new ScriptedInteraction({ confirm: true }));
      const blocked = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', node)) as PromotionOutcome;
      assert.equal(blocked.status, 'blocked');
      assert.match(blocked.message, /Docker engine: cannot reach the Docker engine/);
      assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), undefined);

      await settings.update('transport', undefined, vscode.ConfigurationTarget.Global);
      const copied = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', node)) as PromotionOutcome;
      assert.equal(copied.status, 'succeeded', copied.message);
      assert.equal(copied.transport, 'registry');
      assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), build.digest);
    } finally {
      await settings.update('dockerHost', undefined, vscode.ConfigurationTarget.Global);
      await settings.update('transport', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.ok(await waitFor(() => api.model.snapshot?.engine?.state === 'ok', 15_000), 'back to the harness engine');
  });

  it('"Copy Pull Reference" copies repository@digest of the row', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, '3434343');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await writeConfig(api, configText(svc.registry, repo));
    const row: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[0]! };
    const copied = await vscode.commands.executeCommand('imagePromotion.copyPullReference', row);
    assert.equal(copied, `${svc.registry}/${repo}@${build.digest}`);
    assert.equal(await vscode.env.clipboard.readText(), `${svc.registry}/${repo}@${build.digest}`);
    assert.equal(await vscode.commands.executeCommand('imagePromotion.copyDigest', row), build.digest);
    assert.equal(await vscode.env.clipboard.readText(), build.digest);
  });

  it('without a config, "Create Promotion Config" writes a starter config that guesses the image from compose files', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const compose = vscode.Uri.joinPath(folder, 'docker-compose.yml');
    await vscode.workspace.fs.writeFile(compose, new TextEncoder().encode('services:\n  web:\n    image: registry.example.com/shop/web:1.2.3\n    build: .\n'));
    await vscode.workspace.fs.delete(configUri());
    try {
      assert.ok(await waitFor(() => api.model.config.kind === 'no-config', 15_000), 'the extension notices the config is gone');
      await vscode.commands.executeCommand('imagePromotion.createConfig');
      const written = new TextDecoder().decode(await vscode.workspace.fs.readFile(configUri()));
      assert.match(written, /^image: registry\.example\.com\/shop\/web\s*$/m);
      assert.ok(await waitFor(() => api.model.config.kind === 'ready', 15_000), 'the starter config is valid and loaded');
      assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), configUri().toString(), 'and opened');
    } finally {
      await vscode.workspace.fs.delete(compose);
    }
  });
});
