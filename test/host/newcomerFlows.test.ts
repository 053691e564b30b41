// The flows a newcomer tripped on, as commands in a real extension host against the harness's registry.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { digestOf, pushImage, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { GateCheck } from '../../src/promotion/checkGates';
import type { PromotionOutcome } from '../../src/promotion/promote';
import type { HistoryRecord } from '../../src/history/record';
import type { PromotionNode } from '../../src/vscode/tree/nodes';
import { waitFor } from './constants';
import { promotionYaml } from '../fixtures/promotionYaml';
import { historyFileUri, hostSuite, ScriptedInteraction, writeConfig } from './scripted';

describe('newcomer flows in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  const historyFile = historyFileUri;
  const lastRecord = async (): Promise<HistoryRecord> =>
    JSON.parse(
      new TextDecoder()
        .decode(await vscode.workspace.fs.readFile(historyFile()))
        .trim()
        .split('\n')
        .at(-1)!,
    ) as HistoryRecord;

  hostSuite((a, s) => {
    api = a;
    svc = s;
  });

  it('fresh demo: production rolls back to what it held before the first promotion, and is not "changed outside promotion"', async () => {
    const repo = uniqueRepo();
    const old = await pushImage(svc.registryUrl, repo, '3f9c2ab', { created: '2026-05-01T00:00:00Z' });
    const mid = await pushImage(svc.registryUrl, repo, '8d41e07', { created: '2026-05-02T00:00:00Z' });
    const newest = await pushImage(svc.registryUrl, repo, 'c52a9f1', { created: '2026-05-03T00:00:00Z' });
    await tagExisting(svc.registryUrl, repo, old.digest, 'production');
    await tagExisting(svc.registryUrl, repo, mid.digest, 'staging');
    await tagExisting(svc.registryUrl, repo, newest.digest, 'dev');
    await writeConfig(
      api,
      promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }, { name: 'production', protected: true }]),
    );
    assert.deepEqual(
      api.model.snapshot!.environments.map((r) => r.relation),
      ['first', 'behind', 'behind'],
    );

    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    const intoStaging = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(intoStaging.status, 'succeeded', intoStaging.message);
    assert.equal((await lastRecord()).source.buildTag, 'c52a9f1', 'the history records the build tag of an environment source');
    assert.ok(await waitFor(() => api.model.snapshot?.environments[1]?.relation === 'in-step', 10_000));
    const production = api.model.snapshot!.environments[2]!;
    assert.equal(production.drift, undefined, 'nobody touched production: no drift');
    assert.equal(production.relation, 'behind', 'and it is still behind staging');

    const intoProduction = (await vscode.commands.executeCommand('imagePromotion.promoteToProduction')) as PromotionOutcome;
    assert.equal(intoProduction.status, 'succeeded', intoProduction.message);
    assert.ok(await waitFor(() => api.model.snapshot?.environments[2]?.relation === 'in-step', 10_000));

    const person = new ScriptedInteraction({ pick: ['production', '3f9c2ab'], confirm: true });
    api.useInteraction(person);
    const rollback = (await vscode.commands.executeCommand('imagePromotion.rollBack')) as PromotionOutcome;
    assert.equal(rollback.status, 'succeeded', rollback.message);
    assert.deepEqual(person.picks[1]?.labels, ['3f9c2ab'], 'the build production held before the tool is offered by its tag');
    assert.equal(await digestOf(svc.registryUrl, repo, 'production'), old.digest);
    assert.ok(await waitFor(() => api.model.snapshot?.environments[2]?.relation === 'behind', 10_000), 'rolled back: behind staging again');
  });

  it('"Check Gates…" on production lists its approval as needing the typed name, not as passed', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a9a9a9a');
    await tagExisting(svc.registryUrl, repo, build.digest, 'staging');
    await writeConfig(
      api,
      promotionYaml(`${svc.registry}/${repo}`, [{ name: 'staging' }, { name: 'production', gates: ['{ type: approval, name: release sign-off }'] }]),
    );
    api.useInteraction(new ScriptedInteraction({ pick: ['production'] }));
    const check = (await vscode.commands.executeCommand('imagePromotion.checkGates')) as GateCheck;
    assert.equal(check.passed, true, check.gates.map((g) => `${g.name}: ${g.reason}`).join('\n'));
    assert.deepEqual(check.approvals, [{ name: 'release sign-off', reason: 'needs approval by typing "production" in the confirmation' }]);
    assert.ok(!check.gates.some((g) => g.name === 'release sign-off'), 'never listed as a passed gate');
  });

  it('"Promote to Staging" with qa/prod asks which environment is staging, remembers it, and says when qa already holds the digest', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'b7b7b7b');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'dev' }, { name: 'qa' }, { name: 'prod' }]));
    const first = new ScriptedInteraction({ pick: ['qa'], confirm: true });
    api.useInteraction(first);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(outcome?.status, 'succeeded', outcome?.message);
    assert.deepEqual(first.picks[0]?.picked, ['qa'], 'the likely environment is preselected');
    assert.equal(first.picks[0]?.labels[0], 'qa', 'and first');
    assert.equal(await digestOf(svc.registryUrl, repo, 'qa'), build.digest);
    assert.ok(await waitFor(() => api.model.snapshot?.environments[1]?.relation === 'in-step', 10_000));

    const again = new ScriptedInteraction({ confirm: true });
    api.useInteraction(again);
    assert.equal(await vscode.commands.executeCommand('imagePromotion.promoteToStaging'), undefined);
    assert.equal(again.picks.length, 0, 'the answer was remembered');
    assert.equal(again.confirmations.length, 0, 'no dialog for a digest qa already holds');
    assert.match(again.notes[0] ?? '', /^qa already holds b7b7b7b .*nothing to promote/);
  });

  it('promoting an older build than the target holds warns first; backing out changes nothing', async () => {
    const repo = uniqueRepo();
    const older = await pushImage(svc.registryUrl, repo, 'e1e1e1e', { created: '2026-07-01T00:00:00Z' });
    const newer = await pushImage(svc.registryUrl, repo, 'f2f2f2f', { created: '2026-07-02T00:00:00Z' });
    await tagExisting(svc.registryUrl, repo, newer.digest, 'dev');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    const cfg = api.model.config.kind === 'ready' ? api.model.config.config : undefined!;
    const builds = api.model.snapshot!.builds;
    const node: PromotionNode = {
      kind: 'build',
      row: builds.state === 'ok' ? builds.rows.find((r) => r.tag === 'e1e1e1e')! : undefined!,
      repository: cfg.repository,
      next: cfg.environments[0]!,
    };
    const person = new ScriptedInteraction({ confirm: true, warn: false });
    api.useInteraction(person);
    assert.equal(await vscode.commands.executeCommand('imagePromotion.promoteToNext', node), undefined);
    assert.match(person.warnings[0]?.message ?? '', /^e1e1e1e is older than the build development holds \(f2f2f2f\)/);
    assert.equal(person.confirmations.length, 0);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), newer.digest);
    assert.notEqual(older.digest, newer.digest);
  });

  it('a broken config keeps the last good environments and history under the error row', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'd3d3d3d');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    await writeConfig(api, `image: ${svc.registry}/${repo}\nenvironments:\n  - name: development\n    tga: dev\n`, 'invalid');
    const kept = api.model.lastGood;
    assert.ok(kept, 'the last good config and snapshot are kept');
    assert.deepEqual(
      kept.snapshot.environments.map((r) => r.env.name),
      ['development', 'staging'],
    );
    assert.equal(kept.snapshot.environments[0]?.lookup.state, 'present');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }]));
    assert.equal(api.model.lastGood, undefined, 'a valid config replaces it');
  });
});
