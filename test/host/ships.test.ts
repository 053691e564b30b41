// What a promotion ships, in a real extension host: the workspace is made a git repository whose
// commits the images carry as org.opencontainers.image.revision; the confirmation lists the commits
// between them, Compare opens both environments side by side, a History entry opens rendered.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { digestOf, pushImage, servicesFromEnv, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { CompareResult } from '../../src/vscode/commands/compareCommand';
import type { PromotionOutcome } from '../../src/promotion/promote';
import type { PromotionNode } from '../../src/vscode/tree/nodes';
import { confirmationDetail } from '../../src/app/text/confirmationText';
import { waitFor } from './constants';
import { promotionYaml } from '../fixtures/promotionYaml';
import { releaseYaml } from '../fixtures/releaseYaml';
import { shippedSummary } from '../../src/app/text/shippedText';
import { configUri, extensionApi, ScriptedInteraction, writeConfig } from './scripted';

const REVISION = 'org.opencontainers.image.revision';

describe('what a promotion ships (git fixture repository, images with revisions)', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let original: Uint8Array;
  let dir: string;
  let madeRepository = false;
  const revs: string[] = [];
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=Grace Hopper', '-c', 'user.email=grace@example.com', '-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
    }).trim();

  before(async () => {
    svc = servicesFromEnv()!;
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
    dir = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    if (!existsSync(path.join(dir, '.git'))) {
      git('init', '-q');
      madeRepository = true;
    }
    for (const subject of ['Initial service', 'Add the login page', 'Fix the session cookie', 'Cache the catalogue']) {
      writeFileSync(path.join(dir, 'ships-fixture.txt'), `${subject}\n`);
      git('add', 'ships-fixture.txt');
      git('commit', '-q', '-m', subject);
      revs.push(git('rev-parse', 'HEAD'));
    }
  });
  afterEach(() => api.useInteraction(undefined));
  after(async () => {
    await vscode.workspace.fs.writeFile(configUri(), original);
    await vscode.workspace.fs
      .delete(vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, '.promotion', 'history.jsonl'))
      .then(undefined, () => undefined);
    rmSync(path.join(dir, 'ships-fixture.txt'), { force: true });
    if (madeRepository) rmSync(path.join(dir, '.git'), { recursive: true, force: true });
  });

  /** development holds the newest commit's build, staging the first one's. */
  async function pipeline(devRevision: string): Promise<{ repo: string }> {
    const repo = uniqueRepo();
    const old = await pushImage(svc.registryUrl, repo, revs[0]!.slice(0, 7), { labels: { [REVISION]: revs[0]! }, created: '2026-11-01T00:00:00Z' });
    const next = await pushImage(svc.registryUrl, repo, devRevision.slice(0, 7), {
      labels: { [REVISION]: devRevision, 'org.opencontainers.image.title': 'catalogue' },
      created: '2026-11-02T00:00:00Z',
    });
    await tagExisting(svc.registryUrl, repo, next.digest, 'dev');
    await tagExisting(svc.registryUrl, repo, old.digest, 'staging');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    return { repo };
  }

  it('the confirmation says "Ships 3 commits to staging" and lists them, newest first, with their authors', async () => {
    await pipeline(revs[3]!);
    const person = new ScriptedInteraction({ confirm: false });
    api.useInteraction(person);
    const dev: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[0]! };
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', dev)) as PromotionOutcome;
    assert.equal(outcome.status, 'cancelled', outcome.message);
    const shipped = person.confirmations[0]?.shipped;
    assert.equal(shipped?.kind, 'ships', JSON.stringify(shipped));
    if (shipped?.kind !== 'ships') return;
    assert.deepEqual(
      shipped.commits.map((c) => [c.sha, c.subject, c.author]),
      [
        [revs[3], 'Cache the catalogue', 'Grace Hopper'],
        [revs[2], 'Fix the session cookie', 'Grace Hopper'],
        [revs[1], 'Add the login page', 'Grace Hopper'],
      ],
    );
    const detail = confirmationDetail(person.confirmations[0]!);
    assert.match(detail.split('\n')[1]!, /^Ships 3 commits to staging: Cache the catalogue; Fix the session cookie; Add the login page$/);
  });

  it('a revision the repository does not have is a note in the confirmation, not a list', async () => {
    await pipeline('0123456789abcdef0123456789abcdef01234567');
    const person = new ScriptedInteraction({ confirm: false });
    api.useInteraction(person);
    const dev: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[0]! };
    await vscode.commands.executeCommand('imagePromotion.promoteToNext', dev);
    const shipped = person.confirmations[0]?.shipped;
    assert.equal(shipped?.kind, 'note', JSON.stringify(shipped));
    if (shipped?.kind === 'note') assert.equal(shipped.note, 'unknown-revision');
    assert.match(confirmationDetail(person.confirmations[0]!), /Commits not listed: the revision 0123456 of development is not in this repository/);
  });

  it('"Compare with Previous Environment" opens staging and development side by side with the commit list', async () => {
    await pipeline(revs[3]!);
    const staging: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[1]! };
    const result = (await vscode.commands.executeCommand('imagePromotion.compareWithPrevious', staging)) as CompareResult;
    try {
      assert.equal(result.comparison.left.env.name, 'staging');
      assert.equal(result.comparison.right.env.name, 'development');
      const rows = Object.fromEntries(result.comparison.rows.map((r) => [r.label, r]));
      assert.deepEqual([rows['Revision']!.left, rows['Revision']!.right], [revs[0], revs[3]]);
      assert.equal(rows['Build']!.right, revs[3]!.slice(0, 7));
      assert.equal(rows['Platforms']!.same, true);
      assert.match(rows['Size']!.left, /^\d+(\.\d)? (B|KiB)$/);
      assert.equal(rows['Label org.opencontainers.image.title']!.right, 'catalogue');
      const html = result.panel.webview.html;
      assert.match(html, /Ships 3 commits to staging/);
      for (const sha of revs.slice(1))
        assert.ok(html.includes(`command:imagePromotion.viewCommit?${encodeURIComponent(JSON.stringify([sha]))}`), `a link for ${sha}`);
      const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
      const tab = () => tabs().find((t) => t.label === 'Compare staging ↔ development');
      assert.ok(
        await waitFor(() => !!tab(), 10_000),
        `tabs: ${tabs()
          .map((t) => t.label)
          .join(', ')}`,
      );
      assert.ok(tab()!.input instanceof vscode.TabInputWebview);
    } finally {
      result.panel.dispose();
    }
  });

  it('"Compare Environments…" asks for two environments and orders them by promotion order', async () => {
    await pipeline(revs[2]!);
    const person = new ScriptedInteraction({ pick: ['development', 'staging'] });
    api.useInteraction(person);
    const result = (await vscode.commands.executeCommand('imagePromotion.compareEnvironments')) as CompareResult;
    try {
      assert.deepEqual(
        person.picks.map((p) => p.labels),
        [['development', 'staging'], ['staging']],
      );
      assert.equal(result.comparison.left.env.name, 'staging', 'the later environment is the one a promotion lands in');
      assert.equal(result.comparison.shipped.kind, 'ships');
      if (result.comparison.shipped.kind === 'ships')
        assert.deepEqual(
          result.comparison.shipped.commits.map((c) => c.subject),
          ['Fix the session cookie', 'Add the login page'],
        );
    } finally {
      result.panel.dispose();
    }
  });

  it('a release: the confirmation and Compare say what every image ships, an image of another commit in a part of its own', async () => {
    const names = ['api', 'web', 'worker'] as const;
    const repos = Object.fromEntries(names.map((n) => [n, uniqueRepo(n)])) as Record<(typeof names)[number], string>;
    // staging holds every image of revs[0]; development api and web of revs[3], worker of revs[2].
    const devRevision = { api: revs[3]!, web: revs[3]!, worker: revs[2]! };
    for (const name of names) {
      const old = await pushImage(svc.registryUrl, repos[name], 'old', { labels: { [REVISION]: revs[0]! } });
      const next = await pushImage(svc.registryUrl, repos[name], 'next', { labels: { [REVISION]: devRevision[name] } });
      await tagExisting(svc.registryUrl, repos[name], next.digest, 'dev');
      await tagExisting(svc.registryUrl, repos[name], old.digest, 'staging');
    }
    await writeConfig(
      api,
      releaseYaml(
        names.map((name) => ({ name, image: `${svc.registry}/${repos[name]}` })),
        [{ name: 'development', tag: 'dev' }, { name: 'staging' }],
      ),
    );
    const expected =
      'api, web: Ships 3 commits to staging: Cache the catalogue; Fix the session cookie; Add the login page · worker: Ships 2 commits to staging: Fix the session cookie; Add the login page';
    const person = new ScriptedInteraction({ confirm: false });
    api.useInteraction(person);
    const dev: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[0]! };
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', dev)) as PromotionOutcome;
    assert.equal(outcome.status, 'cancelled', outcome.message);
    const shipped = person.confirmations[0]?.shipped;
    assert.equal(shipped?.kind, 'release', JSON.stringify(shipped));
    assert.ok(confirmationDetail(person.confirmations[0]!).includes(expected), confirmationDetail(person.confirmations[0]!));

    const staging: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[1]! };
    const result = (await vscode.commands.executeCommand('imagePromotion.compareWithPrevious', staging)) as CompareResult;
    try {
      const components = result.comparison.components ?? [];
      assert.deepEqual(
        components.map((c) => [c.name, c.rows.find((r) => r.label === 'Revision')?.left, c.rows.find((r) => r.label === 'Revision')?.right]),
        names.map((n) => [n, revs[0], devRevision[n]]),
      );
      assert.deepEqual(
        components.map((c) => c.right.digest),
        await Promise.all(names.map((n) => digestOf(svc.registryUrl, repos[n], 'dev'))),
        "each image's own digest, read from its own repository",
      );
      const html = result.panel.webview.html;
      for (const name of names) assert.match(html, new RegExp(`<h2>${name}</h2>`));
      assert.match(html, /<h3>worker<\/h3>\n<p>Ships 2 commits to staging/);
      assert.equal(shippedSummary(result.comparison.shipped, 'staging'), expected);
    } finally {
      result.panel.dispose();
    }
  });

  it('a History entry opens rendered in the Markdown preview, not as source', async () => {
    await pipeline(revs[3]!);
    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    const dev: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[0]! };
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToNext', dev)) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.ok(await waitFor(() => (api.model.snapshot?.history?.records ?? []).some((r) => r.digest === outcome.digest && r.outcome === 'succeeded'), 10_000));
    const record = api.model.snapshot!.history!.records.find((r) => r.digest === outcome.digest && r.outcome === 'succeeded')!;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const uri = (await vscode.commands.executeCommand('imagePromotion.showHistoryEntry', record)) as vscode.Uri;
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const preview = () => tabs().find((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType));
    assert.ok(
      await waitFor(() => !!preview(), 10_000),
      `tabs: ${tabs()
        .map((t) => `${t.label} (${(t.input as { viewType?: string })?.viewType ?? 'text'})`)
        .join(', ')}`,
    );
    assert.ok(preview()!.label.includes(path.basename(uri.path)), preview()!.label);
    assert.equal(tabs().filter((t) => t.input instanceof vscode.TabInputText).length, 0, 'no raw Markdown source editor');
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(text, /^# Promotion into staging: succeeded/);
    assert.match(text, new RegExp(`\\| Build \\| ${revs[3]!.slice(0, 7)}, revision \`${revs[3]}\` \\|`));
  });
});
