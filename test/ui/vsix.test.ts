// The packaged extension, as a user installs it: `vsce package` builds the .vsix, VS Code 1.100's own
// server installs it (no extensionDevelopmentPath), and the installed extension shows the environments.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { harnessClientEnv, repoRoot, startCodeServer, type CodeServer } from '../vscode-host/codeServer';
import { Workbench } from './workbench';

describe('UI: the packaged .vsix installs into VS Code 1.100 and works there', function () {
  this.timeout(240_000);
  let services: TestServices;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'imgpromo-vsix-'));
  const vsix = join(dir, 'image-promotion.vsix');

  after(async () => {
    await wb?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('npm run package makes a .vsix', () => {
    const run = spawnSync('npm', ['run', '-s', 'package', '--', '-o', vsix], { cwd: repoRoot(), encoding: 'utf8' });
    assert.equal(run.status, 0, `npm run package failed:\n${run.stdout}\n${run.stderr}`);
    assert.ok(statSync(vsix).size > 100_000);
  });

  it('installed from the .vsix, it activates on the workspace and shows the builds', async () => {
    services = await sharedServices();
    const repo = uniqueRepo('app');
    const build = await pushImage(services.registryUrl, repo, 'fedcba9');
    await tagExisting(services.registryUrl, repo, build.digest, 'dev');
    server = await startCodeServer({
      env: harnessClientEnv({ ...process.env, ...services.env }),
      extraArgs: ['--install-extension', vsix, '--start-server'],
    });
    wb = await Workbench.open({
      server,
      env: services.env,
      extensionDevelopmentPath: null,
      readyActivity: 'Image Promotion',
      workspace: { env: { IMGPROMO_TEST_REPOSITORY: repo } },
    });
    await wb.openViewContainer();
    // Rows lead with the build tag; the digest is in the tooltip.
    const rows = await wb.waitForTreeRows(
      'Environments',
      (rs) => rs.some((r) => r.label === 'development' && r.description.includes('fedcba9')) && rs.length >= 3,
    );
    assert.deepEqual(rows.map((r) => r.label).slice(0, 3), ['development', 'staging', 'production']);
    assert.match(rows[1]!.description, /\bempty\b/);
  });
});
