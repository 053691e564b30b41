// A throwaway DOCKER_CONFIG dir whose config.json points registries at a test credential helper
// (`docker-credential-imgpromo-test`, a small node program written next to it), so tests exercise
// the real credential-helper protocol without touching the user's ~/.docker or keychain.
//
// The helper speaks the docker-credential-helpers protocol:
//   get    server URL on stdin -> {"ServerURL","Username","Secret"} on stdout, exit 0;
//          unknown server -> "credentials not found in native keychain" on stdout, exit 1
//   list   -> {"<server>": "<username>", …}
//   store  {"ServerURL","Username","Secret"} on stdin -> saved
//   erase  server URL on stdin -> removed
// Its secrets live in a JSON file next to it (never in the script text), and every call is
// appended (action and server URL only, never a secret) to calls.jsonl next to it.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { registerResource } from './cleanup';
import { makeTempDir, removeTree, removeTreeSync } from './tempdirs';

export const TEST_HELPER_NAME = 'imgpromo-test';

export interface CredentialEntry {
  /** The registry as the client names it: `127.0.0.1:5000` (the key of credHelpers/auths). */
  server: string;
  username: string;
  /** Password or token. */
  secret: string;
  /**
   * Where the client finds it:
   * - 'helper' (default): `credHelpers: { server: "imgpromo-test" }` + the helper's secrets file;
   * - 'auths': `auths: { server: { auth: base64(user:secret) } }` in config.json;
   * - 'identitytoken': `auths: { server: { identitytoken: secret } }` (username not stored);
   * - 'store': only in the helper's secrets file, found through `credsStore: "imgpromo-test"`.
   */
  via?: 'helper' | 'auths' | 'identitytoken' | 'store';
}

export interface DockerConfigOptions {
  /** Write `credsStore: "imgpromo-test"` (implied when an entry uses via 'store'). */
  credsStore?: boolean;
  /** Extra top-level keys merged into config.json (e.g. currentContext). */
  extra?: Record<string, unknown>;
  /** Helper name (the program is docker-credential-<name>); default 'imgpromo-test'. */
  helperName?: string;
}

export interface HelperCall {
  action: string;
  serverUrl?: string;
  found?: boolean;
}

export interface DockerConfig {
  /** A DOCKER_CONFIG dir (holds config.json). */
  dir: string;
  /** To prepend to PATH: holds docker-credential-<helperName>. */
  binDir: string;
  configPath: string;
  helperName: string;
  /** DOCKER_CONFIG and PATH (binDir first) for a child process. */
  env(base?: NodeJS.ProcessEnv): Record<string, string>;
  /** Sets or replaces what the helper answers for server. */
  setHelperSecret(server: string, username: string, secret: string): void;
  /** Removes server from the helper's store (it then answers "credentials not found"). */
  removeHelperSecret(server: string): void;
  /** The helper invocations so far. */
  calls(): HelperCall[];
  /** Removes the dirs. Idempotent. */
  dispose(): Promise<void>;
}

/** Same directory as the helper program; the program reads it, the config never names it. */
const SECRETS_FILE = 'secrets.json';
const CALLS_FILE = 'calls.jsonl';

const HELPER_SOURCE = `#!/usr/bin/env node
// Test credential helper (docker-credential-helpers protocol); secrets come from ${SECRETS_FILE} next to it.
'use strict';
const fs = require('fs');
const path = require('path');
const secretsFile = path.join(__dirname, ${JSON.stringify(SECRETS_FILE)});
const callsFile = path.join(__dirname, ${JSON.stringify(CALLS_FILE)});
const action = process.argv[2];
const load = () => { try { return JSON.parse(fs.readFileSync(secretsFile, 'utf8')); } catch { return {}; } };
const save = (s) => fs.writeFileSync(secretsFile, JSON.stringify(s, null, 2), { mode: 0o600 });
const log = (entry) => { try { fs.appendFileSync(callsFile, JSON.stringify(entry) + '\\n'); } catch {} };
const bare = (s) => s.trim().replace(/^[a-z]+:\\/\\//i, '').replace(/\\/.*$/, '');
const find = (secrets, server) => {
  if (Object.prototype.hasOwnProperty.call(secrets, server)) return server;
  return Object.keys(secrets).find((k) => bare(k) === bare(server));
};
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const secrets = load();
  if (action === 'get') {
    const server = input.trim();
    const key = find(secrets, server);
    log({ action, serverUrl: server, found: key !== undefined });
    if (key === undefined) {
      process.stdout.write('credentials not found in native keychain\\n');
      process.exit(1);
    }
    process.stdout.write(JSON.stringify({ ServerURL: server, Username: secrets[key].Username, Secret: secrets[key].Secret }) + '\\n');
  } else if (action === 'list') {
    log({ action });
    const out = {};
    for (const k of Object.keys(secrets)) out[k] = secrets[k].Username;
    process.stdout.write(JSON.stringify(out) + '\\n');
  } else if (action === 'store') {
    let c;
    try { c = JSON.parse(input); } catch { process.stdout.write('invalid credentials JSON\\n'); process.exit(1); }
    log({ action, serverUrl: c.ServerURL });
    secrets[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
    save(secrets);
  } else if (action === 'erase') {
    const server = input.trim();
    const key = find(secrets, server);
    log({ action, serverUrl: server, found: key !== undefined });
    if (key === undefined) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    delete secrets[key];
    save(secrets);
  } else if (action === 'version') {
    process.stdout.write('imgpromo-test 1.0\\n');
  } else {
    process.stdout.write('unknown action: ' + action + '\\n');
    process.exit(1);
  }
});
`;

/** Writes the DOCKER_CONFIG dir and the helper; see CredentialEntry for where each entry goes. */
export function makeDockerConfig(entries: CredentialEntry[], opts: DockerConfigOptions = {}): DockerConfig {
  const helperName = opts.helperName ?? TEST_HELPER_NAME;
  if (!/^[A-Za-z0-9._-]+$/.test(helperName)) throw new Error(`bad helper name ${helperName}`);
  const root = makeTempDir('dockercfg');
  const dir = join(root, 'config');
  const binDir = join(root, 'bin');
  mkdirSync(dir);
  mkdirSync(binDir);
  const configPath = join(dir, 'config.json');
  const secretsPath = join(binDir, SECRETS_FILE);
  const callsPath = join(binDir, CALLS_FILE);

  const config: Record<string, unknown> = {};
  const auths: Record<string, Record<string, string>> = {};
  const credHelpers: Record<string, string> = {};
  const secrets: Record<string, { Username: string; Secret: string }> = {};
  let credsStore = opts.credsStore ?? false;
  for (const entry of entries) {
    const via = entry.via ?? 'helper';
    if (via === 'helper') {
      credHelpers[entry.server] = helperName;
      secrets[entry.server] = { Username: entry.username, Secret: entry.secret };
    } else if (via === 'store') {
      credsStore = true;
      secrets[entry.server] = { Username: entry.username, Secret: entry.secret };
    } else if (via === 'auths') {
      auths[entry.server] = { auth: Buffer.from(`${entry.username}:${entry.secret}`).toString('base64') };
    } else {
      auths[entry.server] = { identitytoken: entry.secret };
    }
  }
  if (Object.keys(auths).length) config.auths = auths;
  if (Object.keys(credHelpers).length) config.credHelpers = credHelpers;
  if (credsStore) config.credsStore = helperName;
  Object.assign(config, opts.extra ?? {});
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  writeFileSync(secretsPath, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  const helperPath = join(binDir, `docker-credential-${helperName}`);
  writeFileSync(helperPath, HELPER_SOURCE);
  chmodSync(helperPath, 0o755);

  const readSecrets = (): Record<string, { Username: string; Secret: string }> => {
    try {
      return JSON.parse(readFileSync(secretsPath, 'utf8')) as Record<string, { Username: string; Secret: string }>;
    } catch {
      return {};
    }
  };
  let disposed: Promise<void> | undefined;
  const unregister = registerResource(
    `docker config ${root}`,
    () => result.dispose(),
    () => removeTreeSync(root),
  );
  const result: DockerConfig = {
    dir,
    binDir,
    configPath,
    helperName,
    env: (base = process.env) => ({
      DOCKER_CONFIG: dir,
      PATH: [binDir, base.PATH ?? ''].filter(Boolean).join(delimiter),
    }),
    setHelperSecret: (server, username, secret) => {
      const all = readSecrets();
      all[server] = { Username: username, Secret: secret };
      writeFileSync(secretsPath, JSON.stringify(all, null, 2), { mode: 0o600 });
    },
    removeHelperSecret: (server) => {
      const all = readSecrets();
      delete all[server];
      writeFileSync(secretsPath, JSON.stringify(all, null, 2), { mode: 0o600 });
    },
    calls: () => {
      try {
        return readFileSync(callsPath, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as HelperCall);
      } catch {
        return [];
      }
    },
    dispose: () => {
      disposed ??= removeTree(root).then(() => unregister());
      return disposed;
    },
  };
  return result;
}

/**
 * Runs a credential helper the way a Docker client does (`docker-credential-<name> get`, server URL
 * on stdin) and returns its parsed answer, or undefined when it says "credentials not found".
 * An independent check for tests; PATH is searched with binDir first.
 */
export function runCredentialHelper(binDir: string, helperName: string, server: string): { ServerURL: string; Username: string; Secret: string } | undefined {
  const out = spawnSync(`docker-credential-${helperName}`, ['get'], {
    input: server,
    encoding: 'utf8',
    env: { ...process.env, PATH: [binDir, process.env.PATH ?? ''].filter(Boolean).join(delimiter) },
  });
  if (out.error) throw out.error;
  if (out.status !== 0) {
    if (out.stdout.includes('credentials not found')) return undefined;
    throw new Error(`credential helper failed (${out.status}): ${out.stdout}${out.stderr}`);
  }
  return JSON.parse(out.stdout) as { ServerURL: string; Username: string; Secret: string };
}
