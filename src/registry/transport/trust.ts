// Which certificate authorities registry connections trust. Node trusts its bundled roots plus
// NODE_EXTRA_CA_CERTS; an explicit `ca` option replaces all of that, so extra CAs are always added
// to tls.rootCertificates and NODE_EXTRA_CA_CERTS' file, never put instead of them. Node 20 has no
// tls.getCACertificates('system'): the system store is the platform's PEM bundle, read as
// @vscode/proxy-agent reads it on Linux, and only when the front end asks (http.systemCertificates).
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { PromotionError } from '../../core/errors';

export interface TrustSetting {
  /** PEM files of extra CAs (imagePromotion.caFiles, --ca-file, IMAGE_PROMOTION_CA_FILES). */
  readonly caFiles: readonly string[];
  /** Where caFiles came from, for messages ("imagePromotion.caFiles", "--ca-file"). */
  readonly caFilesSource: string;
  /** Also the operating system's store (VS Code's http.systemCertificates). */
  readonly systemCertificates: boolean;
}

/** The bundles Linux distributions keep their store in (Debian/Ubuntu first), as Go's crypto/x509 looks for them. */
export const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export type ReadText = (file: string) => string;

/**
 * The `ca` for TLS connections, or undefined for Node's default (nothing extra asked for). A CA file
 * that cannot be read or holds no certificate is an error naming the file and where it was set.
 */
export function trustedCertificates(setting: TrustSetting | undefined, env: NodeJS.ProcessEnv = process.env, read: ReadText = readUtf8): string[] | undefined {
  const files = setting?.caFiles.map((f) => f.trim()).filter(Boolean) ?? [];
  const system = setting?.systemCertificates === true && process.platform === 'linux' ? systemBundle(read) : [];
  if (files.length === 0 && system.length === 0) return undefined;
  const extra = env['NODE_EXTRA_CA_CERTS'] ? certificatesIn(env['NODE_EXTRA_CA_CERTS'], 'NODE_EXTRA_CA_CERTS', read) : [];
  const named = files.flatMap((file) => certificatesIn(file, setting?.caFilesSource ?? 'the CA files', read));
  return [...new Set([...tls.rootCertificates, ...extra, ...system, ...named])];
}

function certificatesIn(file: string, source: string, read: ReadText): string[] {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new PromotionError(
      'config',
      `the CA file ${file} (from ${source}) could not be read (${code})`,
      `Check the path in ${source}: a PEM file of the CA certificate.`,
    );
  }
  const found = text.match(PEM_CERTIFICATE) ?? [];
  if (found.length === 0)
    throw new PromotionError(
      'config',
      `the CA file ${file} (from ${source}) holds no PEM certificate`,
      'Give the CA certificate in PEM form ("-----BEGIN CERTIFICATE-----").',
    );
  return found;
}

function systemBundle(read: ReadText): string[] {
  for (const file of SYSTEM_BUNDLES) {
    try {
      const found = read(file).match(PEM_CERTIFICATE);
      if (found?.length) return found;
    } catch {
      // Not this distribution's place: try the next.
    }
  }
  return [];
}

function readUtf8(file: string): string {
  return readFileSync(file, 'utf8');
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** A TLS failure because no trusted CA signed the registry's certificate: a message that says which settings fix it. */
export function unknownAuthority(code: string | undefined, registry: string, origin: string, cause: unknown): PromotionError | undefined {
  if (!code || !UNKNOWN_AUTHORITY.has(code)) return undefined;
  return new PromotionError(
    'registry-unreachable',
    `registry ${registry} at ${origin} presented a certificate signed by an unknown authority (${code})`,
    'If a company CA signed it, trust that CA: its PEM file in imagePromotion.caFiles (CLI: --ca-file <pem> or IMAGE_PROMOTION_CA_FILES), or in NODE_EXTRA_CA_CERTS; in VS Code a CA in the system store counts while http.systemCertificates is on.',
    { cause },
  );
}
