// The CLI's own cache folder, as other command-line tools keep theirs: $XDG_CACHE_HOME, else the
// platform's usual place. Only what can be rebuilt from the registries is kept there.
import * as os from 'node:os';
import * as path from 'node:path';

export function cliCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'image-promotion');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'image-promotion');
  if (platform === 'win32' && env['LOCALAPPDATA']) return path.join(env['LOCALAPPDATA'], 'image-promotion', 'Cache');
  return path.join(home, '.cache', 'image-promotion');
}
