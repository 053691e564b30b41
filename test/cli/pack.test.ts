// `npm pack` makes a package whose `image-promotion` bin works once installed, with no registry:
// the bundle is self-contained and the package has no runtime dependencies to fetch. It is the
// package `npm publish` puts on the registry, so `npx image-promotion` works in an empty folder.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, makeTempDir, pushImage, sharedServices, uniqueRepo } from '../harness';
import { cliEnv } from './support';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');

interface PackageJson {
  readonly version: string;
  readonly private?: boolean;
  readonly engines?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly bin?: Record<string, string>;
}

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
      ['package/dist/cli-main.js', 'package/dist/cli.js'],
      'only the CLI of dist/: its loader and bundle',
    );
    const { stdout: packed } = await run('tar', ['-xzOf', path.join(dir, tarball), 'package/package.json']);
    const manifest = JSON.parse(packed) as PackageJson;
    assert.equal(manifest.private, undefined, 'npm publish refuses a private package');
    assert.match(manifest.engines?.node ?? '', /^>=20\b/, 'engines.node says which Node it needs');
    assert.deepEqual(manifest.dependencies ?? {}, {}, 'nothing to install at run time: dist/cli.js is a bundle');
    assert.deepEqual(manifest.bin, { 'image-promotion': 'dist/cli.js' });
    const project = path.join(dir, 'project');
    await run('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, tarball)], { cwd: project });
    assert.deepEqual(
      readdirSync(path.join(project, 'node_modules')).filter((f) => !f.startsWith('.')),
      ['image-promotion'],
      'installing it brings no other package (dev dependencies stay out)',
    );
    const { stdout: version } = await run('npx', ['--offline', 'image-promotion', '--version'], { cwd: project });
    const ours = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson).version;
    assert.equal(version.trim(), ours, '--version prints the package version');
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'e5e5e5e');
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
    await run('npx', ['--offline', 'image-promotion', 'promote', 'development', '--build', 'e5e5e5e'], { cwd: project, env: cliEnv(svc) });
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), build.digest, 'the installed CLI promoted the build');
  });
});
