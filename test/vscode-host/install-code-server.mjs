#!/usr/bin/env node
// Installs code-server (a full VS Code server build: workbench + Node extension host) into
// .vscode-test/code-server/ for the extension-host and UI tests, offline apart from the npm registry.
// Idempotent: does nothing when the right version is already installed completely.
//
//   node test/vscode-host/install-code-server.mjs [--force] [--prefix <dir>]
//
// Needs Node 20 (code-server 4.100.x refuses others), python3/make/g++ and the Debian packages
// libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev (native modules) and ripgrep (see below).
// Each step below says why it is needed.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
// What code-server 4.100.3's lib/vscode depends on, and the ripgrep build it downloads.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_VERSION = 'v13.0.0-10';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv) {
  const args = { force: false, prefix: join(repo, '.vscode-test', 'code-server') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--force') args.force = true;
    else if (argv[i] === '--prefix') args.prefix = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --force, --prefix <dir>)`);
  }
  return args;
}

function vscodeDir(prefix) {
  return join(prefix, 'node_modules', 'code-server', 'lib', 'vscode');
}

/** Files that exist only when the install and both nested postinstalls (native modules, ripgrep) completed. */
function completionMarkers(prefix) {
  const vscode = vscodeDir(prefix);
  return [
    join(vscode, 'out', 'server-main.js'),
    join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
    join(vscode, 'node_modules', 'node-pty', 'build', 'Release', 'pty.node'),
    join(vscode, 'node_modules', '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node'),
    join(vscode, 'node_modules.asar'),
    join(vscode, 'extensions', 'node_modules'),
  ];
}

export function installedVersion(prefix) {
  try {
    return JSON.parse(readFileSync(join(prefix, 'node_modules', 'code-server', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

export function isInstalled(prefix) {
  return installedVersion(prefix) === CODE_SERVER_VERSION && completionMarkers(prefix).every((f) => existsSync(f));
}

function ripgrepTarget() {
  switch (process.arch) {
    case 'x64':
      return 'x86_64-unknown-linux-musl';
    case 'arm64':
      return 'aarch64-unknown-linux-musl';
    default:
      throw new Error(`no ripgrep cache recipe for ${process.arch}`);
  }
}

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * @vscode/ripgrep's postinstall downloads rg from GitHub, which fails offline. It looks in
 * $TMPDIR/vscode-ripgrep-cache-<version>/ first: put the system's rg there as the tarball it expects.
 */
function seedRipgrepCache() {
  const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const tarball = join(cacheDir, `ripgrep-${RIPGREP_VERSION}-${ripgrepTarget()}.tar.gz`);
  if (existsSync(tarball)) return tarball;
  const rg = process.env.IMGPROMO_RG ?? which('rg');
  if (!rg) throw new Error('ripgrep (rg) is not installed: apt-get install -y ripgrep (or set IMGPROMO_RG to an rg binary)');
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'imgpromo-rg-'));
  try {
    copyFileSync(rg, join(staging, 'rg'));
    const tar = spawnSync('tar', ['czf', tarball, '-C', staging, 'rg'], { stdio: 'inherit' });
    if (tar.status !== 0) throw new Error(`tar failed (${tar.status})`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return tarball;
}

function run(command, args, options) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolveRun() : reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}`))));
  });
}

export async function installCodeServer({ prefix, force = false } = parseArgs([])) {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  if (!force && isInstalled(prefix)) {
    console.log(`code-server ${CODE_SERVER_VERSION} is already installed in ${prefix} (checked in ${seconds()} s)`);
    return;
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) throw new Error(`code-server ${CODE_SERVER_VERSION} needs Node 20; this is Node ${process.versions.node}`);
  const found = installedVersion(prefix);
  console.log(
    found
      ? `code-server ${found} in ${prefix} is incomplete or not ${CODE_SERVER_VERSION}: reinstalling`
      : `installing code-server ${CODE_SERVER_VERSION} into ${prefix}`,
  );
  rmSync(join(prefix, 'node_modules'), { recursive: true, force: true });
  rmSync(join(prefix, 'package-lock.json'), { force: true });
  mkdirSync(prefix, { recursive: true });
  // npm 11 blocks dependency install scripts unless the project allows them; code-server's postinstall
  // builds the native modules and argon2 has its own.
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({ private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2) + '\n');
  const tarball = seedRipgrepCache();
  console.log(`ripgrep cache: ${tarball}`);

  const env = {
    ...process.env,
    // The nested `npm install` in lib/vscode (code-server's postinstall) has its own scripts to allow.
    npm_config_dangerously_allow_all_scripts: 'true',
    // The postinstall refuses to run as root without it.
    npm_config_unsafe_perm: 'true',
    // A postinstall calls `npx node-gyp`.
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await run(npm, ['install', '--no-audit', '--no-fund', '--save-exact', `code-server@${CODE_SERVER_VERSION}`], { cwd: prefix, env });

  const missing = completionMarkers(prefix).filter((f) => !existsSync(f));
  if (installedVersion(prefix) !== CODE_SERVER_VERSION || missing.length > 0) {
    throw new Error(
      `code-server install incomplete; missing:\n  ${missing.join('\n  ')}\n` +
        'Native modules need python3, make, g++ and: apt-get install -y libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev',
    );
  }
  console.log(`code-server ${CODE_SERVER_VERSION} installed in ${prefix} in ${seconds()} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  installCodeServer(parseArgs(process.argv.slice(2))).catch((error) => {
    console.error(`install-code-server: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
