// One core, two front ends: a promotion made with the CLI (dist/cli.js, a separate process) in the
// workspace folder shows in the extension's History view and moves its tree at the next refresh.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { digestOf, pushImage, servicesFromEnv, uniqueRepo, type TestServices } from '../harness';
import type { ImagePromotionApi } from '../../src/vscode/container';
import { waitFor } from './constants';
import { promotionYaml } from '../fixtures/promotionYaml';
import { configUri, extensionApi, writeConfig } from './scripted';

const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('the CLI and the extension share one history', function () {
  this.timeout(120_000);
  let api: ImagePromotionApi;
  let svc: TestServices;
  let original: Uint8Array;
  const folder = () => vscode.workspace.workspaceFolders![0]!.uri;

  before(async () => {
    svc = servicesFromEnv()!;
    api = await extensionApi();
    original = await vscode.workspace.fs.readFile(configUri());
  });
  after(async () => {
    await vscode.workspace.fs.writeFile(configUri(), original);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), '.promotion', 'history.jsonl')).then(undefined, () => undefined);
  });

  it('a promotion made with the CLI shows in the History view and moves the tree, with no window reload', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'c11c11c');
    await writeConfig(api, promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    assert.equal(api.model.snapshot?.environments[0]?.lookup.state, 'absent');

    // The CLI's cache (blob locations) in a throwaway folder, never the user's ~/.cache.
    const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-cli-cache-'));
    // ELECTRON_RUN_AS_NODE: under desktop VS Code process.execPath is Electron; under code-server it is node.
    const env = { ...svc.clientEnv(process.env), ELECTRON_RUN_AS_NODE: '1', XDG_CACHE_HOME: cacheHome };
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'promote', 'development', '--build', 'c11c11c'], { cwd: folder().fsPath, env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    rmSync(cacheHome, { recursive: true, force: true });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), build.digest);

    await vscode.commands.executeCommand('imagePromotion.refresh');
    const seen = await waitFor(() => {
      const row = api.model.snapshot?.environments[0]?.lookup;
      const records = api.model.snapshot?.history?.records ?? [];
      return (
        row?.state === 'present' &&
        row.digest === build.digest &&
        records.some((r) => r.digest === build.digest && r.source.buildTag === 'c11c11c' && r.outcome === 'succeeded')
      );
    }, 15_000);
    assert.ok(seen, "the tree holds the new digest and the History view has the CLI's record");
    assert.equal(api.model.snapshot?.environments[1]?.relation, 'behind', 'staging is now behind development');
  });
});
