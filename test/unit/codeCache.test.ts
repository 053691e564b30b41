import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadWithCodeCache } from '../../src/startup/codeCache';
import { makeTempDir } from '../harness/tempdirs';

/** A bundle-like module: functions run at load and later, a built-in required, its own file and folder reported. */
const BUNDLE = `
const path = require('node:path');
function add(a, b) { return a + b; }
exports.sum = [1, 2, 3].reduce(add, 0);
exports.where = { file: __filename, dir: __dirname, base: path.basename(__filename) };
exports.later = () => 'compiled when first called';
exports.ownModule = module;
exports.main = require.main;
`;

/** Loads `file` in a fresh Node process (a main script beside it) through the compiled loader; prints the state and results. */
function loadInChild(file: string, cacheDir: string): { state: string; sum: number; later: string; mainIsTheProcessMain: boolean } {
  const loader = join(__dirname, '..', '..', 'src', 'startup', 'codeCache.js');
  const script = join(dirname(file), 'main.js');
  writeFileSync(
    script,
    `const { loadWithCodeCache } = require(${JSON.stringify(loader)});
const b = loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)}, module);
const later = b.exports.later();
b.save();
process.stdout.write(JSON.stringify({ state: b.state, sum: b.exports.sum, later, mainIsTheProcessMain: b.exports.main === require.main && require.main === module }));`,
  );
  return JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' })) as {
    state: string;
    sum: number;
    later: string;
    mainIsTheProcessMain: boolean;
  };
}

const cacheFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.v8cache'));

describe("the loader's code cache", () => {
  it('loads the bundle as require does, and a later process uses the cache the first saved', () => {
    const dir = makeTempDir('code-cache');
    const file = join(dir, 'bundle.js');
    writeFileSync(file, BUNDLE);
    const cacheDir = join(dir, 'cache');

    const first = loadWithCodeCache<{ sum: number; where: { file: string; dir: string; base: string }; ownModule: NodeModule; main: NodeModule | undefined }>(
      file,
      cacheDir,
      module,
    );
    assert.equal(first.state, 'none');
    assert.equal(first.exports.sum, 6);
    assert.deepEqual(first.exports.where, { file, dir, base: 'bundle.js' });
    assert.equal(first.exports.ownModule.filename, file, "the bundle's module is its file (VS Code answers require('vscode') by it)");
    assert.equal(first.exports.ownModule.parent, module);

    // A cache is V8's for its flags: made and used by processes started alike (the mocha process runs with others).
    const child = loadInChild(file, cacheDir);
    assert.deepEqual(
      child,
      { state: 'none', sum: 6, later: 'compiled when first called', mainIsTheProcessMain: true },
      "require.main is the process's, as for any module",
    );
    const [saved] = cacheFiles(cacheDir);
    assert.ok(saved?.startsWith('bundle-'), `one cache file named for the bundle: ${cacheFiles(cacheDir).join(', ')}`);
    assert.equal(statSync(join(cacheDir, saved)).mode & 0o777, 0o600, 'the cache is readable by its owner only');
    const written = statSync(join(cacheDir, saved)).mtimeMs;

    assert.deepEqual(loadInChild(file, cacheDir), { state: 'used', sum: 6, later: 'compiled when first called', mainIsTheProcessMain: true });
    assert.deepEqual(cacheFiles(cacheDir), [saved]);
    assert.equal(statSync(join(cacheDir, saved)).mtimeMs, written, 'a used cache is not written again');
  });

  it("never reads another build's cache, and a new build's replaces it", () => {
    const dir = makeTempDir('code-cache');
    const file = join(dir, 'bundle.js');
    const cacheDir = join(dir, 'cache');
    writeFileSync(file, BUNDLE);
    assert.equal(loadInChild(file, cacheDir).state, 'none');
    const [old] = cacheFiles(cacheDir);
    // Same length, other code: V8 checks only the length, the file name is the bytes' hash.
    writeFileSync(file, BUNDLE.replace('a + b', 'a * b'));
    assert.deepEqual(loadInChild(file, cacheDir), { state: 'none', sum: 0, later: 'compiled when first called', mainIsTheProcessMain: true });
    const now = cacheFiles(cacheDir);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], old);
  });

  it('compiles afresh when the cache is damaged, and saves a good one', () => {
    const dir = makeTempDir('code-cache');
    const file = join(dir, 'bundle.js');
    const cacheDir = join(dir, 'cache');
    writeFileSync(file, BUNDLE);
    loadInChild(file, cacheDir);
    const cache = join(cacheDir, cacheFiles(cacheDir)[0]!);
    const good = readFileSync(cache);
    writeFileSync(cache, good.subarray(0, good.length >> 1));
    assert.deepEqual(loadInChild(file, cacheDir), { state: 'rejected', sum: 6, later: 'compiled when first called', mainIsTheProcessMain: true });
    assert.equal(loadInChild(file, cacheDir).state, 'used');
  });

  it('without a cache folder is a plain require, and a cache that cannot be written is no error', () => {
    const dir = makeTempDir('code-cache');
    const file = join(dir, 'bundle.js');
    writeFileSync(file, BUNDLE);
    const plain = loadWithCodeCache<{ sum: number }>(file, undefined, module);
    assert.equal(plain.state, 'off');
    assert.equal(plain.exports.sum, 6);
    assert.equal(require.cache[file]?.exports, plain.exports);

    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    const bundle = loadWithCodeCache<{ sum: number }>(file, join(blocked, 'cache'), module);
    assert.equal(bundle.state, 'none');
    assert.doesNotThrow(() => bundle.save());
  });
});
