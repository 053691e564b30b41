import * as assert from 'node:assert/strict';
import { parseChallenges } from '../../src/registry/authChallenge';
import { mergeScopes, parseScope, repositoryScope, scopesCover, splitScopes, tokenCacheKey } from '../../src/registry/scopes';

describe('registry token scopes', () => {
  it('parses repository scopes, names with slashes and colons included', () => {
    assert.deepEqual(parseScope('repository:team/app:pull,push'), { type: 'repository', name: 'team/app', actions: ['pull', 'push'] });
    assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
    assert.deepEqual(parseScope('repository:host:5000/app:pull'), { type: 'repository', name: 'host:5000/app', actions: ['pull'] });
    assert.equal(parseScope('nonsense'), undefined);
    assert.equal(parseScope(':x:pull'), undefined);
  });

  it('splits the space-separated scopes of a challenge', () => {
    assert.deepEqual(splitScopes(['repository:a:pull,push repository:b:pull', undefined, ' repository:c:pull ']), [
      'repository:a:pull,push',
      'repository:b:pull',
      'repository:c:pull',
    ]);
  });

  it('merges scopes into one entry per repository, actions in a stable order', () => {
    assert.deepEqual(mergeScopes(['repository:dst:push'], ['repository:dst:pull', 'repository:src:pull']), ['repository:dst:pull,push', 'repository:src:pull']);
    assert.deepEqual(mergeScopes(['repository:src:pull repository:dst:push,pull']), ['repository:dst:pull,push', 'repository:src:pull']);
    assert.deepEqual(mergeScopes(['repository:a:delete,pull', 'repository:a:push']), ['repository:a:pull,push,delete']);
    assert.deepEqual(mergeScopes(['weird', 'repository:a:pull']), ['repository:a:pull', 'weird']);
  });

  it('keys the token cache by registry and merged scopes, whatever the order they were asked in', () => {
    const a = tokenCacheKey('r:5000', ['repository:dst:pull,push', 'repository:src:pull']);
    const b = tokenCacheKey('r:5000', ['repository:src:pull repository:dst:push,pull']);
    assert.equal(a, b);
    assert.equal(a, 'r:5000|repository:dst:pull,push repository:src:pull');
    assert.notEqual(tokenCacheKey('other:5000', ['repository:dst:pull,push', 'repository:src:pull']), a);
    assert.notEqual(tokenCacheKey('r:5000', ['repository:dst:pull']), a);
  });

  it('tells whether granted scopes cover what is needed', () => {
    assert.ok(scopesCover(['repository:a:pull,push'], ['repository:a:pull']));
    assert.ok(scopesCover(['repository:a:*'], ['repository:a:pull,push']));
    assert.ok(!scopesCover(['repository:a:pull'], ['repository:a:pull,push']));
    assert.ok(!scopesCover(['repository:a:pull,push'], ['repository:a:pull,push repository:b:pull']));
  });

  it('writes a repository scope', () => {
    assert.equal(repositoryScope('team/app', 'pull,push'), 'repository:team/app:pull,push');
  });

  it("reads Distribution 2.8's mount challenge: two scopes in one parameter, and the error", () => {
    const [c] = parseChallenges(
      'Bearer realm="http://127.0.0.1:1/token",service="reg",scope="repository:dst/app:push,pull repository:src/app:pull",error="insufficient_scope"',
    );
    assert.equal(c?.params['error'], 'insufficient_scope');
    assert.deepEqual(mergeScopes(splitScopes([c?.params['scope']])), ['repository:dst/app:pull,push', 'repository:src/app:pull']);
  });
});
