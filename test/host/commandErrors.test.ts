// The command boundary in a real extension host: a handler that throws resolves (VS Code adds no
// "command failed" toast of its own), shows one short line with "Show Log", and the log channel's
// file holds the whole error.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { servicesFromEnv, uniqueRepo } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import { waitFor } from './constants';
import { promotionYaml } from '../fixtures/promotionYaml';
import { configUri, extensionApi, extensionLog, ScriptedInteraction, writeConfig } from './scripted';

describe('command errors in the extension host', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let original: Uint8Array;
  const historyFile = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, '.promotion', 'history.jsonl');
  const logText = (): Promise<string> => extensionLog(api);

  before(async () => {
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
  });
  afterEach(() => api.useInteraction(undefined));
  after(async () => {
    await vscode.workspace.fs.writeFile(configUri(), original);
    await vscode.workspace.fs.delete(historyFile(), { recursive: true }).then(undefined, () => undefined);
  });

  it('a handler that throws shows the short message with "Show Log" and logs the whole error', async () => {
    const svc = servicesFromEnv()!;
    await writeConfig(api, promotionYaml(`${svc.registry}/${uniqueRepo()}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    // A directory where the history file should be: Roll Back… cannot read the history and throws.
    await vscode.workspace.fs.delete(historyFile()).then(undefined, () => undefined);
    await vscode.workspace.fs.createDirectory(historyFile());
    const ui = new ScriptedInteraction({ pick: ['staging'], error: 'Show Log' });
    api.useInteraction(ui);

    const result = await vscode.commands.executeCommand('imagePromotion.rollBack');

    assert.equal(result, undefined);
    assert.equal(ui.errors.length, 1, `one error shown: ${JSON.stringify(ui.errors)}`);
    const shown = ui.errors[0]!;
    assert.equal(shown.action, 'Show Log');
    assert.match(shown.message, /^Roll Back failed: EISDIR: illegal operation on a directory/);
    assert.ok(!shown.message.includes('\n'), 'one line');
    const logged = await waitFor(async () => (await logText()).includes('imagePromotion.rollBack failed: Error: EISDIR'), 15_000);
    const log = await logText();
    assert.ok(logged, `the log file has the failure:\n${log.slice(-2000)}`);
    const entry = log.slice(log.lastIndexOf('imagePromotion.rollBack failed:'));
    assert.match(entry, /code: EISDIR, syscall: read/, 'the error is logged with its fields, not just the short line');
  });
});
