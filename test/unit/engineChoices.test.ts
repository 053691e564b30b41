import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEngineAddress } from '../../src/engine/engineAddress';
import { listEngineChoices } from '../../src/engine/engineChoices';

describe('engine choices (Select Docker Engine…)', () => {
  let config: string;
  beforeEach(() => (config = mkdtempSync(path.join(os.tmpdir(), 'imgpromo-dockercfg-'))));
  afterEach(() => rmSync(config, { recursive: true, force: true }));

  function context(name: string, host: string | undefined): void {
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(path.join(config, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(path.join(config, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: name, Endpoints: host ? { docker: { Host: host } } : {} }));
  }
  const current = (name: string): void => writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: name }));
  const summary = (r: ReturnType<typeof listEngineChoices>): string[] =>
    r.choices.map((c) => `${c.kind}:${c.name}=${c.address}${c.inUse ? ' [in use]' : ''}${c.current ? ' [current]' : ''}`);

  it('lists the default context and every stored context, and marks the current one as in use', () => {
    context('remote', 'tcp://10.1.2.3:2375');
    context('colima', 'unix:///home/me/.colima/docker.sock');
    current('remote');
    const result = listEngineChoices({ env: {}, dockerConfigDir: config, platform: 'linux' });
    assert.deepEqual(summary(result), [
      'context:default=unix:///var/run/docker.sock',
      'context:colima=unix:///home/me/.colima/docker.sock',
      'context:remote=tcp://10.1.2.3:2375 [in use] [current]',
    ]);
    assert.equal(result.used?.source, 'Docker context "remote"');
    // Clearing the setting keeps the CLI's current context; another one is named.
    assert.equal(result.choices.find((c) => c.name === 'remote')?.settingValue, '');
    assert.equal(result.choices.find((c) => c.name === 'colima')?.settingValue, 'context:colima');
  });

  it('DOCKER_HOST wins over the current context, as in the Docker CLI; the setting over both', () => {
    context('remote', 'tcp://10.1.2.3:2375');
    current('remote');
    const env = { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' };
    const fromEnv = listEngineChoices({ env, dockerConfigDir: config, platform: 'linux' });
    assert.deepEqual(summary(fromEnv), [
      'docker-host:DOCKER_HOST=unix:///run/user/1000/docker.sock [in use]',
      'context:default=unix:///run/user/1000/docker.sock',
      'context:remote=tcp://10.1.2.3:2375 [current]',
    ]);
    const fromSetting = listEngineChoices({ setting: 'ssh://me@build-box', env, dockerConfigDir: config, platform: 'linux' });
    assert.equal(
      fromSetting.choices
        .filter((c) => c.inUse)
        .map((c) => c.name)
        .join(),
      'imagePromotion.dockerHost',
    );
    assert.equal(fromSetting.used?.display, 'ssh://me@build-box');
  });

  it('a context chosen through the setting (context:<name>) is the one in use, with its own address', () => {
    context('colima', 'unix:///home/me/.colima/docker.sock');
    const result = listEngineChoices({
      setting: 'context:colima',
      env: { DOCKER_HOST: 'unix:///run/other/docker.sock' },
      dockerConfigDir: config,
      platform: 'linux',
    });
    assert.equal(
      result.choices
        .filter((c) => c.inUse)
        .map((c) => c.name)
        .join(),
      'colima',
    );
    assert.equal(resolveEngineAddress({ setting: 'context:colima', env: {}, dockerConfigDir: config }).socketPath, '/home/me/.colima/docker.sock');
  });

  it('a broken context is listed with its problem, and nothing is marked in use when the selected one cannot be read', () => {
    context('broken', undefined);
    current('broken');
    const result = listEngineChoices({ env: {}, dockerConfigDir: config, platform: 'linux' });
    assert.match(result.problem ?? '', /Docker context "broken" has no Docker endpoint/);
    assert.equal(
      result.choices.some((c) => c.inUse),
      false,
    );
    assert.equal(result.choices.find((c) => c.name === 'broken')?.problem, 'has no Docker endpoint');
  });

  it('no Docker config directory at all: the default context only', () => {
    const result = listEngineChoices({ env: {}, dockerConfigDir: path.join(config, 'missing'), platform: 'linux' });
    assert.deepEqual(summary(result), ['context:default=unix:///var/run/docker.sock [in use] [current]']);
  });
});
