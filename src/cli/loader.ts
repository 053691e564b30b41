// The CLI's entry (dist/cli.js, the package's bin): loads the CLI's bundle (dist/cli-main.js) with
// V8's code cache, kept in the CLI's cache folder, so that a command does not parse the bundle again
// nor compile what an earlier command ran (src/startup/codeCache.ts). The first run of a build saves
// the cache as it exits. IMGPROMO_CODE_CACHE=off loads the bundle plainly.
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { cliCacheDir } from './cacheDir';
import { loadWithCodeCache } from '../startup/codeCache';

type Main = typeof import('./main');

// As the bundle's runAsProcess does (main.ts liftoffOnly), but before the bundle is compiled: V8
// rejects a code cache made under other flags, and the cache is made after this.
setFlagsFromString('--liftoff-only');
const cacheDir = process.env['IMGPROMO_CODE_CACHE'] === 'off' ? undefined : join(cliCacheDir(), 'code-cache');
const bundle = loadWithCodeCache<Main>(join(__dirname, 'cli-main.js'), cacheDir, module);
bundle.exports.runAsProcess(process.argv.slice(2), () => bundle.save());
