import * as assert from 'node:assert/strict';
import { parseChallenges } from '../../src/registry/authChallenge';

describe('WWW-Authenticate parsing', () => {
  it('reads a Bearer challenge with realm, service and scope', () => {
    const [c] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"');
    assert.equal(c?.scheme, 'bearer');
    assert.deepEqual(c?.params, { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' });
  });

  it('reads Basic, unquoted values and escaped quotes', () => {
    assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    const [c] = parseChallenges('Bearer realm=https://a/token, error="invalid_token", error_description="say \\"hi\\""');
    assert.equal(c?.params['realm'], 'https://a/token');
    assert.equal(c?.params['error_description'], 'say "hi"');
  });

  it('returns nothing for an absent header', () => {
    assert.deepEqual(parseChallenges(undefined), []);
    assert.deepEqual(parseChallenges(''), []);
  });
});
