// Holds through the extension: Hold Promotions… and Release Hold on an Environments row, the held row's
// words (description, tooltip, status bar), a promotion the hold blocks, and the hold read back by the
// CLI as a separate process in a folder of its own (team-wide: it lives in the registry).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { digestOf, pushImage, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { promotionYaml } from '../fixtures/promotionYaml';
import { buildLabel } from '../../src/app/text/buildLabel';
import { waitFor } from './constants';
import { hostSuite, ScriptedInteraction, writeConfig } from './scripted';

const CLI = resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('holds, in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  const dirs: string[] = [];

  hostSuite((a, s) => {
    api = a;
    svc = s;
  });
  after(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** `status --json` of the CLI in a folder of its own: what a colleague's pipeline sees. */
  async function colleagueSees(yaml: string): Promise<{ name: string; hold?: { by: string; reason: string } }[]> {
    const dir = mkdtempSync(join(tmpdir(), 'imgpromo-colleague-'));
    dirs.push(dir);
    writeFileSync(join(dir, '.promotion.yaml'), yaml);
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'status', '--json'], {
      cwd: dir,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', XDG_CACHE_HOME: dir },
    });
    return (JSON.parse(stdout) as { environments: { name: string; hold?: { by: string; reason: string } }[] }).environments;
  }

  it('Hold Promotions… on a row holds it for everyone: the row says who and why, promotions are blocked; Release Hold lifts it', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'b01dfee');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const yaml = promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]);
    await writeConfig(api, yaml);
    await api.model.refresh();
    const row = () => api.model.snapshot!.environments[1]!;
    const node = () => ({ kind: 'environment' as const, row: row(), builds: api.model.snapshot!.builds });

    const person = new ScriptedInteraction({ ask: ['load test until 15:00'] });
    api.useInteraction(person);
    const said = (await vscode.commands.executeCommand('imagePromotion.holdPromotions', node())) as string;
    assert.deepEqual(
      person.asked.map((a) => a.title),
      ['Hold promotions into staging'],
    );
    assert.match(said, /^staging is held by .+ since \S+: load test until 15:00\. No promotion moves it/);
    assert.equal(row().hold?.state, 'held', 'the rows show the hold at once (the command refreshes)');

    const item = await api.trees.environments.getTreeItem(node());
    assert.match(String(item.description), /^staging · empty · behind development · held by .+ since \S+: load test until 15:00$/);
    assert.match(String(item.contextValue), /\bheld\b/, 'the row offers Release Hold');
    assert.ok(await waitFor(() => api.glance.statusBar().text.includes('staging held'), 10_000), `status bar: ${api.glance.statusBar().text}`);

    // A colleague's process, in its own folder, reads the same hold from the registry.
    const seen = await colleagueSees(yaml);
    assert.equal(seen.find((e) => e.name === 'staging')!.hold?.reason, 'load test until 15:00');

    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    const blocked = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(blocked.status, 'blocked', blocked.message);
    assert.match(blocked.message, /hold: staging is held by .+: load test until 15:00/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined, 'nothing moved');

    const released = (await vscode.commands.executeCommand('imagePromotion.releaseHold', node())) as string;
    assert.match(released, /^staging is no longer held/);
    assert.equal(row().hold?.state, 'none');
    const after = await api.trees.environments.getTreeItem(node());
    assert.doesNotMatch(String(after.description), /held/);
    assert.doesNotMatch(String(after.contextValue), /\bheld\b/);
    assert.equal((await colleagueSees(yaml)).find((e) => e.name === 'staging')!.hold, undefined);
    const promoted = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(promoted.status, 'succeeded', promoted.message);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), build.digest);
  });

  it('Approve Build for Environment… stores an approval on the digest the environment before holds; the row counts it (1 of 2 approvals)', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a99cafe');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const yaml = promotionYaml(`${svc.registry}/${repo}`, [
      { name: 'development', tag: 'dev' },
      { name: 'staging', gates: ['{ type: approval, name: two people, count: 2 }'] },
    ]);
    await writeConfig(api, yaml);
    await api.model.refresh();
    const row = () => api.model.snapshot!.environments[1]!;
    const node = () => ({ kind: 'environment' as const, row: row(), builds: api.model.snapshot!.builds });
    assert.match(String((await api.trees.environments.getTreeItem(node())).description), /0 of 2 approvals for sha256:\w{12}$/);
    assert.match(String((await api.trees.environments.getTreeItem(node())).contextValue), /\bapprovals\b/, 'the row offers Approve Build');

    const person = new ScriptedInteraction({ pick: [buildLabel({ tag: 'a99cafe' }, build.digest)] });
    api.useInteraction(person);
    const said = (await vscode.commands.executeCommand('imagePromotion.approveBuild', node())) as string;
    assert.deepEqual(person.picks[0]!.picked, [buildLabel({ tag: 'a99cafe' }, build.digest)], 'what development holds is offered first');
    assert.match(said, /approved sha256:\w{12} for staging/);
    assert.match(String((await api.trees.environments.getTreeItem(node())).description), /1 of 2 approvals for sha256:\w{12} \(.+\)$/);
    assert.equal(row().approvals?.gates[0]?.have, 1);
  });
});
