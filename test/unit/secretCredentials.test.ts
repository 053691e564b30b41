import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { SecretCredentials } from '../../src/vscode/secretCredentials';

/** VS Code's SecretStorage and a Memento in memory, counting the secret reads (each a round trip to the main process). */
function stores(): { secrets: vscode.SecretStorage; names: vscode.Memento; reads: string[] } {
  const kept = new Map<string, string>();
  const state = new Map<string, unknown>();
  const reads: string[] = [];
  const secrets = {
    get: async (key: string) => (reads.push(key), kept.get(key)),
    store: async (key: string, value: string) => void kept.set(key, value),
    delete: async (key: string) => void kept.delete(key),
  } as unknown as vscode.SecretStorage;
  const names = {
    get: <T>(key: string, fallback: T) => (state.has(key) ? (state.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => void state.set(key, value),
  } as unknown as vscode.Memento;
  return { secrets, names, reads };
}

describe('signed-in credentials (SecretStorage)', () => {
  it('a registry nobody signed in to is answered without asking SecretStorage; one signed in to is read once, then from memory', async () => {
    const { secrets, names, reads } = stores();
    const credentials = new SecretCredentials(secrets, names);
    assert.equal(await credentials.get('registry.example'), undefined);
    assert.deepEqual(reads, [], 'no round trip for a registry not in the signed-in list');
    await credentials.store('registry.example', { username: 'ci', password: 's3cret' });
    assert.equal((await credentials.get('registry.example'))?.username, 'ci');
    assert.equal((await credentials.get('registry.example'))?.password, 's3cret');
    assert.equal(reads.length, 1, 'read once, then kept');
    assert.equal(await credentials.remove('registry.example'), true);
    assert.equal(await credentials.get('registry.example'), undefined);
  });
});
