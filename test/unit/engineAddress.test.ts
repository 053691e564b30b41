import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineAddressError, resolveEngineAddress } from '../../src/engine/engineAddress';

describe('engine address', () => {
  let config: string;
  beforeEach(() => (config = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-dockercfg-'))));
  afterEach(() => rmSync(config, { recursive: true, force: true }));

  function context(name: string, host: string): void {
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(path.join(config, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(
      path.join(config, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
    );
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: name }));
  }

  it('prefers the setting, then DOCKER_HOST, then the context, then the default socket', () => {
    context('remote', 'tcp://10.1.2.3:2375');
    const env = { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' };
    assert.equal(resolveEngineAddress({ setting: 'unix:///tmp/a.sock', env, dockerConfigDir: config }).socketPath, '/tmp/a.sock');
    const fromEnv = resolveEngineAddress({ env, dockerConfigDir: config });
    assert.equal(fromEnv.socketPath, '/run/user/1000/docker.sock');
    assert.equal(fromEnv.source, 'DOCKER_HOST');
    const fromContext = resolveEngineAddress({ env: {}, dockerConfigDir: config });
    assert.equal(fromContext.host, '10.1.2.3');
    assert.equal(fromContext.port, 2375);
    assert.equal(fromContext.source, 'Docker context "remote"');
    rmSync(path.join(config, 'config.json'));
    const fallback = resolveEngineAddress({ env: {}, dockerConfigDir: config, platform: 'linux' });
    assert.equal(fallback.display, 'unix:///var/run/docker.sock');
  });

  it('honours DOCKER_CONTEXT over config.json', () => {
    context('remote', 'tcp://10.1.2.3:2375');
    context('other', 'unix:///tmp/other.sock');
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'other' }));
    assert.equal(resolveEngineAddress({ env: { DOCKER_CONTEXT: 'remote' }, dockerConfigDir: config }).host, '10.1.2.3');
  });

  it('uses TLS with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
    const address = resolveEngineAddress({
      env: { DOCKER_HOST: 'tcp://docker.example.com:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      dockerConfigDir: config,
    });
    assert.equal(address.protocol, 'https');
    assert.deepEqual(address.tls, { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', verify: true });
  });

  it('parses ssh hosts with a user', () => {
    const address = resolveEngineAddress({ env: { DOCKER_HOST: 'ssh://deploy@build.example.com:2222' }, dockerConfigDir: config });
    assert.equal(address.protocol, 'ssh');
    assert.equal(address.username, 'deploy');
    assert.equal(address.port, 2222);
  });

  it('explains an address it cannot use', () => {
    assert.throws(
      () => resolveEngineAddress({ env: { DOCKER_HOST: 'ftp://x' }, dockerConfigDir: config }),
      (e: unknown) => e instanceof EngineAddressError && /ftp is not an engine address scheme/.test(e.message),
    );
    assert.throws(() => resolveEngineAddress({ env: { DOCKER_HOST: 'not an address' }, dockerConfigDir: config }), /not an engine address/);
  });

  it('reports a selected context whose metadata is missing', () => {
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    assert.throws(() => resolveEngineAddress({ env: {}, dockerConfigDir: config }), /Docker context "gone" is selected but its metadata could not be read/);
  });
});
