// Which engine the user means, in the Docker CLI's order: an explicit setting, DOCKER_HOST (with
// DOCKER_TLS_VERIFY / DOCKER_CERT_PATH), the current Docker context, then the platform default.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface EngineAddress {
  /** As a person would write it: `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`. */
  readonly display: string;
  /** Where the address came from, for messages. */
  readonly source: string;
  readonly socketPath?: string;
  readonly protocol?: 'http' | 'https' | 'ssh';
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly verify: boolean };
}

export interface EngineAddressInputs {
  setting?: string;
  env: NodeJS.ProcessEnv;
  dockerConfigDir: string;
  platform?: NodeJS.Platform;
  readFile?: (file: string) => string;
}

export class EngineAddressError extends Error {}

export function resolveEngineAddress(inputs: EngineAddressInputs): EngineAddress {
  const read = inputs.readFile ?? ((f: string) => readFileSync(f, 'utf8'));
  const certDir = inputs.env['DOCKER_CERT_PATH'] || inputs.dockerConfigDir;
  const envTls = inputs.env['DOCKER_TLS_VERIFY'] ? tlsFiles(certDir, true) : inputs.env['DOCKER_TLS'] ? tlsFiles(certDir, false) : undefined;
  const setting = inputs.setting?.trim();
  // `context:<name>` names a Docker context (Select Docker Engine… writes it): its TLS files come along.
  if (setting?.startsWith(CONTEXT_PREFIX))
    return namedContextAddress(inputs, setting.slice(CONTEXT_PREFIX.length).trim(), read, 'setting imagePromotion.dockerHost');
  if (setting) return parseHost(setting, 'setting imagePromotion.dockerHost', envTls);
  if (inputs.env['DOCKER_HOST']?.trim()) return parseHost(inputs.env['DOCKER_HOST'].trim(), 'DOCKER_HOST', envTls);
  return contextAddress(inputs, read) ?? platformDefault(inputs.platform);
}

export function platformDefault(platform: NodeJS.Platform = process.platform): EngineAddress {
  return platform === 'win32'
    ? { display: 'npipe:////./pipe/docker_engine', source: 'the platform default', socketPath: '//./pipe/docker_engine' }
    : { display: 'unix:///var/run/docker.sock', source: 'the platform default', socketPath: '/var/run/docker.sock' };
}

/** The value of imagePromotion.dockerHost that selects a Docker context by name. */
export const CONTEXT_PREFIX = 'context:';

/** The context the Docker CLI would use: DOCKER_CONTEXT, else config.json's currentContext (undefined: none or unreadable). */
export function currentContextName(inputs: EngineAddressInputs, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): string | undefined {
  const fromEnv = inputs.env['DOCKER_CONTEXT']?.trim();
  if (fromEnv) return fromEnv;
  try {
    return (JSON.parse(read(path.join(inputs.dockerConfigDir, 'config.json'))) as { currentContext?: string }).currentContext || undefined;
  } catch {
    return undefined;
  }
}

function contextAddress(inputs: EngineAddressInputs, read: (f: string) => string): EngineAddress | undefined {
  const name = currentContextName(inputs, read);
  if (!name || name === 'default') return undefined;
  return namedContextAddress(inputs, name, read);
}

function namedContextAddress(inputs: EngineAddressInputs, name: string, read: (f: string) => string, via?: string): EngineAddress {
  const source = via ? `Docker context "${name}" (${via})` : `Docker context "${name}"`;
  // The CLI's built-in context is DOCKER_HOST, else the platform's socket.
  if (name === 'default')
    return inputs.env['DOCKER_HOST']?.trim() ? parseHost(inputs.env['DOCKER_HOST'].trim(), 'DOCKER_HOST') : platformDefault(inputs.platform);
  // The CLI stores each context under the sha256 of its name.
  const id = createHash('sha256').update(name).digest('hex');
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(read(path.join(inputs.dockerConfigDir, 'contexts', 'meta', id, 'meta.json')));
  } catch {
    throw new EngineAddressError(`Docker context "${name}" is selected but its metadata could not be read`);
  }
  const endpoint = meta.Endpoints?.docker;
  if (!endpoint?.Host) throw new EngineAddressError(`Docker context "${name}" has no Docker endpoint`);
  const tlsDir = path.join(inputs.dockerConfigDir, 'contexts', 'tls', id, 'docker');
  const tls = endpoint.Host.startsWith('tcp://') ? tlsFiles(tlsDir, !endpoint.SkipTLSVerify, read) : undefined;
  return parseHost(endpoint.Host, source, tls);
}

function tlsFiles(dir: string, verify: boolean, read?: (f: string) => string): EngineAddress['tls'] {
  const file = (name: string): string | undefined => {
    const p = path.join(dir, name);
    if (!read) return p;
    try {
      read(p);
      return p;
    } catch {
      return undefined;
    }
  };
  return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem'), verify };
}

export function parseHost(value: string, source: string, tls?: EngineAddress['tls']): EngineAddress {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EngineAddressError(`${source} is "${value}", which is not an engine address (unix://, tcp://, ssh:// or npipe://)`);
  }
  switch (url.protocol) {
    case 'unix:':
      return { display: value, source, socketPath: decodeURIComponent(url.pathname) };
    case 'npipe:':
      return { display: value, source, socketPath: value.replace(/^npipe:\/\//, '').replace(/\//g, '\\') };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const secure = url.protocol === 'https:' || !!tls;
      return {
        display: value,
        source,
        protocol: secure ? 'https' : 'http',
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port ? Number(url.port) : secure ? 2376 : 2375,
        ...(tls ? { tls } : {}),
      };
    }
    case 'ssh:':
      return {
        display: value,
        source,
        protocol: 'ssh',
        host: url.hostname,
        port: url.port ? Number(url.port) : 22,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      };
    default:
      throw new EngineAddressError(`${source} is "${value}": ${url.protocol.replace(':', '')} is not an engine address scheme (unix, tcp, ssh, npipe)`);
  }
}
