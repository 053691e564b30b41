// `npm pack` makes a package whose `image-promotion` bin works once installed, with no registry:
// the bundle is self-contained and the package has no runtime dependencies to fetch.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { promotionYaml } from '../fixtures/promotionYaml';
import { makeTempDir, pushImage, sharedServices, uniqueRepo } from '../harness';
import { cliEnv } from './support';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('the npm package', function () {
  this.timeout(180_000);

  it('installs from the tarball npm pack makes, and npx image-promotion runs from it', async () => {
    const svc = await sharedServices();
    const dir = makeTempDir('cli-pack');
    // --ignore-scripts: the test run has built dist/ already; prepack would rebuild it minified.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    const { stdout: listing } = await run('tar', ['-tzf', path.join(dir, tarball)]);
    assert.deepEqual(
      listing.split('\n').filter((l) => l.startsWith('package/dist/')),
      ['package/dist/cli.js'],
      'only the CLI bundle of dist/',
    );
    const project = path.join(dir, 'project');
    await run('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, tarball)], { cwd: project });
    const repo = uniqueRepo();
    await pushImage(svc.registryUrl, repo, 'e5e5e5e');
    writeFileSync(path.join(project, '.promotion.yaml'), promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }, { name: 'staging' }]));
    const { stdout } = await run('npx', ['--offline', 'image-promotion', 'status', '--json'], { cwd: project, env: cliEnv(svc) });
    const status = JSON.parse(stdout) as { environments: { name: string; state: string }[]; builds: { rows: { tag: string }[] } };
    assert.deepEqual(
      status.environments.map((e) => [e.name, e.state]),
      [
        ['development', 'empty'],
        ['staging', 'empty'],
      ],
    );
    assert.deepEqual(
      status.builds.rows.map((b) => b.tag),
      ['e5e5e5e'],
    );
  });
});
