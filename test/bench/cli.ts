// The command-line peers, run as a person would type them (execFile, never a shell string).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 15 * 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

let authFile: string | undefined;

/** skopeo with an empty auth file, so it never reads the user's credentials. */
export function skopeo(args: readonly string[]): Promise<string> {
  if (!authFile) {
    authFile = join(mkdtempSync(join(tmpdir(), 'imgpromo-bench-skopeo-')), 'auth.json');
    writeFileSync(authFile, '{"auths":{}}\n');
  }
  const env: NodeJS.ProcessEnv = { ...process.env, REGISTRY_AUTH_FILE: authFile };
  delete env.DOCKER_CONFIG;
  return run('skopeo', args, env);
}

export function skopeoCopy(from: string, to: string): Promise<string> {
  return skopeo(['copy', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', '-q', `docker://${from}`, `docker://${to}`]);
}

export function skopeoInspectRaw(ref: string): Promise<string> {
  return skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
}

export function skopeoListTags(repository: string): Promise<string> {
  return skopeo(['list-tags', '--tls-verify=false', `docker://${repository}`]);
}

/** The Docker CLI against the harness's private engine (DOCKER_HOST, DOCKER_CONFIG from clientEnv). */
export function docker(args: readonly string[], env: Record<string, string>): Promise<string> {
  return run('docker', args, { ...env });
}
