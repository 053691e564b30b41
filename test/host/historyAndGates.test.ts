// Check Gates…, the History view's data and Roll Back… as commands in a real extension host.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { digestOf, pushImage, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { GateCheck } from '../../src/promotion/checkGates';
import type { PromotionOutcome } from '../../src/promotion/promote';
import type { PromotionNode } from '../../src/vscode/tree/nodes';
import type { HistoryNode } from '../../src/vscode/tree/historyTree';
import { waitFor } from './constants';
import { commandGate, promotionYaml } from '../fixtures/promotionYaml';
import { historyFileUri, hostSuite, ScriptedInteraction, writeConfig } from './scripted';

describe('gate checks, history and rollback in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  const historyFile = historyFileUri;

  hostSuite((a, s) => {
    api = a;
    svc = s;
  });

  it('"Check Gates…" runs every gate without promoting and says which fail', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'c4ec4ec');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await writeConfig(
      api,
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        {
          name: 'staging',
          gates: [
            commandGate('unit tests', ['node', '-e', 'process.exit(0)']),
            commandGate('smoke', ['node', '-e', "console.log('GET /health 503'); process.exit(1)"]),
          ],
        },
      ]),
    );
    api.useInteraction(new ScriptedInteraction({ pick: ['staging'] }));
    const check = (await vscode.commands.executeCommand('imagePromotion.checkGates')) as GateCheck;
    assert.equal(check.passed, false);
    assert.equal(check.digest, build.digest);
    const byName = Object.fromEntries(check.gates.map((g) => [g.name, g.status]));
    assert.equal(byName['promotion order'], 'passed');
    assert.equal(byName['unit tests'], 'passed');
    assert.equal(byName['smoke'], 'failed');
    assert.deepEqual(check.gates.find((g) => g.name === 'smoke')?.details?.slice(-1), ['GET /health 503']);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined, 'nothing was promoted');
  });

  it("an environment's History row, drawn with no attempts, is another row (drawn expanded) once its first attempt comes", async () => {
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, 'ccc3333');
    // A name no other test promotes into: the suite's tests share one history file.
    const fresh = `qa${repo.replace(/[^a-z0-9]/g, '').slice(-8)}`;
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: fresh }]));
    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    const cfg = api.model.config.kind === 'ready' ? api.model.config.config : undefined!;
    const rows = api.model.snapshot!.builds.state === 'ok' ? api.model.snapshot!.builds.rows : [];
    const build: PromotionNode = { kind: 'build', row: rows.find((r) => r.tag === 'ccc3333')!, repository: cfg.repository, next: cfg.environments[0]! };
    const item = async (): Promise<vscode.TreeItem | undefined> => {
      const top = ((await api.trees.history.getChildren(undefined)) ?? []) as HistoryNode[];
      const row = top.find((n) => n.kind === 'environment' && n.name === fresh);
      return row && api.trees.history.getTreeItem(row);
    };
    const first = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', build)) as PromotionOutcome;
    assert.equal(first.status, 'succeeded', first.message);
    assert.ok(await waitFor(async () => (await item())?.description === 'no attempts', 10_000), `${fresh} drawn with no attempts`);
    const before = (await item())!;
    assert.equal(before.collapsibleState, vscode.TreeItemCollapsibleState.None);

    assert.ok(await waitFor(() => api.model.snapshot?.environments[0]?.lookup.state === 'present', 10_000), 'development holds the build');
    const development: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[0]! };
    const promoted = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', development)) as PromotionOutcome;
    assert.equal(promoted.status, 'succeeded', promoted.message);
    assert.ok(await waitFor(async () => (await item())?.description === '1 attempt', 10_000), `${fresh} drawn with its attempt`);
    const after = (await item())!;
    assert.equal(after.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.notEqual(after.id, before.id, 'another id: VS Code keeps the row it drew as a leaf under the old one collapsed');
  });

  it('each promotion attempt lands in the history file, which the History view reads; Roll Back… restores the earlier digest', async () => {
    const repo = uniqueRepo();
    const first = await pushImage(svc.registryUrl, repo, 'aaa1111', { created: '2026-06-01T00:00:00Z' });
    const second = await pushImage(svc.registryUrl, repo, 'bbb2222', { created: '2026-06-02T00:00:00Z' });
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    const builds = api.model.snapshot!.builds;
    assert.equal(builds.state, 'ok');
    const rows = builds.state === 'ok' ? builds.rows : [];
    const cfg = api.model.config.kind === 'ready' ? api.model.config.config : undefined!;
    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    for (const tag of ['aaa1111', 'bbb2222']) {
      const node: PromotionNode = { kind: 'build', row: rows.find((r) => r.tag === tag)!, repository: cfg.repository, next: cfg.environments[0]! };
      const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', node)) as PromotionOutcome;
      assert.equal(outcome.status, 'succeeded', outcome.message);
      // The tree refreshes after each promotion; the next one compares against what it shows.
      assert.ok(
        await waitFor(() => {
          const l = api.model.snapshot?.environments[0]?.lookup;
          return l?.state === 'present' && l.digest === outcome.digest;
        }, 10_000),
      );
    }
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(historyFile()));
    // Each write is preceded by its `started` line (paired with the end by the reader): the ends are what this checks.
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { target: { environment: string }; digest: string; outcome: string })
      .filter((l) => l.outcome !== 'started');
    assert.deepEqual(
      lines.slice(-2).map((l) => [l.target.environment, l.digest, l.outcome]),
      [
        ['development', first.digest, 'succeeded'],
        ['development', second.digest, 'succeeded'],
      ],
    );
    assert.ok(await waitFor(() => (api.model.snapshot?.history?.records.length ?? 0) >= 2, 10_000), 'the History view has the records');

    // The rollback picker names each earlier digest by its build tag.
    const person = new ScriptedInteraction({ pick: ['development', 'aaa1111'], confirm: true });
    api.useInteraction(person);
    const rollback = (await vscode.commands.executeCommand('imagePromotion.rollBack')) as PromotionOutcome;
    assert.equal(rollback.status, 'succeeded', rollback.message);
    assert.equal(rollback.mode, 'rollback');
    assert.equal(person.picks[1]?.labels[0], 'aaa1111', 'the earlier build is offered first');
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), first.digest);
    const last = JSON.parse(
      new TextDecoder()
        .decode(await vscode.workspace.fs.readFile(historyFile()))
        .trim()
        .split('\n')
        .at(-1)!,
    ) as { kind: string; digest: string; previousDigest: string };
    assert.deepEqual([last.kind, last.digest, last.previousDigest], ['rollback', first.digest, second.digest]);

    const record = api.model.snapshot?.history?.records.at(-1);
    assert.ok(record);
    // The entry opens rendered (Markdown preview); its document holds the Markdown.
    const uri = (await vscode.commands.executeCommand('imagePromotion.showHistoryEntry', record)) as vscode.Uri;
    assert.match((await vscode.workspace.openTextDocument(uri)).getText(), /# (Promotion|Rollback) into development: succeeded/);
  });
});
