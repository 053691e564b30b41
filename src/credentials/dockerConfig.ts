// Finds credentials the way the Docker CLI does: $DOCKER_CONFIG/config.json (default ~/.docker),
// `credHelpers[host]`, else `credsStore`, else base64 `auths[host].auth` / `identitytoken`.
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOCKER_HUB, DOCKER_HUB_AUTH_KEY } from '../core/reference';
import type { Logger } from '../core/log';
import type { CredentialProblem, CredentialProvider, RegistryCredentials } from './credentials';
import { CredentialHelperError, runCredentialHelper, type HelperRunner } from './credentialHelper';

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['DOCKER_CONFIG'] || path.join(os.homedir(), '.docker');
}

/** The key Docker stores a registry's credentials under. */
export function credentialKey(registry: string): string {
  return registry === DOCKER_HUB || registry === 'index.docker.io' ? DOCKER_HUB_AUTH_KEY : registry;
}

/** `https://host:port/v1/` → `host:port`, as the CLI normalises `auths` keys. */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

export class DockerConfigCredentials implements CredentialProvider {
  private readonly cache = new Map<string, { at: number; value: RegistryCredentials | undefined }>();
  private readonly problems = new Map<string, CredentialProblem>();

  constructor(
    private readonly options: {
      configDir: () => string;
      log: Logger;
      runHelper?: HelperRunner;
      /** Helpers can be slow (keychains); remember answers this long. */
      cacheMs?: number;
      now?: () => number;
    },
  ) {}

  async get(registry: string, signal?: AbortSignal): Promise<RegistryCredentials | undefined> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(registry);
    if (cached && now - cached.at < (this.options.cacheMs ?? 60_000)) return cached.value;
    const value = await this.lookup(registry, signal);
    this.cache.set(registry, { at: now, value });
    return value;
  }

  /** Forget cached answers, e.g. after the user ran `docker login`. */
  clear(): void {
    this.cache.clear();
    this.problems.clear();
  }

  problem(registry: string): CredentialProblem | undefined {
    return this.problems.get(registry);
  }

  private async lookup(registry: string, signal?: AbortSignal): Promise<RegistryCredentials | undefined> {
    const file = path.join(this.options.configDir(), 'config.json');
    let config: ConfigFile;
    try {
      config = JSON.parse(await readFile(file, 'utf8')) as ConfigFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.options.log.warn(`Docker config ${file} could not be read (${(error as Error).message}); going anonymous.`);
      }
      return undefined;
    }
    const key = credentialKey(registry);
    const helper = config.credHelpers?.[registry] ?? config.credHelpers?.[key] ?? config.credsStore;
    this.problems.delete(registry);
    if (helper) {
      try {
        const found = await (this.options.runHelper ?? runCredentialHelper)(helper, key, signal);
        if (found) return found;
      } catch (error) {
        if (signal?.aborted) throw error;
        this.options.log.warn(`Credential helper docker-credential-${helper} failed for ${registry}: ${(error as Error).message}`);
        const fallback = fromAuths(config.auths ?? {}, key, registry);
        // Remembered for the message of a refused request, which would otherwise say only "none were found".
        if (!fallback)
          this.problems.set(
            registry,
            helperProblem(error, helper, registry, file, (config.credHelpers?.[registry] ?? config.credHelpers?.[key]) ? 'credHelpers' : 'credsStore'),
          );
        return fallback;
      }
      // The CLI also falls back to `auths` when a store has nothing (e.g. after a plain-text login).
    }
    return fromAuths(config.auths ?? {}, key, registry);
  }
}

function fromAuths(auths: NonNullable<ConfigFile['auths']>, key: string, registry: string): RegistryCredentials | undefined {
  const entryKey = key in auths ? key : Object.keys(auths).find((k) => keyHost(k) === keyHost(key) || keyHost(k) === registry);
  const entry = entryKey ? auths[entryKey] : undefined;
  if (!entry || !entryKey) return undefined;
  if (entry.identitytoken) return { serverAddress: entryKey, identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { serverAddress: entryKey, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { serverAddress: entryKey, username: entry.username, password: entry.password };
  return undefined;
}

function helperProblem(error: unknown, helper: string, registry: string, file: string, setting: 'credHelpers' | 'credsStore'): CredentialProblem {
  const program = `docker-credential-${helper}`;
  const where = `${setting} in ${file}`;
  const message = `${(error as Error).message} (named by ${where})`;
  if (error instanceof CredentialHelperError && error.failure === 'missing') {
    return { message, hint: `Install ${program}, or change ${where}; then run "docker login ${registry}".` };
  }
  return { message, hint: `Fix or reinstall ${program} (or change ${where}), then run "docker login ${registry}" again.` };
}
