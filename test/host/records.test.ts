// Promotion records in the registry, through the extension: a record another process wrote shows in
// the History view at the next refresh (no reload), and a promotion made here attaches its record.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { getManifest, pushImage, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { referrersFallbackTag } from '../../src/registry/manifestRefs';
import { promotionYaml } from '../fixtures/promotionYaml';
import { historyFileUri, hostSuite, ScriptedInteraction, writeConfig } from './scripted';
import { waitFor } from './constants';

describe('promotion records in the registry, in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  const historyFile = historyFileUri;

  hostSuite((a, s) => {
    api = a;
    svc = s;
  });

  it('a promotion CI recorded shows in the History view at the next refresh; a promotion made here attaches its own record', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'c1c1c1c');
    await writeConfig(
      api,
      promotionYaml(`${svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: ['{ type: soak, duration: 30m }'] },
      ]),
    );
    // CI moves :dev and records it (an hour ago) from its own process.
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const script = join(__dirname, '..', 'records', 'writeRecordProcess.js');
    const args = JSON.stringify({
      registry: svc.registry,
      path: repo,
      digest: build.digest,
      environment: 'development',
      tag: 'dev',
      previousDigest: null,
      finishedAt: Date.now() - 3600_000,
    });
    const { stdout } = await promisify(execFile)(process.execPath, [script, args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const ci = JSON.parse(stdout) as { id: string };

    await api.refresh();
    // The workspace's history file may hold other tests' attempts: this repository's only.
    const records = (api.model.snapshot?.history?.records ?? []).filter((r) => r.target.repository === `${svc.registry}/${repo}`);
    assert.deepEqual(
      records.map((r) => [r.id, r.target.environment, r.who.name]),
      [[ci.id, 'development', 'CI']],
      'the History view has CI’s record',
    );
    assert.equal(api.model.snapshot?.environments[0]?.drift, undefined);

    // The soak gate measures from CI's arrival (an hour ago), not from nothing.
    api.useInteraction(new ScriptedInteraction({ confirm: true }));
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    const line = JSON.parse(
      new TextDecoder()
        .decode(await vscode.workspace.fs.readFile(historyFile()))
        .trim()
        .split('\n')
        .at(-1)!,
    ) as { id: string; target: { environment: string } };
    assert.equal(line.target.environment, 'staging');
    // The registry record follows "done": read the index until it lands (or 10 s).
    const recordIds = async (): Promise<(string | undefined)[]> => {
      const found = await getManifest(svc.registryUrl, repo, referrersFallbackTag(build.digest));
      const index = JSON.parse(found!.bytes.toString('utf8')) as { manifests: { annotations?: Record<string, string> }[] };
      return index.manifests.map((m) => m.annotations?.['dev.image-promotion.record.id']).sort();
    };
    const wanted = [ci.id, line.id].sort();
    let ids: (string | undefined)[] = [];
    await waitFor(async () => (ids = await recordIds()).length >= wanted.length, 10_000);
    assert.deepEqual(ids, wanted, 'both records hang on the digest');
  });
});
