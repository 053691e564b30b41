import * as assert from 'node:assert/strict';
import { PromotionError } from '../../src/core/errors';
import { proxyRules, redactProxyUrl } from '../../src/registry/transport/proxy';

const via = (rules: ReturnType<typeof proxyRules>, url: string): string | undefined => {
  const route = rules(new URL(url));
  return route ? `${route.display} (${route.source})` : undefined;
};

describe('which proxy a registry request takes', () => {
  it('the setting first, for http and https alike, except its noProxy hosts', () => {
    const rules = proxyRules(
      { url: 'http://user:secret@proxy.corp:3128', noProxy: ['internal.example', '10.0.0.5:5000'], source: 'the http.proxy setting' },
      { HTTPS_PROXY: 'http://env-proxy:8080' },
    );
    assert.equal(via(rules, 'https://registry.example.com/v2/'), 'http://proxy.corp:3128 (the http.proxy setting)');
    assert.equal(via(rules, 'http://localhost:5000/v2/'), 'http://proxy.corp:3128 (the http.proxy setting)');
    assert.equal(via(rules, 'https://internal.example/v2/'), undefined);
    assert.equal(via(rules, 'https://registry.internal.example/v2/'), undefined, 'a subdomain of a listed domain');
    assert.equal(via(rules, 'https://notinternal.example/v2/'), 'http://proxy.corp:3128 (the http.proxy setting)', 'not a suffix that is no subdomain');
    assert.equal(via(rules, 'http://10.0.0.5:5000/v2/'), undefined);
    assert.equal(via(rules, 'http://10.0.0.5:5001/v2/'), 'http://proxy.corp:3128 (the http.proxy setting)', 'another port');
    assert.equal(rules(new URL('https://registry.example.com'))!.proxy.password, 'secret', 'the credentials stay in the URL for the proxy');
  });

  it('without a setting: HTTPS_PROXY for https (HTTP_PROXY as fallback), HTTP_PROXY for http, NO_PROXY in both', () => {
    const env = { HTTPS_PROXY: 'secure-proxy:8443', HTTP_PROXY: 'http://plain-proxy:8080', NO_PROXY: '.corp.example, *.lab.example,[::1]:5000' };
    const rules = proxyRules({ url: '  ' }, env);
    assert.equal(via(rules, 'https://ghcr.io/v2/'), 'http://secure-proxy:8443 (HTTPS_PROXY)', 'no scheme: http://');
    assert.equal(via(rules, 'http://registry.local:5000/v2/'), 'http://plain-proxy:8080 (HTTP_PROXY)');
    assert.equal(via(rules, 'https://reg.corp.example/v2/'), undefined);
    assert.equal(via(rules, 'https://corp.example/v2/'), undefined);
    assert.equal(via(rules, 'https://a.lab.example/v2/'), undefined);
    assert.equal(via(rules, 'http://[::1]:5000/v2/'), undefined);
    assert.equal(via(proxyRules(undefined, { http_proxy: 'http://p:1' }), 'https://ghcr.io/'), 'http://p:1 (http_proxy)', 'lower case, and the https fallback');
    assert.equal(via(proxyRules(undefined, { HTTPS_PROXY: 'http://p:1' }), 'http://registry:5000/'), undefined, 'HTTPS_PROXY is not for http');
    assert.equal(via(proxyRules(undefined, { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' }), 'https://ghcr.io/'), undefined);
    assert.equal(via(proxyRules(undefined, {}), 'https://ghcr.io/'), undefined);
  });

  it('a proxy URL that is not one is refused with what to fix, its credentials left out', () => {
    for (const [url, words] of [
      ['socks5://me:hunter22@proxy:1080', /names a socks5 proxy \(socks5:\/\/proxy:1080\); only http and https/],
      ['http://me:hunter22@', /is not a proxy URL|names no proxy host/],
    ] as const) {
      assert.throws(
        () => proxyRules({ url, source: 'the http.proxy setting' }, {}),
        (e: unknown) => e instanceof PromotionError && e.kind === 'config' && words.test(e.message) && !e.message.includes('hunter22') && !!e.hint,
        url,
      );
    }
  });

  it('shows proxy URLs without credentials', () => {
    assert.equal(redactProxyUrl('http://user:p%40ss@proxy.corp:3128/'), 'http://proxy.corp:3128');
    assert.equal(redactProxyUrl('proxy.corp:3128'), 'http://proxy.corp:3128');
    assert.equal(redactProxyUrl('user:pass@ not a url'), ' not a url');
  });
});
