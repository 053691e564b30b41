// The sign-in flow apart from the editor: what it offers, that a refusal keeps nothing, that the
// secret never reaches the log, and GHCR through an injected GitHub session getter (no GitHub here).
import * as assert from 'node:assert/strict';
import { signIn, signOut, type Choice, type GitHubSessionGetter, type SignInDeps, type SignInPrompts } from '../../src/app/signIn';
import { PromotionError } from '../../src/core/errors';
import type { RegistryCredentials } from '../../src/credentials/credentials';
import type { Logger } from '../../src/core/log';

/** Answers picks by label and input boxes in order; remembers what it was offered. */
class Answers implements SignInPrompts {
  readonly offered: string[][] = [];
  readonly asked: { prompt: string; password: boolean }[] = [];
  constructor(
    private readonly picks: string[],
    private readonly typed: string[],
  ) {}
  async pick<T>(items: readonly Choice<T>[]): Promise<T | undefined> {
    this.offered.push(items.map((i) => i.label));
    const wanted = this.picks.shift();
    return items.find((i) => i.label === wanted)?.value;
  }
  async ask(options: { prompt: string; password?: boolean; validate?: (value: string) => string | undefined }): Promise<string | undefined> {
    this.asked.push({ prompt: options.prompt, password: options.password === true });
    const value = this.typed.shift();
    if (value !== undefined) assert.equal(options.validate?.(value), undefined, `"${value}" passes the input box's own check`);
    return value;
  }
}

function recordingLog(): Logger & { text(): string } {
  const lines: string[] = [];
  const put = (m: string | Error): void => void lines.push(m instanceof Error ? m.message : m);
  return { trace: put, debug: put, info: put, warn: put, error: put, text: () => lines.join('\n') };
}

class MemoryStore {
  readonly kept = new Map<string, { username: string; password: string }>();
  registries = (): string[] => [...this.kept.keys()];
  store = async (registry: string, c: { username: string; password: string }): Promise<void> => void this.kept.set(registry, { ...c });
  remove = async (registry: string): Promise<boolean> => this.kept.delete(registry);
}

function deps(prompts: SignInPrompts, options: { refuse?: boolean; gitHubSession?: GitHubSessionGetter } = {}) {
  const store = new MemoryStore();
  const log = recordingLog();
  const checked: RegistryCredentials[] = [];
  const d: SignInDeps = {
    prompts,
    store,
    log,
    check: async (registry, credentials) => {
      checked.push(credentials);
      if (options.refuse)
        throw new PromotionError('unauthorized', `${registry} refused the user name and password for "${credentials.username}"; nothing was stored`);
      return 'accepted';
    },
    ...(options.gitHubSession ? { gitHubSession: options.gitHubSession } : {}),
  };
  return { d, store, log, checked };
}

describe('sign in to a registry (the flow)', () => {
  it("offers the configs' registries first, asks user and password (a password box), checks, then keeps them", async () => {
    const prompts = new Answers(['registry.example.com:5000'], ['alice', 's3cret-value']);
    const { d, store, log, checked } = deps(prompts);
    const done = await signIn(d, ['registry.example.com:5000', 'registry.example.com:5000', 'index.docker.io']);
    assert.deepEqual(prompts.offered[0], ['registry.example.com:5000', 'docker.io', 'Other registry…']);
    assert.deepEqual(
      prompts.asked.map((a) => a.password),
      [false, true],
    );
    assert.deepEqual(done, { registry: 'registry.example.com:5000', username: 'alice', check: 'accepted', via: 'typed' });
    assert.deepEqual(checked, [{ serverAddress: 'registry.example.com:5000', username: 'alice', password: 's3cret-value' }]);
    assert.deepEqual(store.kept.get('registry.example.com:5000'), { username: 'alice', password: 's3cret-value' });
    assert.match(log.text(), /Signed in to registry\.example\.com:5000 as alice/);
    assert.doesNotMatch(log.text(), /s3cret-value/);
  });

  it('credentials the registry refuses are not kept, and the refusal reaches the person', async () => {
    const { d, store } = deps(new Answers(['Other registry…'], ['127.0.0.1:5000', 'bob', 'wrong']), { refuse: true });
    await assert.rejects(signIn(d, []), /127\.0\.0\.1:5000 refused the user name and password for "bob"; nothing was stored/);
    assert.equal(store.kept.size, 0);
  });

  it('a typed registry that is not host[:port] is refused before anything is asked', async () => {
    const prompts = new Answers(['Other registry…'], ['https://evil.example/x']);
    const { d } = deps(prompts);
    // The scripted box bypasses its own validation check here on purpose: the flow checks again.
    prompts.ask = async () => 'https://evil.example/x';
    await assert.rejects(signIn(d, []), /is not a registry host/);
  });

  it('ghcr.io: the GitHub session (asked with the packages scopes) gives the user name and token; nothing typed', async () => {
    const asked: (readonly string[])[] = [];
    const session: GitHubSessionGetter = async (scopes) => {
      asked.push(scopes);
      return { account: { label: 'octocat' }, accessToken: 'gho_sessiontoken' };
    };
    const prompts = new Answers(['ghcr.io', 'Use My GitHub Account'], []);
    const { d, store, checked, log } = deps(prompts, { gitHubSession: session });
    const done = await signIn(d, ['ghcr.io']);
    assert.deepEqual(asked, [['read:packages', 'write:packages']]);
    assert.equal(prompts.asked.length, 0, 'no input box');
    assert.equal(done?.via, 'github');
    assert.deepEqual(checked[0], { serverAddress: 'ghcr.io', username: 'octocat', password: 'gho_sessiontoken' });
    assert.deepEqual(store.kept.get('ghcr.io'), { username: 'octocat', password: 'gho_sessiontoken' });
    assert.doesNotMatch(log.text(), /gho_sessiontoken/);
  });

  it('ghcr.io: declining the GitHub sign-in keeps nothing; typing a token instead still works', async () => {
    const declined = deps(new Answers(['ghcr.io', 'Use My GitHub Account'], []), { gitHubSession: async () => undefined });
    assert.equal(await signIn(declined.d, ['ghcr.io']), undefined);
    assert.equal(declined.store.kept.size, 0);
    const typed = deps(new Answers(['ghcr.io', 'Type a User Name and Token'], ['octocat', 'ghp_typed']), {
      gitHubSession: async () => assert.fail('the session is not asked for'),
    });
    assert.equal((await signIn(typed.d, ['ghcr.io']))?.via, 'typed');
    assert.deepEqual(typed.store.kept.get('ghcr.io'), { username: 'octocat', password: 'ghp_typed' });
  });

  it("sign out removes the chosen registry's credentials; with none kept it says so", async () => {
    const prompts = new Answers(['b.example'], []);
    const { d, store } = deps(prompts);
    await store.store('a.example', { username: 'u', password: 'p' });
    await store.store('b.example', { username: 'u', password: 'p' });
    assert.equal(await signOut(d), 'b.example');
    assert.deepEqual(store.registries(), ['a.example']);
    await assert.rejects(signOut(deps(new Answers([], [])).d), /not signed in to any registry/);
  });
});
