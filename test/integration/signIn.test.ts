// Credentials from a sign-in source (VS Code keeps them in SecretStorage; here a memory one) asked
// before the Docker config, with NO Docker config at all: DOCKER_CONFIG is an empty folder. The
// registries are the harness's real htpasswd and token-auth ones; the engine is the private dockerd.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppServices } from '../../src/app/services';
import type { PromotionError } from '../../src/core/errors';
import { parseRepository } from '../../src/core/reference';
import type { RegistryCredentials } from '../../src/credentials/credentials';
import type { CredentialSource } from '../../src/credentials/credentialSource';
import { promote } from '../../src/promotion/promote';
import type { TransportSetting } from '../../src/promotion/transport';
import { digestOf, pushImage, sharedServices, testAppServices, uniqueRepo, type TestServices } from '../harness';
import { startTokenRegistry, type TokenRegistry } from '../harness/tokenAuth';
import { env, environmentFor, MemoryLog, ScriptedPrompts, threeEnvironments } from './support';

/** The in-memory source: what a sign-in stored, and which registries were asked for. */
function memorySource(entries: Record<string, { username: string; password: string }>): CredentialSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get: async (registry): Promise<RegistryCredentials | undefined> => {
      asked.push(registry);
      const found = entries[registry];
      return found ? { serverAddress: registry, ...found } : undefined;
    },
  };
}

describe('signed-in credentials before the Docker config, with no Docker config at all', function () {
  this.timeout(180_000);
  let svc: TestServices;
  let tokens: TokenRegistry;
  let emptyDockerConfig: string;
  let saved: string | undefined;

  before(async () => {
    [svc, tokens] = await Promise.all([sharedServices(), startTokenRegistry()]);
    emptyDockerConfig = mkdtempSync(join(tmpdir(), 'imgpromo-no-docker-config-'));
    saved = process.env['DOCKER_CONFIG'];
    process.env['DOCKER_CONFIG'] = emptyDockerConfig;
  });
  after(async () => {
    if (saved === undefined) delete process.env['DOCKER_CONFIG'];
    else process.env['DOCKER_CONFIG'] = saved;
    rmSync(emptyDockerConfig, { recursive: true, force: true });
    await tokens?.stop();
  });

  const app = (source: CredentialSource | undefined, transport: TransportSetting = 'registry'): AppServices =>
    testAppServices(svc, { log: new MemoryLog(), transport: () => transport, ...(source ? { credentialSource: source } : {}) });

  it('htpasswd registry: without the source nothing is found; with it a lookup and a registry-side promotion succeed', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.authRegistryUrl, repo, '1c2d3e4', { auth: svc.auth });
    const repository = parseRepository(`${svc.authRegistry}/${repo}`);
    await assert.rejects(app(undefined).registry.resolve(repository, '1c2d3e4'), (error: PromotionError) => {
      assert.match(error.message, /requires credentials and none were found/);
      assert.match(error.hint ?? '', /docker login .*, or in VS Code Image Promotion: Sign In to Registry…/);
      return true;
    });

    const source = memorySource({ [svc.authRegistry]: svc.auth });
    const services = app(source);
    assert.equal((await services.registry.resolve(repository, '1c2d3e4'))?.digest, build.digest);
    const cfg = threeEnvironments(`${svc.authRegistry}/${repo}`);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '1c2d3e4' }, target: env(cfg, 'development') },
      services.promotion,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.transport, 'registry');
    assert.equal(await digestOf(svc.authRegistryUrl, repo, 'dev', svc.auth), build.digest);
    assert.ok(source.asked.includes(svc.authRegistry));
  });

  it('token-auth registry: a lookup and a registry-side promotion succeed with the source alone', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, '2d3e4f5');
    await tokens.copyIn(`${svc.registry}/${repo}:2d3e4f5`, repo, '2d3e4f5');
    const repository = parseRepository(`${tokens.host}/${repo}`);
    await assert.rejects(app(undefined).registry.resolve(repository, '2d3e4f5'), /unauthorized|requires credentials|denied/i);

    const services = app(memorySource({ [tokens.host]: tokens.auth }));
    assert.equal((await services.registry.resolve(repository, '2d3e4f5'))?.digest, build.digest);
    const cfg = threeEnvironments(`${tokens.host}/${repo}`);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '2d3e4f5' }, target: env(cfg, 'development') },
      services.promotion,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(await tokens.digestOf(repo, 'dev'), build.digest);
  });

  it('the engine path gets them too: pull and push through dockerode with X-Registry-Auth from the source', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.authRegistryUrl, repo, '3e4f5a6', { auth: svc.auth });
    const cfg = threeEnvironments(`${svc.authRegistry}/${repo}`);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '3e4f5a6' }, target: env(cfg, 'development') },
      app(memorySource({ [svc.authRegistry]: svc.auth }), 'engine').promotion,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(outcome.transport, 'engine');
    assert.equal(await digestOf(svc.authRegistryUrl, repo, 'dev', svc.auth), build.digest);
  });

  it('sign-in check: GET /v2/ accepts the right credentials (Basic and token) and refuses wrong ones clearly', async () => {
    const services = app(undefined);
    const as = (registry: string, username: string, password: string): RegistryCredentials => ({ serverAddress: registry, username, password });
    assert.equal(await services.checkSignIn(svc.authRegistry, as(svc.authRegistry, svc.auth.username, svc.auth.password)), 'accepted');
    assert.equal(await services.checkSignIn(tokens.host, as(tokens.host, tokens.auth.username, tokens.auth.password)), 'accepted');
    for (const registry of [svc.authRegistry, tokens.host]) {
      const user = registry === tokens.host ? tokens.auth.username : svc.auth.username;
      await assert.rejects(services.checkSignIn(registry, as(registry, user, 'not-the-password')), (error: Error) => {
        assert.match(error.message, new RegExp(`${registry.replace(/\./g, '\\.')} refused the user name and password for "${user}"; nothing was stored`));
        assert.doesNotMatch(error.message, /not-the-password/);
        return true;
      });
    }
    assert.equal(await services.checkSignIn(svc.registry, as(svc.registry, 'anyone', 'anything')), 'not-required');
  });
});
