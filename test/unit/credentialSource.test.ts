// The chain: a sign-in source first, the Docker config only when it has nothing for the registry.
import * as assert from 'node:assert/strict';
import { silentLogger } from '../../src/core/log';
import { ChainedCredentials, signInKey, type ClearableCredentials } from '../../src/credentials/credentialSource';

describe('credentials: a sign-in source before the Docker config', () => {
  const dockerConfig = (): ClearableCredentials & { asked: string[]; cleared: number } => {
    const state = { asked: [] as string[], cleared: 0 };
    return {
      get: async (registry) => {
        state.asked.push(registry);
        return registry === 'both.example' || registry === 'docker-only.example'
          ? { serverAddress: registry, username: 'from-docker', password: 'd' }
          : undefined;
      },
      problem: (registry) => (registry === 'broken.example' ? { message: 'docker-credential-x exited with 1', hint: 'fix it' } : undefined),
      clear: () => void state.cleared++,
      get asked() {
        return state.asked;
      },
      get cleared() {
        return state.cleared;
      },
    };
  };
  const source = {
    get: async (registry: string) => (registry === 'both.example' ? { serverAddress: registry, username: 'signed-in', password: 's' } : undefined),
  };

  it('the source wins; the Docker config is not even asked then', async () => {
    const then = dockerConfig();
    const chain = new ChainedCredentials(source, then, silentLogger);
    assert.equal((await chain.get('both.example'))?.username, 'signed-in');
    assert.deepEqual(then.asked, []);
  });

  it('falls back to the Docker config, whose problems and cache it passes on', async () => {
    const then = dockerConfig();
    const chain = new ChainedCredentials(source, then, silentLogger);
    assert.equal((await chain.get('docker-only.example'))?.username, 'from-docker');
    assert.equal(await chain.get('nowhere.example'), undefined);
    assert.equal(chain.problem('broken.example')?.message, 'docker-credential-x exited with 1');
    chain.clear();
    assert.equal(then.cleared, 1);
  });

  it('a source that cannot be read (a locked keychain) is logged, and the Docker config still answers', async () => {
    const warnings: string[] = [];
    const broken = { get: async () => Promise.reject(new Error('Cannot create an item in a locked collection')) };
    const chain = new ChainedCredentials(broken, dockerConfig(), { ...silentLogger, warn: (m: string) => void warnings.push(m) });
    assert.equal((await chain.get('docker-only.example'))?.username, 'from-docker');
    assert.match(warnings.join('\n'), /Signed-in credentials for docker-only\.example could not be read \(Cannot create an item in a locked collection\)/);
  });

  it('keeps one key per registry: Docker Hub under its names is one, hosts are case-insensitive', () => {
    assert.equal(signInKey('index.docker.io'), 'docker.io');
    assert.equal(signInKey('registry-1.docker.io'), 'docker.io');
    assert.equal(signInKey(' GHCR.io '), 'ghcr.io');
    assert.equal(signInKey('127.0.0.1:5000'), '127.0.0.1:5000');
  });
});
