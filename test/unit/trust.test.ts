// Which CAs registry connections trust: Node's roots are kept whenever extra CAs are added (an
// explicit `ca` replaces them), NODE_EXTRA_CA_CERTS too; the system bundle only when asked for.
import * as assert from 'node:assert/strict';
import { delimiter } from 'node:path';
import * as tls from 'node:tls';
import { cliTrust } from '../../src/cli/context';
import { SYSTEM_BUNDLES, trustedCertificates, unknownAuthority, type TrustSetting } from '../../src/registry/transport/trust';

const pem = (name: string): string => `-----BEGIN CERTIFICATE-----\n${Buffer.from(name).toString('base64')}\n-----END CERTIFICATE-----`;
const files: Record<string, string> = {
  '/company/ca.pem': `a comment\n${pem('company')}\n${pem('company-intermediate')}\n`,
  '/extra/node.pem': pem('node-extra'),
  [SYSTEM_BUNDLES[0]!]: pem('system'),
  '/not/a/pem': 'hello',
};
const read = (file: string): string => {
  const text = files[file];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
  return text;
};
const setting = (caFiles: string[], systemCertificates = false): TrustSetting => ({ caFiles, caFilesSource: 'imagePromotion.caFiles', systemCertificates });

describe('trusted certificate authorities', () => {
  it("nothing extra asked for: Node's defaults (no explicit ca), NODE_EXTRA_CA_CERTS left to Node", () => {
    assert.equal(trustedCertificates(undefined, { NODE_EXTRA_CA_CERTS: '/extra/node.pem' }, read), undefined);
    assert.equal(trustedCertificates(setting([' ']), {}, read), undefined);
  });

  it("a CA file adds its certificates to Node's roots and NODE_EXTRA_CA_CERTS', never instead of them", () => {
    const ca = trustedCertificates(setting(['/company/ca.pem']), { NODE_EXTRA_CA_CERTS: '/extra/node.pem' }, read)!;
    for (const root of tls.rootCertificates) assert.ok(ca.includes(root));
    assert.ok(ca.includes(pem('node-extra')));
    assert.ok(ca.includes(pem('company')) && ca.includes(pem('company-intermediate')));
    assert.equal(ca.length, tls.rootCertificates.length + 3);
  });

  it('the system bundle only with systemCertificates on (on Linux)', function () {
    if (process.platform !== 'linux') this.skip();
    assert.ok(trustedCertificates(setting([], true), {}, read)!.includes(pem('system')));
    assert.ok(!trustedCertificates(setting(['/company/ca.pem'], false), {}, read)!.includes(pem('system')));
  });

  it('a missing file or one without a certificate is a config error naming the file and the setting', () => {
    assert.throws(
      () => trustedCertificates(setting(['/gone.pem']), {}, read),
      /the CA file \/gone\.pem \(from imagePromotion\.caFiles\) could not be read \(ENOENT\)/,
    );
    assert.throws(
      () => trustedCertificates(setting(['/not/a/pem']), {}, read),
      /the CA file \/not\/a\/pem \(from imagePromotion\.caFiles\) holds no PEM certificate/,
    );
  });

  it('unknown-authority TLS codes get the message that names the fixes; other failures are left alone', () => {
    assert.match(unknownAuthority('SELF_SIGNED_CERT_IN_CHAIN', 'r.example', 'https://r.example', undefined)?.message ?? '', /signed by an unknown authority/);
    assert.equal(unknownAuthority('ECONNREFUSED', 'r.example', 'https://r.example', undefined), undefined);
  });

  it('the CLI: --ca-file and IMAGE_PROMOTION_CA_FILES (path-delimited) together, each named', () => {
    assert.deepEqual(cliTrust(['/a.pem'], { IMAGE_PROMOTION_CA_FILES: ['/b.pem', '/c.pem'].join(delimiter) }), {
      caFiles: ['/a.pem', '/b.pem', '/c.pem'],
      caFilesSource: '--ca-file and IMAGE_PROMOTION_CA_FILES',
      systemCertificates: false,
    });
    assert.equal(cliTrust([], {}).caFiles.length, 0);
  });
});
