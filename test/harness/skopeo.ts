// skopeo (Debian) as a second, independent view of what a registry holds.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerResource } from './cleanup';
import { BasicAuth, isIndexMediaType, sha256Digest } from './registry-http';
import { makeTempDir, removeTree, removeTreeSync } from './tempdirs';

let emptyAuthFile: string | undefined;

/** An empty auth file, so skopeo never reads the user's credentials. */
function noAuthFile(): string {
  if (!emptyAuthFile) {
    const dir = makeTempDir('skopeo');
    registerResource(
      `skopeo dir ${dir}`,
      () => removeTree(dir),
      () => removeTreeSync(dir),
    );
    emptyAuthFile = join(dir, 'auth.json');
    writeFileSync(emptyAuthFile, '{"auths":{}}\n');
  }
  return emptyAuthFile;
}

function skopeo(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, REGISTRY_AUTH_FILE: noAuthFile() };
    delete env.DOCKER_CONFIG;
    execFile('skopeo', args, { encoding: 'buffer', env, timeout: 60000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`skopeo ${args.join(' ')} failed: ${stderr.toString().trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function refArgs(ref: string, auth?: BasicAuth): string[] {
  const transport = ref.startsWith('docker://') ? ref : `docker://${ref}`;
  const creds = auth ? ['--creds', `${auth.username}:${auth.password}`] : ['--authfile', noAuthFile()];
  return ['--tls-verify=false', ...creds, transport];
}

/** The raw top-level manifest bytes of `host:port/repo:tag` (or @digest). */
export function skopeoRaw(ref: string, auth?: BasicAuth): Promise<Buffer> {
  return skopeo(['inspect', '--raw', ...refArgs(ref, auth)]);
}

/**
 * The digest skopeo sees for `host:port/repo:tag`: `skopeo inspect --format '{{.Digest}}'` for an
 * image; for an index/manifest list the sha256 of `skopeo inspect --raw` (plain inspect would
 * descend into one platform).
 */
export async function skopeoDigest(ref: string, auth?: BasicAuth): Promise<string> {
  const raw = await skopeoRaw(ref, auth);
  const parsed = JSON.parse(raw.toString()) as { mediaType?: string; manifests?: unknown };
  if (isIndexMediaType(parsed.mediaType) || (parsed.mediaType === undefined && Array.isArray(parsed.manifests))) return sha256Digest(raw);
  return (await skopeo(['inspect', '--format', '{{.Digest}}', ...refArgs(ref, auth)])).toString().trim();
}
