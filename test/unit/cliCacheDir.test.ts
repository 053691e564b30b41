import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { cliCacheDir } from '../../src/cli/cacheDir';

describe("the CLI's cache folder", () => {
  it('is $XDG_CACHE_HOME/image-promotion when that is an absolute path, else the platform cache folder', () => {
    assert.equal(cliCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, 'linux', '/home/me'), join('/var/cache/me', 'image-promotion'));
    assert.equal(
      cliCacheDir({ XDG_CACHE_HOME: 'relative/cache' }, 'linux', '/home/me'),
      join('/home/me', '.cache', 'image-promotion'),
      'a relative one is ignored',
    );
    assert.equal(cliCacheDir({}, 'linux', '/home/me'), join('/home/me', '.cache', 'image-promotion'));
    assert.equal(cliCacheDir({}, 'darwin', '/Users/me'), join('/Users/me', 'Library', 'Caches', 'image-promotion'));
    assert.equal(
      cliCacheDir({ LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, 'win32', 'C:\\Users\\me'),
      join('C:\\Users\\me\\AppData\\Local', 'image-promotion', 'Cache'),
    );
  });
});
