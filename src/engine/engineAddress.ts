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
  if (inputs.setting?.trim()) return parseHost(inputs.setting.trim(), 'setting imagePromotion.dockerHost', envTls);
  if (inputs.env['DOCKER_HOST']?.trim()) return parseHost(inputs.env['DOCKER_HOST'].trim(), 'DOCKER_HOST', envTls);
  const fromContext = contextAddress(inputs, read);
  if (fromContext) return fromContext;
  return (inputs.platform ?? process.platform) === 'win32'
    ? { display: 'npipe:////./pipe/docker_engine', source: 'the platform default', socketPath: '//./pipe/docker_engine' }
    : { display: 'unix:///var/run/docker.sock', source: 'the platform default', socketPath: '/var/run/docker.sock' };
}

function contextAddress(inputs: EngineAddressInputs, read: (f: string) => string): EngineAddress | undefined {
  let name = inputs.env['DOCKER_CONTEXT']?.trim();
  if (!name) {
    try {
      name = (JSON.parse(read(path.join(inputs.dockerConfigDir, 'config.json'))) as { currentContext?: string }).currentContext;
    } catch {
      return undefined;
    }
  }
  if (!name || name === 'default') return undefined;
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
  return parseHost(endpoint.Host, `Docker context "${name}"`, tls);
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
