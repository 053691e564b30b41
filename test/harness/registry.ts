// A private, throwaway Distribution registry (Debian's docker-registry 2.8) for tests, on
// 127.0.0.1:<free port> (the engine treats loopback registries as plain-HTTP "insecure" ones),
// optionally behind htpasswd basic auth, optionally read-only.
//
// Read-only mode (`storage.maintenance.readonly.enabled: true`), as observed with
// docker-registry 2.8.2 and dockerd 20.10.24 (asserted in test/integration/harness.test.ts):
// - GET/HEAD of manifests, tags and blobs keep working (200), storage is untouched;
// - the write routes are not registered: `POST /v2/<repo>/blobs/uploads/`, `PUT
//   /v2/<repo>/manifests/<ref>` and DELETEs answer `405`, `Allow: GET, HEAD`,
//   `Content-Type: text/plain`, body "Method not allowed\n" (no JSON `errors` array);
// - the engine's `POST /images/<name>/push` still answers HTTP 200; the failure is the LAST JSON
//   line of the stream: {"errorDetail":{"message":"error parsing HTTP 405 response body: invalid
//   character 'M' looking for beginning of value: \"Method not allowed\\n\""},"error":"…same…"}.
//   For a repository without the layers it comes right after "Preparing" (blob upload refused);
//   when every layer is already there it comes after "Layer already exists" (manifest PUT refused).
//   No `aux` digest line is sent.
// Also observed (2.8, writable): `DELETE /v2/<repo>/manifests/<tag>` is not supported (400
// DIGEST_INVALID); `DELETE …/manifests/<digest>` (202) also drops every tag pointing at it. Use
// Registry.removeTag to delete one tag.
import { ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { registerResource } from './cleanup';
import { freePort } from './ports';
import { delay, exited, serviceEnv, spawnService, tailOf, terminate, terminateSync } from './processes';
import { makeTempDir, recordChildren, removeTree, removeTreeSync } from './tempdirs';

export interface RegistryOptions {
  /** Require basic auth with this user (bcrypt htpasswd file made by `htpasswd -Bbn`). */
  htpasswd?: { username: string; password: string };
  /** storage.maintenance.readonly: reads work, every write answers 405. */
  readOnly?: boolean;
  /** Token auth is not supported by this harness. */
  token?: never;
  /** Distribution log level (default 'info', which readiness detection needs; the log stays in the temp dir until stop). */
  logLevel?: 'debug' | 'info';
  /** How long to wait for `/v2/` (default 30 s). */
  startTimeoutMs?: number;
}

export interface Registry {
  /** `127.0.0.1:PORT`, for image references. */
  host: string;
  /** `http://127.0.0.1:PORT`, for HTTP API calls. */
  url: string;
  port: number;
  /** storage.filesystem.rootdirectory (kept across restarts). */
  storageDir: string;
  /** The temp dir holding config, storage and log. */
  dir: string;
  /** The credentials when the registry uses htpasswd. */
  auth?: { username: string; password: string };
  /** The options it currently runs with. */
  readonly options: RegistryOptions;
  logFile: string;
  logTail(lines?: number): string;
  /** Stops it and removes its temp dir (storage included). Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops and starts it again on the same port with the same storage. `opts` is merged over the
   * current options: `restart({ readOnly: true })` keeps htpasswd; pass `htpasswd: undefined`
   * explicitly to drop auth.
   */
  restart(opts?: RegistryOptions): Promise<void>;
  /**
   * Deletes one tag straight in storage (Distribution 2.8 has no API for it); the manifest stays
   * reachable by digest. Answers false when the tag did not exist.
   */
  removeTag(repo: string, tag: string): Promise<boolean>;
}

/** Starts docker-registry and resolves once `GET /v2/` answers (200, or 401 with htpasswd). */
export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  if ((opts as { token?: unknown }).token !== undefined) throw new Error('token auth is not supported by the test registry');
  const dir = makeTempDir('registry');
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir);
  const logFile = join(dir, 'registry.log');
  let options: RegistryOptions = { ...opts };
  let child: ChildProcess | undefined;
  let port = 0;
  let stopped: Promise<void> | undefined;

  const unregister = registerResource(
    `registry ${dir}`,
    () => registry.stop(),
    () => {
      if (child?.pid !== undefined) terminateSync(child.pid, 10000);
      removeTreeSync(dir);
    },
  );

  const launch = async (fixedPort: number | undefined): Promise<void> => {
    const attempts = fixedPort === undefined ? 5 : 50;
    let lastError: Error | undefined;
    for (let i = 0; i < attempts; i++) {
      const candidate = fixedPort ?? (await freePort());
      const configFile = writeConfig(dir, storageDir, candidate, options);
      const logOffset = logSize(logFile);
      child = spawnService('docker-registry', ['serve', configFile], logFile, serviceEnv());
      if (child.pid === undefined) {
        await exited(child);
        throw new Error(`could not start docker-registry (is Debian's docker-registry installed?)`);
      }
      recordChildren(dir, [child.pid]);
      try {
        await waitForV2(candidate, child, logFile, logOffset, options.startTimeoutMs ?? 30000);
        port = candidate;
        return;
      } catch (err) {
        lastError = err as Error;
        await terminate(child, 5000);
        // Port taken (by someone else, or the old process not yet gone on restart): try again.
        if (!/address already in use/.test(lastError.message)) break;
        if (fixedPort !== undefined) await delay(100);
      }
    }
    throw lastError ?? new Error('registry did not start');
  };

  const registry: Registry = {
    host: '',
    url: '',
    port: 0,
    storageDir,
    dir,
    get options() {
      return { ...options };
    },
    get auth() {
      return options.htpasswd ? { ...options.htpasswd } : undefined;
    },
    logFile,
    logTail: (n = 30) => tailOf(logFile, n),
    stop: () => {
      stopped ??= (async () => {
        if (child) await terminate(child, 10000);
        await removeTree(dir);
        unregister();
      })();
      return stopped;
    },
    removeTag: async (repo: string, tag: string) => {
      if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag) || repo.split('/').some((p) => !p || p === '.' || p === '..')) {
        throw new Error(`bad repository or tag: ${repo}:${tag}`);
      }
      const tagDir = join(storageDir, 'docker', 'registry', 'v2', 'repositories', ...repo.split('/'), '_manifests', 'tags', tag);
      if (!existsSync(tagDir)) return false;
      await rm(tagDir, { recursive: true, force: true });
      return true;
    },
    restart: async (next: RegistryOptions = {}) => {
      if (stopped) throw new Error('registry was stopped');
      if ((next as { token?: unknown }).token !== undefined) throw new Error('token auth is not supported by the test registry');
      if (child) await terminate(child, 10000);
      options = { ...options, ...next };
      await launch(port);
    },
  };

  try {
    await launch(undefined);
  } catch (err) {
    await registry.stop();
    throw err;
  }
  registry.port = port;
  registry.host = `127.0.0.1:${port}`;
  registry.url = `http://127.0.0.1:${port}`;
  return registry;
}

function writeConfig(dir: string, storageDir: string, port: number, opts: RegistryOptions): string {
  let auth: string[] = [];
  if (opts.htpasswd) {
    const htpasswdFile = join(dir, 'htpasswd');
    writeFileSync(htpasswdFile, makeHtpasswdLine(opts.htpasswd.username, opts.htpasswd.password), { mode: 0o600 });
    auth = ['auth:', '  htpasswd:', '    realm: imgpromo-test', `    path: ${JSON.stringify(htpasswdFile)}`];
  }
  return writeRegistryConfig(dir, { storageDir, port, logLevel: opts.logLevel, readOnly: opts.readOnly, auth });
}

/** Writes `config.yml` for Debian's docker-registry (Distribution 2.8) and returns its path. */
export function writeRegistryConfig(
  dir: string,
  opts: {
    storageDir: string;
    port: number;
    logLevel?: string | undefined;
    readOnly?: boolean | undefined;
    auth?: readonly string[];
    /** Serve https only, with this certificate and key (PEM files). */
    tls?: { certificate: string; key: string };
  },
): string {
  const lines = [
    'version: 0.1',
    'log:',
    `  level: ${opts.logLevel ?? 'info'}`,
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(opts.storageDir)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    '    readonly:',
    `      enabled: ${opts.readOnly ? 'true' : 'false'}`,
    'http:',
    `  addr: 127.0.0.1:${opts.port}`,
    `  secret: ${JSON.stringify(randomSecret())}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    ...(opts.tls ? ['  tls:', `    certificate: ${JSON.stringify(opts.tls.certificate)}`, `    key: ${JSON.stringify(opts.tls.key)}`] : []),
    ...(opts.auth ?? []),
  ];
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, lines.join('\n') + '\n');
  return configFile;
}

function randomSecret(): string {
  return randomBytes(16).toString('hex');
}

/** One bcrypt htpasswd line, from Debian's apache2-utils `htpasswd -Bbn` (Distribution accepts only bcrypt). */
export function makeHtpasswdLine(username: string, password: string): string {
  const out = spawnSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' });
  if (out.error || out.status !== 0) {
    throw new Error(`htpasswd -Bbn failed (is apache2-utils installed?): ${out.error?.message ?? out.stderr}`);
  }
  return out.stdout.trim() + '\n';
}

async function waitForV2(port: number, child: ChildProcess, logFile: string, logOffset: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}) before answering /v2/:\n${tailOf(logFile)}`);
    }
    const status = await v2Status(port);
    // Our process must be the one answering (not someone else already on the port).
    if ((status === 200 || status === 401) && logSaysListening(logFile, logOffset, port)) return;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`docker-registry did not answer /v2/ within ${timeoutMs} ms:\n${tailOf(logFile)}`);
    }
    await delay(50);
  }
}

function logSize(logFile: string): number {
  try {
    return statSync(logFile).size;
  } catch {
    return 0;
  }
}

function logSaysListening(logFile: string, offset: number, port: number): boolean {
  try {
    return readFileSync(logFile).subarray(offset).toString('utf8').includes(`listening on 127.0.0.1:${port}`);
  } catch {
    return false;
  }
}

function v2Status(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
