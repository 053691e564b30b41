// A registry whose certificate a company CA signed (made here with openssl; nobody trusts it by
// default), serving https only at 127.0.0.1: a lookup fails with a message that names the settings
// that fix it, and succeeds once the CA is trusted through imagePromotion.caFiles' setting; a
// registry-side promotion then works over TLS. The loopback address is not downgraded to http.
import * as assert from 'node:assert/strict';
import type { AppServices } from '../../src/app/services';
import { PromotionError } from '../../src/core/errors';
import { parseRepository } from '../../src/core/reference';
import { anonymous } from '../../src/credentials/credentials';
import { promote } from '../../src/promotion/promote';
import { HttpRegistryClient } from '../../src/registry/httpRegistryClient';
import type { TrustSetting } from '../../src/registry/transport/trust';
import { pushImage, sharedServices, skopeoDigest, startRegistry, testAppServices, uniqueRepo, type Registry, type TestServices } from '../harness';
import { startTlsRegistry, type TlsRegistry } from '../harness/tlsRegistry';
import { promotionYaml } from '../fixtures/promotionYaml';
import { config, env, environmentFor, MemoryLog, ScriptedPrompts, threeEnvironments } from './support';

describe('a registry signed by a private CA (https only, at 127.0.0.1)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let plain: Registry;
  let tls: TlsRegistry;
  let repo: string;
  let digest: string;

  before(async () => {
    [svc, plain] = await Promise.all([sharedServices(), startRegistry()]);
    // The TLS registry serves the plain one's storage: the image is pushed over http by the harness.
    tls = await startTlsRegistry(plain.storageDir);
    repo = uniqueRepo();
    digest = (await pushImage(plain.url, repo, '4f5a6b7')).digest;
  });
  after(async () => {
    await Promise.allSettled([tls?.stop(), plain?.stop()]);
  });

  const client = (trust?: TrustSetting) => {
    const log = new MemoryLog();
    return { log, registry: new HttpRegistryClient({ credentials: anonymous, log, timeoutMs: () => 10_000, ...(trust ? { trust: () => trust } : {}) }) };
  };
  const withCa = (): TrustSetting => ({ caFiles: [tls.caFile], caFilesSource: 'imagePromotion.caFiles', systemCertificates: false });
  /** The services as the front ends compose them, registry-side copies, the CA trusted. */
  const registryApp = (): AppServices => testAppServices(svc, { log: new MemoryLog(), trust: withCa });

  it('without the CA: "signed by an unknown authority", and the hint names the settings; never retried over http', async () => {
    const { registry, log } = client();
    await assert.rejects(registry.resolve(parseRepository(`${tls.host}/${repo}`), '4f5a6b7'), (error: PromotionError) => {
      assert.match(
        error.message,
        new RegExp(`registry ${tls.host} at https://${tls.host} presented a certificate signed by an unknown authority \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)`),
      );
      assert.match(error.hint ?? '', /imagePromotion\.caFiles \(CLI: --ca-file <pem> or IMAGE_PROMOTION_CA_FILES\), or in NODE_EXTRA_CA_CERTS/);
      return true;
    });
    assert.match(log.text(), new RegExp(`${tls.host} answers https only`));
    // With the system store as well (Debian's bundle): still unknown, the company CA is in none of them.
    await assert.rejects(
      client({ caFiles: [], caFilesSource: 'imagePromotion.caFiles', systemCertificates: true }).registry.resolve(
        parseRepository(`${tls.host}/${repo}`),
        '4f5a6b7',
      ),
      /signed by an unknown authority/,
    );
  });

  it('the trusted CAs become a TLS context only when a TLS connection needs one: a plain-http registry never pays for it', async () => {
    // ~40 ms of the thread for the system store's CAs, before the first request of a session.
    const tlsModule = require('node:tls') as typeof import('node:tls');
    const original = tlsModule.createSecureContext;
    let made = 0;
    tlsModule.createSecureContext = (...args: Parameters<typeof original>) => {
      made++;
      return original(...args);
    };
    try {
      const { registry } = client({ ...withCa(), systemCertificates: true });
      assert.equal((await registry.resolve(parseRepository(`${plain.host}/${repo}`), '4f5a6b7'))?.digest, digest);
      assert.equal(made, 0, 'no TLS context for a plain-http registry');
      assert.equal((await registry.resolve(parseRepository(`${tls.host}/${repo}`), '4f5a6b7'))?.digest, digest);
      assert.equal(await registry.resolve(parseRepository(`${tls.host}/${repo}`), 'latest').catch(() => undefined), undefined);
      assert.equal(made, 1, 'one context, made for the first TLS connection and kept');
    } finally {
      tlsModule.createSecureContext = original;
    }
  });

  it('with the CA in the setting: the lookup succeeds over https', async () => {
    const { registry } = client(withCa());
    assert.equal((await registry.resolve(parseRepository(`${tls.host}/${repo}`), '4f5a6b7'))?.digest, digest);
  });

  it('a CA file that is not there is a clear error naming it and the setting', async () => {
    const { registry } = client({ caFiles: ['/nonexistent/company-ca.pem'], caFilesSource: 'imagePromotion.caFiles', systemCertificates: false });
    await assert.rejects(
      registry.resolve(parseRepository(`${tls.host}/${repo}`), '4f5a6b7'),
      /the CA file \/nonexistent\/company-ca\.pem \(from imagePromotion\.caFiles\) could not be read \(ENOENT\)/,
    );
  });

  it('a registry-side promotion over TLS with the CA trusted (checked with skopeo)', async () => {
    const app = registryApp();
    const cfg = threeEnvironments(`${tls.host}/${repo}`);
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: '4f5a6b7' }, target: env(cfg, 'development') },
      app.promotion,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.equal(await skopeoDigest(`${plain.host}/${repo}:dev`), digest, 'the shared storage holds the new tag');
  });

  it('a copy from another registry streams the layers into the TLS registry (the upload agent trusts the CA too)', async () => {
    const source = uniqueRepo();
    const pushed = await pushImage(svc.registryUrl, source, '6b7c8d9');
    const target = uniqueRepo();
    const cfg = config(
      promotionYaml(`${svc.registry}/${source}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', image: `${tls.host}/${target}` },
      ]),
    );
    const app = registryApp();
    const first = await promote(
      { config: cfg, source: { kind: 'build', tag: '6b7c8d9' }, target: env(cfg, 'development') },
      app.promotion,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(first.status, 'succeeded', first.message);
    const second = await promote(
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging') },
      app.promotion,
      environmentFor(new ScriptedPrompts()),
    );
    assert.equal(second.status, 'succeeded', second.message);
    assert.equal(await skopeoDigest(`${plain.host}/${target}:staging`), pushed.digest);
  });
});
