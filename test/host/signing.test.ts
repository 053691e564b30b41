// imagePromotion.signingKey inside a real extension host: a promotion made in the editor is signed in
// cosign's layout, checked over plain HTTP with Node's crypto; a key that cannot be read stops it
// before anything moves.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { digestOf, pushImage, servicesFromEnv, tagExisting, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import type { PromotionOutcome } from '../../src/promotion/promote';
import { promotionYaml } from '../fixtures/promotionYaml';
import { checkedAttestations } from '../evidence/independentCheck';
import { configUri, extensionApi, ScriptedInteraction, writeConfig } from './scripted';

describe('signed promotions in the editor (imagePromotion.signingKey)', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let original: Uint8Array;
  let dir: string;
  const setting = (value: string | undefined) =>
    vscode.workspace.getConfiguration('imagePromotion').update('signingKey', value, vscode.ConfigurationTarget.Global);

  before(async () => {
    const found = servicesFromEnv();
    if (!found) throw new Error('the harness services are not in the environment (IMGPROMO_TEST_*)');
    svc = found;
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
    dir = mkdtempSync(join(tmpdir(), 'imgpromo-host-keys-'));
  });
  afterEach(async () => {
    api.useInteraction(undefined);
    await setting(undefined);
  });
  after(async () => {
    await vscode.workspace.fs.writeFile(configUri(), original);
    rmSync(dir, { recursive: true, force: true });
  });

  it('"Promote to Staging" with a user-level signing key attaches a signed attestation; a non-P-256 key stops it first', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'acce551');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaFile = join(dir, 'rsa.key');
    writeFileSync(rsaFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await setting(rsaFile);
    const ui = new ScriptedInteraction({ confirm: true });
    api.useInteraction(ui);
    assert.equal(await vscode.commands.executeCommand('imagePromotion.promoteToStaging'), undefined);
    assert.equal(ui.errors.length, 1, JSON.stringify(ui.errors));
    assert.match(ui.errors[0]!.message, /rsa key; promotion attestations are signed with ECDSA P-256/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined, 'nothing moved');

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyFile = join(dir, 'promotion.key');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await setting(keyFile);
    const outcome = (await vscode.commands.executeCommand('imagePromotion.promoteToStaging')) as PromotionOutcome;
    assert.equal(outcome.status, 'succeeded', outcome.message);
    const checked = await checkedAttestations(svc.registryUrl, repo, build.digest, publicKey);
    assert.deepEqual(
      checked.map((c) => [c.statement.predicate.target.environment, c.statement.predicate.kind, c.verifies]),
      [['staging', 'promotion', true]],
    );
  });
});
