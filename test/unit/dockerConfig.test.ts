// Credentials found as the Docker CLI finds them, with a real credential-helper program.
import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DockerConfigCredentials } from '../../src/credentials/dockerConfig';
import { silentLogger, type Logger } from '../../src/core/log';

describe('Docker config credentials', () => {
  let dir: string;
  let savedPath: string | undefined;
  const warnings: string[] = [];
  const log: Logger = { ...silentLogger, warn: (m: string) => void warnings.push(m) };
  const provider = () => new DockerConfigCredentials({ configDir: () => dir, log, cacheMs: 0 });
  const writeConfig = (config: object) => writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-creds-'));
    warnings.length = 0;
    savedPath = process.env['PATH'];
    process.env['PATH'] = `${dir}${path.delimiter}${savedPath}`;
    // A helper that knows one server, as docker-credential-pass or -secretservice would.
    writeFileSync(
      path.join(dir, 'docker-credential-unit'),
      `#!/usr/bin/env node
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  if (process.argv[2] !== 'get') process.exit(2);
  const server = input.trim();
  if (server === 'registry.example.com') { console.log(JSON.stringify({ ServerURL: server, Username: 'ci', Secret: 's3cret' })); return; }
  if (server === 'token.example.com') { console.log(JSON.stringify({ ServerURL: server, Username: '<token>', Secret: 'refresh-me' })); return; }
  if (server === 'broken.example.com') { console.error('keychain locked'); process.exit(1); }
  console.log('credentials not found in native keychain'); process.exit(1);
});
`,
    );
    chmodSync(path.join(dir, 'docker-credential-unit'), 0o755);
  });
  afterEach(() => {
    process.env['PATH'] = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes auths entries, also when keyed by URL', async () => {
    writeConfig({ auths: { 'https://registry.example.com/v1/': { auth: Buffer.from('me:pa:ss').toString('base64') } } });
    assert.deepEqual(await provider().get('registry.example.com'), { serverAddress: 'https://registry.example.com/v1/', username: 'me', password: 'pa:ss' });
  });

  it('uses the Docker Hub key for docker.io', async () => {
    writeConfig({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') } } });
    assert.equal((await provider().get('docker.io'))?.username, 'hub');
  });

  it('asks a per-registry credHelper, and reads <token> as an identity token', async () => {
    writeConfig({ credHelpers: { 'registry.example.com': 'unit', 'token.example.com': 'unit' } });
    assert.deepEqual(await provider().get('registry.example.com'), { serverAddress: 'registry.example.com', username: 'ci', password: 's3cret' });
    assert.deepEqual(await provider().get('token.example.com'), { serverAddress: 'token.example.com', identityToken: 'refresh-me' });
  });

  it('asks the credsStore for registries without their own helper; nothing found means anonymous', async () => {
    writeConfig({ credsStore: 'unit' });
    assert.equal((await provider().get('registry.example.com'))?.password, 's3cret');
    assert.equal(await provider().get('other.example.com'), undefined);
    assert.deepEqual(warnings, []);
  });

  it('warns without the secret when a helper fails or is missing, and goes anonymous', async () => {
    writeConfig({ credHelpers: { 'broken.example.com': 'unit', 'x.example.com': 'missing' } });
    assert.equal(await provider().get('broken.example.com'), undefined);
    assert.equal(await provider().get('x.example.com'), undefined);
    assert.match(warnings[0] ?? '', /docker-credential-unit failed for broken.example.com: .*keychain locked/);
    assert.match(warnings[1] ?? '', /docker-credential-missing is not installed/);
  });

  it('refuses helper names that are paths', async () => {
    writeConfig({ credsStore: '../../bin/sh' });
    assert.equal(await provider().get('registry.example.com'), undefined);
    assert.match(warnings[0] ?? '', /is not a credential helper name/);
  });

  it('has no credentials without a config file', async () => {
    assert.equal(await provider().get('registry.example.com'), undefined);
    assert.deepEqual(warnings, []);
  });
});
