// A real multi-root workspace (a .code-workspace with the folders app-a and app-b, each with its own
// config naming its own repository in the harness registry): each folder is its own group, and commands
// act in the folder of the row they came from. Runs only in the runner's multi-root window
// (IMGPROMO_HOST_LAYOUT=multiroot); digests are checked over HTTP, independently of the extension.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { digestOf, pushImage, servicesFromEnv, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { PromotionOutcome } from '../../src/promotion/promote';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { HistoryNode } from '../../src/vscode/tree/historyTree';
import type { PromotionNode } from '../../src/vscode/tree/nodes';
import { promotionYaml } from '../fixtures/promotionYaml';
import { waitFor } from './constants';
import { extensionApi, ScriptedInteraction } from './scripted';

type FolderModel = ReturnType<ImagePromotionApi['folders']>[number];

describe('multi-root workspace: each folder with a config is its own group', function () {
  this.timeout(180_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let folders: readonly vscode.WorkspaceFolder[];
  const originals = new Map<string, Uint8Array>();

  const configOf = (folder: vscode.WorkspaceFolder): vscode.Uri => vscode.Uri.joinPath(folder.uri, '.promotion.yaml');
  const historyOf = (folder: vscode.WorkspaceFolder): vscode.Uri => vscode.Uri.joinPath(folder.uri, '.promotion', 'history.jsonl');
  const modelOf = (folder: vscode.WorkspaceFolder): FolderModel => {
    const found = api.folders().find((f) => f.dir === folder.uri.fsPath);
    if (!found) throw new Error(`the extension has no model for ${folder.name}`);
    return found;
  };
  const config = (repo: string): string =>
    promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production', protected: true }]);

  /** Writes a folder's config and waits until that folder's model has loaded it (its watcher, not a call). */
  async function writeFolderConfig(folder: vscode.WorkspaceFolder, text: string, expect: 'ready' | 'invalid' = 'ready'): Promise<void> {
    await vscode.workspace.fs.writeFile(configOf(folder), new TextEncoder().encode(text));
    const loaded = await waitFor(() => {
      const { model } = modelOf(folder);
      if (model.config.kind !== expect) return false;
      return expect === 'invalid' || (model.config.kind === 'ready' && text.includes(model.config.config.image) && !!model.snapshot);
    }, 20_000);
    if (!loaded) throw new Error(`${folder.name} did not load its new config (state ${modelOf(folder).model.config.kind})`);
  }

  /** Two folders, each with a build in development in its own repository. */
  async function twoFolders(): Promise<{ a: { repo: string; digest: string }; b: { repo: string; digest: string } }> {
    const [repoA, repoB] = [uniqueRepo(), uniqueRepo()];
    const buildA = await pushImage(svc.registryUrl, repoA, 'aaaa001', { created: '2026-06-01T00:00:00Z' });
    const buildB = await pushImage(svc.registryUrl, repoB, 'bbbb002', { created: '2026-06-02T00:00:00Z' });
    await tagExisting(svc.registryUrl, repoA, buildA.digest, 'dev');
    await tagExisting(svc.registryUrl, repoB, buildB.digest, 'dev');
    await writeFolderConfig(folders[0]!, config(repoA));
    await writeFolderConfig(folders[1]!, config(repoB));
    return { a: { repo: repoA, digest: buildA.digest }, b: { repo: repoB, digest: buildB.digest } };
  }

  async function children<N>(tree: vscode.TreeDataProvider<N>, node?: N): Promise<N[]> {
    return ((await tree.getChildren(node)) ?? []) as N[];
  }

  /** The Environments view's group rows: [folder name, description] each. */
  async function groups<N>(tree: vscode.TreeDataProvider<N>): Promise<{ node: N; label: string; description: string }[]> {
    const top = await children(tree);
    return Promise.all(
      top.map(async (node) => {
        const item = await tree.getTreeItem(node);
        return { node, label: String(item.label), description: String(item.description ?? '') };
      }),
    );
  }

  async function groupRows(name: string): Promise<PromotionNode[]> {
    const group = (await groups(api.trees.environments)).find((g) => g.label === name);
    assert.ok(group, `a group row for ${name}`);
    return children(api.trees.environments, group.node);
  }

  before(async () => {
    svc = servicesFromEnv()!;
    api = await extensionApi();
    folders = vscode.workspace.workspaceFolders ?? [];
    assert.deepEqual(
      folders.map((f) => f.name),
      ['app-a', 'app-b'],
      'the runner opened the two-folder .code-workspace',
    );
    for (const folder of folders) originals.set(folder.uri.toString(), await vscode.workspace.fs.readFile(configOf(folder)));
  });
  afterEach(async () => {
    api.useInteraction(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    for (const folder of folders) {
      const original = originals.get(folder.uri.toString());
      if (original) await vscode.workspace.fs.writeFile(configOf(folder), original);
      await vscode.workspace.fs.delete(historyOf(folder)).then(undefined, () => undefined);
    }
  });

  it("shows a group row per folder (its name, its image) with that folder's own environments beneath", async () => {
    const { a, b } = await twoFolders();
    const top = await groups(api.trees.environments);
    assert.deepEqual(
      top.map((g) => [g.label, g.description]),
      [
        ['app-a', `${svc.registry}/${a.repo}`],
        ['app-b', `${svc.registry}/${b.repo}`],
      ],
    );
    const item = await api.trees.environments.getTreeItem(top[0]!.node);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    for (const [name, expected] of [
      ['app-a', a],
      ['app-b', b],
    ] as const) {
      const rows = (await groupRows(name)).filter((n) => n.kind === 'environment');
      assert.deepEqual(
        rows.map((n) => n.kind === 'environment' && n.row.env.name),
        ['development', 'staging', 'production'],
      );
      const dev = rows[0]!;
      assert.equal(dev.kind === 'environment' && dev.row.lookup.state === 'present' && dev.row.lookup.digest, expected.digest, `${name}'s development`);
      assert.equal(dev.kind === 'environment' && dev.row.env.repository.path, expected.repo);
    }
    // Ids stay unique across the groups (VS Code refuses a tree with two equal ids).
    const ids = await Promise.all(
      [...(await groupRows('app-a')), ...(await groupRows('app-b'))].map(async (n) => (await api.trees.environments.getTreeItem(n)).id),
    );
    assert.equal(new Set(ids).size, ids.length, ids.join(', '));
    // The Builds and History views group the same way.
    assert.deepEqual(
      (await groups(api.trees.builds)).map((g) => g.label),
      ['app-a', 'app-b'],
    );
    assert.deepEqual(
      (await groups(api.trees.history)).map((g) => g.label),
      ['app-a', 'app-b'],
    );
  });

  it("a promotion from a row in folder B moves B's image and writes B's history, not A's; rolling back from B's History row puts it back", async () => {
    const { a, b } = await twoFolders();
    const older = await pushImage(svc.registryUrl, b.repo, 'bbbb000', { created: '2026-05-01T00:00:00Z' });
    await tagExisting(svc.registryUrl, b.repo, older.digest, 'staging');
    await api.refresh();
    const devB = (await groupRows('app-b')).find((n) => n.kind === 'environment' && n.row.env.name === 'development');
    assert.ok(devB);
    const person = new ScriptedInteraction({ confirm: true });
    api.useInteraction(person);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', devB)) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.deepEqual(person.picks, [], 'a row names its folder: nothing to ask');
    assert.equal(await digestOf(svc.registryUrl, b.repo, 'staging'), b.digest, "B's staging moved");
    assert.equal(await digestOf(svc.registryUrl, a.repo, 'staging'), undefined, "A's staging did not");
    const lines = new TextDecoder()
      .decode(await vscode.workspace.fs.readFile(historyOf(folders[1]!)))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; digest: string; target: { environment: string } });
    assert.deepEqual(
      lines.filter((l) => l.outcome !== 'started').map((l) => [l.target.environment, l.digest, l.outcome]),
      [['staging', b.digest, 'succeeded']],
    );
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(historyOf(folders[0]!))), "A's history file was not written");

    // B's History group: the staging row's inline Roll Back acts in B (the row is a History row, not an Environments row).
    assert.ok(await waitFor(() => (modelOf(folders[1]!).model.snapshot?.history?.records.length ?? 0) >= 1, 10_000));
    const historyGroup = (await groups(api.trees.history)).find((g) => g.label === 'app-b');
    assert.ok(historyGroup);
    const stagingHistory = (await children(api.trees.history, historyGroup.node)).find(
      (n): n is Extract<HistoryNode, { kind: 'environment' }> => n.kind === 'environment' && n.name === 'staging',
    );
    assert.ok(stagingHistory, "B's History group lists staging");
    const rollback = new ScriptedInteraction({ pick: ['bbbb000'], confirm: true });
    api.useInteraction(rollback);
    const back = (await vscode.commands.executeCommand('imagePromotion.rollBack', stagingHistory)) as PromotionOutcome | undefined;
    assert.equal(back?.status, 'succeeded', back?.message ?? 'Roll Back from the History row returned nothing');
    assert.equal(back?.mode, 'rollback');
    assert.equal(await digestOf(svc.registryUrl, b.repo, 'staging'), older.digest);
    assert.equal(rollback.picks[0]?.title, 'Roll back staging: earlier digest', 'no folder question: the row named B');
  });

  it("a folder's own imagePromotion.historyFile (its .vscode/settings.json) moves that folder's history file, and only that folder's", async () => {
    const { a, b } = await twoFolders();
    const [folderA, folderB] = [folders[0]!, folders[1]!];
    const moved = 'records/promotions.jsonl';
    const movedOf = (folder: vscode.WorkspaceFolder): vscode.Uri => vscode.Uri.joinPath(folder.uri, 'records', 'promotions.jsonl');
    const setting = (folder: vscode.WorkspaceFolder): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('imagePromotion', folder.uri);
    for (const folder of folders) await vscode.workspace.fs.delete(historyOf(folder)).then(undefined, () => undefined);
    // Written where a person would: A's .vscode/settings.json (the folder level of a multi-root workspace).
    await setting(folderA).update('historyFile', moved, vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      assert.ok(await waitFor(() => setting(folderA).get('historyFile') === moved, 10_000), "VS Code reads A's folder-level value");
      assert.equal(setting(folderB).get('historyFile'), '.promotion/history.jsonl', 'B keeps the default');
      api.useInteraction(new ScriptedInteraction({ confirm: true }));
      for (const name of ['app-a', 'app-b']) {
        const dev = (await groupRows(name)).find((n) => n.kind === 'environment' && n.row.env.name === 'development');
        assert.ok(dev, `${name}'s development row`);
        const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', dev)) as PromotionOutcome;
        assert.equal(outcome.status, 'succeeded', `${name}: ${outcome.message}`);
      }
      const recorded = async (uri: vscode.Uri): Promise<string[][]> =>
        new TextDecoder()
          .decode(await vscode.workspace.fs.readFile(uri))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { outcome: string; digest: string; target: { environment: string } })
          .filter((l) => l.outcome !== 'started')
          .map((l) => [l.target.environment, l.digest, l.outcome]);
      assert.deepEqual(await recorded(movedOf(folderA)), [['staging', a.digest, 'succeeded']], "A's promotion is in A's configured file");
      assert.deepEqual(await recorded(historyOf(folderB)), [['staging', b.digest, 'succeeded']], "B's is in B's default file");
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(historyOf(folderA))), "A's default file was not written");
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(movedOf(folderB))), "B did not take A's setting");
    } finally {
      await setting(folderA).update('historyFile', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(folderA.uri, 'records'), { recursive: true }).then(undefined, () => undefined);
    }
  });

  it("from the palette it asks which folder, the active editor's first and preselected, and acts there", async () => {
    const { a, b } = await twoFolders();
    await vscode.window.showTextDocument(configOf(folders[1]!));
    const person = new ScriptedInteraction({ pick: ['app-b'], confirm: true });
    api.useInteraction(person);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.deepEqual(person.picks[0], { title: 'Promote to Staging: which folder?', labels: ['app-b', 'app-a'], picked: ['app-b'] });
    assert.equal(await digestOf(svc.registryUrl, b.repo, 'staging'), b.digest);
    assert.equal(await digestOf(svc.registryUrl, a.repo, 'staging'), undefined);

    // Backing out of the folder question does nothing.
    const undecided = new ScriptedInteraction({ pick: [] });
    api.useInteraction(undecided);
    assert.equal(await vscode.commands.executeCommand('imagePromotion.promoteToStaging'), undefined);
    assert.equal(undecided.picks.length, 1);
    assert.equal(undecided.confirmations.length, 0);
  });

  it("a broken config in A shows its error row inside A's group, and B stays usable", async () => {
    const { b } = await twoFolders();
    await writeFolderConfig(folders[0]!, 'image: [not, a, repository\nenvironments: {}\n', 'invalid');
    const top = await groups(api.trees.environments);
    assert.deepEqual(
      top.map((g) => [g.label, g.description]),
      [
        ['app-a', 'config has errors'],
        ['app-b', `${svc.registry}/${b.repo}`],
      ],
    );
    const rowsA = await groupRows('app-a');
    assert.equal(rowsA[0]?.kind === 'message' && rowsA[0].id, 'config-errors', "A's error row is inside A's group");
    const rowsB = await groupRows('app-b');
    assert.ok(rowsB.some((n) => n.kind === 'environment' && n.row.lookup.state === 'present'));

    const person = new ScriptedInteraction({ pick: ['app-b'], confirm: true });
    api.useInteraction(person);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(await digestOf(svc.registryUrl, b.repo, 'staging'), b.digest);
  });

  it('the badge sums over folders and names them; the status bar follows the active editor and says which folder', async () => {
    const { a, b } = await twoFolders();
    // Each folder's production behind its staging.
    for (const { repo, digest } of [a, b]) {
      const old = await pushImage(svc.registryUrl, repo, 'cccc000', { created: '2026-01-01T00:00:00Z' });
      await tagExisting(svc.registryUrl, repo, old.digest, 'production');
      await tagExisting(svc.registryUrl, repo, digest, 'staging');
    }
    await api.refresh();
    assert.ok(await waitFor(() => api.glance.badge()?.value === 2, 10_000), `badge: ${JSON.stringify(api.glance.badge())}`);
    assert.equal(api.glance.badge()?.tooltip, 'app-a: production: behind staging\napp-b: production: behind staging');

    await vscode.window.showTextDocument(configOf(folders[1]!));
    assert.ok(await waitFor(() => api.glance.statusBar().tooltip.includes('app-b'), 10_000), api.glance.statusBar().tooltip);
    assert.match(api.glance.statusBar().tooltip, /^Image Promotion: workspace folder app-b\n/);
    assert.match(api.glance.statusBar().accessibilityLabel, /app-b: production holds cccc000, behind staging/);
    await vscode.window.showTextDocument(configOf(folders[0]!));
    assert.ok(
      await waitFor(() => api.glance.statusBar().tooltip.startsWith('Image Promotion: workspace folder app-a'), 10_000),
      api.glance.statusBar().tooltip,
    );
  });

  it('follows configs deleted and created, and folders added and removed at runtime', async () => {
    const { a } = await twoFolders();
    // B's config deleted: one configured folder left, shown as before (no group row).
    await vscode.workspace.fs.delete(configOf(folders[1]!));
    assert.ok(await waitFor(() => modelOf(folders[1]!).model.config.kind === 'no-config', 10_000));
    const alone = await children(api.trees.environments);
    assert.ok(
      alone.every((n) => n.kind !== 'folder'),
      'no group rows with one configured folder',
    );
    assert.ok(alone.some((n) => n.kind === 'environment' && n.row.env.repository.path === a.repo));

    // A third folder with its own config joins the workspace, and leaves it.
    const repoC = uniqueRepo();
    const dir = mkdtempSync(join(tmpdir(), 'imgpromo-app-c-'));
    try {
      writeFileSync(join(dir, '.promotion.yaml'), config(repoC));
      const added = vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri: vscode.Uri.file(dir), name: 'app-c' });
      assert.ok(added, 'VS Code accepted the folder');
      assert.ok(
        await waitFor(() => api.folders().some((f) => f.name === 'app-c' && f.model.config.kind === 'ready'), 20_000),
        'the new folder loads its config',
      );
      assert.ok(await waitFor(async () => (await groups(api.trees.environments)).length === 2, 10_000));
      assert.deepEqual(
        (await groups(api.trees.environments)).map((g) => [g.label, g.description]),
        [
          ['app-a', `${svc.registry}/${a.repo}`],
          ['app-c', `${svc.registry}/${repoC}`],
        ],
      );
      const index = (vscode.workspace.workspaceFolders ?? []).findIndex((f) => f.name === 'app-c');
      assert.ok(vscode.workspace.updateWorkspaceFolders(index, 1), 'VS Code accepted the removal');
      assert.ok(await waitFor(() => !api.folders().some((f) => f.name === 'app-c'), 20_000), 'the removed folder is gone');
      assert.ok((await children(api.trees.environments)).every((n) => n.kind !== 'folder'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // Create Promotion Config from the palette: B is the only folder without one, so it is written there unasked.
    const person = new ScriptedInteraction();
    api.useInteraction(person);
    const created = (await vscode.commands.executeCommand('imagePromotion.createConfig')) as vscode.Uri | undefined;
    assert.equal(created?.toString(), configOf(folders[1]!).toString());
    assert.deepEqual(person.picks, []);
    assert.ok(await waitFor(() => modelOf(folders[1]!).model.config.kind !== 'no-config', 10_000), "B's new config is loaded");
    // B's config written again: two groups again.
    await writeFolderConfig(folders[1]!, config(uniqueRepo()));
    assert.ok(await waitFor(async () => (await groups(api.trees.environments)).length === 2, 10_000));
  });
});
