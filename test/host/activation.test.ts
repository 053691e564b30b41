// The extension is there, activates in a workspace holding .promotion.yaml, and registers every command it contributes.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_ID, waitFor } from './constants';
import { extensionApi, extensionLog } from './scripted';

interface ContributedCommand {
  command: string;
}

describe('activation', () => {
  it('the extension is installed under its publisher.name id', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not among ${vscode.extensions.all.length} extensions`);
  });

  it('the test window opened the fixture workspace, which holds .promotion.yaml', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'one workspace folder');
    const found = await vscode.workspace.findFiles('.promotion.{yaml,yml}', undefined, 1);
    assert.equal(found.length, 1, '.promotion.yaml at the workspace root');
  });

  it('activates on its own because the workspace contains .promotion.yaml (workspaceContains)', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    // Nothing in this suite has touched the extension or its views yet.
    assert.ok(await waitFor(() => ext.isActive, 20_000), 'not active 20 s after the window opened');
  });

  it('activate() completes without throwing', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('its view container and both views open', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.imagePromotion');
    await vscode.commands.executeCommand('imagePromotion.environments.focus');
    await vscode.commands.executeCommand('imagePromotion.builds.focus');
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(ext?.isActive, true);
  });

  it('is loaded by its loader, which keeps the code cache for the next window in its global storage (src/extensionLoader.ts)', async function () {
    this.timeout(30_000);
    const api = await extensionApi();
    let line: RegExpExecArray | null = null;
    await waitFor(async () => (line = /start-up: the extension's bundle loaded in \d+ ms, (.*) \((.+)\)$/m.exec(await extensionLog(api))) !== null, 10_000);
    assert.ok(line, 'the start-up line saying how the bundle was loaded, and where its code cache is');
    const [, how, dir] = line as RegExpExecArray;
    assert.match(dir!, /[\\/]globalStorage[\\/]image-promotion\.image-promotion[\\/]code-cache$/);
    const caches = (): string[] => {
      try {
        return readdirSync(dir!).filter((f) => /^extension-main-[0-9a-f]{32}\.v8cache$/.test(f));
      } catch {
        return [];
      }
    };
    // Saved 5 s after activation when none was used (this window's own first load compiled the bundle).
    assert.ok(await waitFor(() => caches().length === 1, 20_000), `one code cache in ${dir} (${how}): ${caches().join(', ') || 'none'}`);
    assert.ok(statSync(join(dir!, caches()[0]!)).size > 500 * 1024, 'it holds the compiled bundle, not a stub');
  });

  it('registers every command that package.json contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const contributed = ((ext.packageJSON as { contributes?: { commands?: ContributedCommand[] } }).contributes?.commands ?? []).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});

describe('workspace trust', () => {
  it('vscode.workspace.isTrusted is what the runner set (IMGPROMO_HOST_TRUST)', () => {
    const expected = (process.env.IMGPROMO_HOST_TRUST ?? 'trusted') !== 'untrusted';
    assert.equal(vscode.workspace.isTrusted, expected);
  });
});
