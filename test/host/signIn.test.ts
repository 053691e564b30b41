// Sign In to Registry… / Sign Out of Registry… in a real extension host: the command checks the
// typed credentials against the harness's htpasswd registry, keeps them in VS Code's SecretStorage
// only when accepted, Sign Out removes them, and neither secret ever reaches the log.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { servicesFromEnv, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import { waitFor } from './constants';
import { extensionApi, extensionLog, ScriptedInteraction } from './scripted';

describe('sign in to a registry (SecretStorage)', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  const logText = (): Promise<string> => extensionLog(api);

  before(async () => {
    api = await extensionApi();
    svc = servicesFromEnv()!;
  });
  afterEach(() => api.useInteraction(undefined));

  it('refuses wrong credentials and keeps nothing; keeps the right ones; Sign Out removes them; the log never holds a secret', async () => {
    const wrong = `wrong-${Date.now()}`;
    const refused = new ScriptedInteraction({ pick: ['Other registry…'], ask: [svc.authRegistry, svc.auth.username, wrong] });
    api.useInteraction(refused);
    await vscode.commands.executeCommand('imagePromotion.signIn');
    assert.equal(refused.errors.length, 1, `one error shown: ${JSON.stringify(refused.errors)}`);
    assert.match(
      refused.errors[0]!.message,
      new RegExp(`${svc.authRegistry} refused the user name and password for "${svc.auth.username}"; nothing was stored`),
    );
    assert.equal(await api.signedIn(svc.authRegistry), undefined, 'nothing kept after a refusal');

    const accepted = new ScriptedInteraction({ pick: ['Other registry…'], ask: [svc.authRegistry, svc.auth.username, svc.auth.password] });
    api.useInteraction(accepted);
    await vscode.commands.executeCommand('imagePromotion.signIn');
    assert.deepEqual(accepted.errors, []);
    assert.deepEqual(
      accepted.asked.map((a) => a.password),
      [false, false, true],
      'host, user, then a password box',
    );
    assert.deepEqual(accepted.notes, [`Signed in to ${svc.authRegistry} as ${svc.auth.username}.`]);
    const kept = await api.signedIn(svc.authRegistry);
    assert.equal(kept?.username, svc.auth.username);
    assert.equal(kept?.password, svc.auth.password);

    const out = new ScriptedInteraction({ pick: [svc.authRegistry] });
    api.useInteraction(out);
    await vscode.commands.executeCommand('imagePromotion.signOut');
    assert.deepEqual(out.picks[0]?.labels, [svc.authRegistry]);
    assert.equal(await api.signedIn(svc.authRegistry), undefined, 'Sign Out removed it');

    assert.ok(await waitFor(async () => (await logText()).includes(`Signed out of ${svc.authRegistry}`), 15_000), 'the log says so');
    const log = await logText();
    assert.match(log, new RegExp(`Signed in to ${svc.authRegistry} as ${svc.auth.username}`));
    for (const secret of [svc.auth.password, wrong, Buffer.from(`${svc.auth.username}:${svc.auth.password}`).toString('base64')]) {
      assert.ok(!log.includes(secret), 'no secret in the log');
    }
  });
});
