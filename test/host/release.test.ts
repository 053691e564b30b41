// A release of three images through the extension's own commands, in a real extension host against
// the harness's registry: the same runPromotion path as the CLI. Digests are checked over HTTP.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { environmentDescriptionParts } from '../../src/app/statusText';
import type { PromotionOutcome } from '../../src/promotion/promote';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { PromotionNode } from '../../src/vscode/tree/nodes';
import { releaseYaml } from '../fixtures/releaseYaml';
import { digestOf, pushImage, pushIndex, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { waitFor } from './constants';
import { hostSuite, ScriptedInteraction, writeConfig } from './scripted';

const NAMES = ['api', 'web', 'worker'] as const;

describe('a release of three images in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  hostSuite((a, s) => {
    api = a;
    svc = s;
  });

  it('"Promote to Staging" moves every image, "Roll Back…" puts the whole release back, and a mixed row names the image that differs', async () => {
    const repos = { api: uniqueRepo('api'), web: uniqueRepo('web'), worker: uniqueRepo('worker') };
    const builds: Record<string, Record<(typeof NAMES)[number], string>> = {};
    for (const tag of ['a1b2c3d', 'b2c3d4e']) {
      builds[tag] = {
        api: (await pushImage(svc.registryUrl, repos.api, tag)).digest,
        web: (
          await pushIndex(
            svc.registryUrl,
            repos.web,
            tag,
            [
              { os: 'linux', architecture: 'amd64' },
              { os: 'linux', architecture: 'arm64', variant: 'v8' },
            ],
            { kind: 'oci' },
          )
        ).digest,
        worker: (await pushImage(svc.registryUrl, repos.worker, tag)).digest,
      };
    }
    const moveDev = async (tag: string): Promise<void> => {
      for (const name of NAMES) await tagExisting(svc.registryUrl, repos[name], builds[tag]![name], 'dev');
    };
    const holds = async (tag: string) => {
      const found: Record<string, string | undefined> = {};
      for (const name of NAMES) found[name] = await digestOf(svc.registryUrl, repos[name], tag);
      return found;
    };
    const releaseOf = (index: number) => api.model.snapshot?.environments[index]?.release;
    await moveDev('a1b2c3d');
    await writeConfig(
      api,
      releaseYaml(
        NAMES.map((name) => ({ name, image: `${svc.registry}/${repos[name]}` })),
        [{ name: 'development', tag: 'dev' }, { name: 'staging' }],
      ),
    );
    assert.deepEqual(releaseOf(0), { kind: 'release', build: 'a1b2c3d' });
    assert.deepEqual(releaseOf(1), { kind: 'empty' });

    const person = new ScriptedInteraction({ confirm: true });
    api.useInteraction(person);
    const first = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(first.status, 'succeeded', first.message);
    assert.deepEqual(
      first.components?.map((c) => [c.name, c.finalDigest]),
      NAMES.map((n) => [n, builds['a1b2c3d']![n]]),
    );
    assert.deepEqual(
      person.confirmations[0]?.components?.map((c) => c.name),
      [...NAMES],
      'the confirmation lists every image',
    );
    assert.deepEqual(await holds('staging'), builds['a1b2c3d']);
    assert.ok(await waitFor(() => releaseOf(1)?.kind === 'release', 10_000), 'the tree refreshes after the promotion');

    await moveDev('b2c3d4e');
    await api.model.refresh();
    const second = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(second.status, 'succeeded', second.message);
    assert.deepEqual(await holds('staging'), builds['b2c3d4e']);
    await api.model.refresh();

    const stagingRow: PromotionNode = { kind: 'environment', row: api.model.snapshot!.environments[1]! };
    const back = new ScriptedInteraction({ pick: ['a1b2c3d'], confirm: true });
    api.useInteraction(back);
    const rolled = (await vscode.commands.executeCommand('imagePromotion.rollBack', stagingRow)) as PromotionOutcome;
    assert.equal(rolled.status, 'succeeded', rolled.message);
    assert.deepEqual(await holds('staging'), builds['a1b2c3d'], 'every image back');

    // Someone moves web's staging tag by hand: the row says staging is a mix, and which image differs.
    await tagExisting(svc.registryUrl, repos.web, builds['b2c3d4e']!.web, 'staging');
    await api.model.refresh();
    assert.deepEqual(releaseOf(1), { kind: 'mixed', differs: ['web'], build: 'a1b2c3d' });
    const row = api.model.snapshot!.environments[1]!;
    assert.ok(environmentDescriptionParts(row).includes('mixed: web differs from a1b2c3d'), environmentDescriptionParts(row).join(' · '));
  });

  it("Approve Build for Environment… approves every image's digest of the release; the row stops counting it once an image differs", async () => {
    const repos = { api: uniqueRepo('api'), worker: uniqueRepo('worker') };
    const builds: Record<'api' | 'worker', { a: string; b: string }> = {
      api: { a: (await pushImage(svc.registryUrl, repos.api, 'a1b2c3d')).digest, b: (await pushImage(svc.registryUrl, repos.api, 'b2c3d4e')).digest },
      worker: { a: (await pushImage(svc.registryUrl, repos.worker, 'a1b2c3d')).digest, b: (await pushImage(svc.registryUrl, repos.worker, 'b2c3d4e')).digest },
    };
    for (const name of ['api', 'worker'] as const) await tagExisting(svc.registryUrl, repos[name], builds[name].a, 'dev');
    await writeConfig(
      api,
      releaseYaml(
        (['api', 'worker'] as const).map((name) => ({ name, image: `${svc.registry}/${repos[name]}` })),
        [
          { name: 'development', tag: 'dev' },
          { name: 'staging', gates: ['{ type: approval, name: two people, count: 2 }'] },
        ],
      ),
    );
    await api.model.refresh();
    const row = () => api.model.snapshot!.environments[1]!;
    const node = (): PromotionNode => ({ kind: 'environment', row: row() });
    const person = new ScriptedInteraction({ pick: ['a1b2c3d'] });
    api.useInteraction(person);
    const said = (await vscode.commands.executeCommand('imagePromotion.approveBuild', node())) as string;
    assert.match(said, /approved the release api sha256:\w{12}, worker sha256:\w{12} for staging/);
    assert.equal(row().approvals?.gates[0]?.have, 1, 'the row counts the approval of what development holds');

    // development's worker moves to another build: the approval named a1b2c3d's worker, so it no longer counts.
    await tagExisting(svc.registryUrl, repos.worker, builds.worker.b, 'dev');
    await api.model.refresh();
    assert.equal(row().approvals?.gates[0]?.have, 0, JSON.stringify(row().approvals));
  });
});
