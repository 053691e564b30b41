// Credentials found as the Docker CLI finds them, with a real credential-helper program.
import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DockerConfigCredentials } from '../../src/credentials/dockerConfig';
import { safeHelperText } from '../../src/credentials/credentialHelper';
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

  it('names a broken helper, what it did and what to do, for the message of a refused request; never what it printed on stdout', async () => {
    const script = (name: string, body: string): void => {
      writeFileSync(path.join(dir, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`);
      chmodSync(path.join(dir, `docker-credential-${name}`), 0o755);
    };
    script('crash', `echo '{"Username":"u","Secret":"LEAKED-s3cr3t"}'; exit 3`);
    script('garbage', 'echo "Username=u Secret=LEAKED-s3cr3t"');
    script('killed', 'kill -9 $$');
    writeConfig({ credHelpers: { 'a.example.com': 'crash', 'b.example.com': 'garbage', 'c.example.com': 'killed', 'd.example.com': 'gone' } });
    const p = provider();
    for (const host of ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com']) assert.equal(await p.get(host), undefined);
    const problems = ['a', 'b', 'c', 'd'].map((h) => p.problem(`${h}.example.com`));
    assert.match(problems[0]?.message ?? '', /^docker-credential-crash exited with 3 \(named by credHelpers in .*config\.json\)$/);
    assert.match(problems[1]?.message ?? '', /^docker-credential-garbage printed something that is not JSON/);
    assert.match(problems[2]?.message ?? '', /^docker-credential-killed exited with a signal \(SIGKILL\)/);
    assert.match(problems[3]?.message ?? '', /^docker-credential-gone is not installed or not on PATH/);
    assert.match(problems[3]?.hint ?? '', /Install docker-credential-gone, or change credHelpers in .*; then run "docker login d\.example\.com"/);
    assert.match(problems[0]?.hint ?? '', /Fix or reinstall docker-credential-crash/);
    assert.ok(!/LEAKED/.test(JSON.stringify(problems) + warnings.join('\n')), `no secret repeated: ${warnings.join(' | ')}`);
    // A working helper afterwards clears the problem.
    writeConfig({ credHelpers: { 'a.example.com': 'unit' } });
    await p.get('a.example.com');
    assert.equal(p.problem('a.example.com'), undefined);
  });

  it("keeps a helper's own error line only when it cannot be a secret", () => {
    assert.equal(safeHelperText('keychain locked\n'), 'keychain locked');
    assert.equal(safeHelperText('\n  error: no such file\nsecond'), 'error: no such file');
    assert.equal(safeHelperText('{"Username":"u","Secret":"s"}'), '');
    assert.equal(safeHelperText('Secret=abc'), '');
    assert.equal(safeHelperText('token ghp_abcdefghijklmnopqrstuvwxyz0123'), '');
    assert.equal(safeHelperText('failed: c2VjcmV0LXBhc3N3b3JkLWJhc2U2NA=='), '');
    assert.equal(safeHelperText('x'.repeat(300)), '');
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
