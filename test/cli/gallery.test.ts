// The .vsix as the Marketplace and Open VSX get it (`npm run package:vsix`, which `npm run package`
// and `npm run package:pre-release` end with): only what the extension uses at run time, and a README
// whose links and images are absolute, so the gallery page shows them.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from '../harness';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');
const REPOSITORY = 'https://github.com/image-promotion/image-promotion';

interface Manifest {
  readonly icon?: string;
  readonly repository?: { url?: string };
  readonly scripts: Record<string, string>;
  readonly contributes: {
    readonly viewsContainers?: Record<string, { icon?: string }[]>;
    readonly walkthroughs?: { steps: { media: Record<string, unknown> }[] }[];
  };
}

/** The media/ files package.json points at: the icons and the walkthrough's media. */
export function mediaInUse(manifest: Manifest): string[] {
  const paths = [
    manifest.icon,
    ...Object.values(manifest.contributes.viewsContainers ?? {}).flatMap((containers) => containers.map((c) => c.icon)),
    ...(manifest.contributes.walkthroughs ?? []).flatMap((w) =>
      w.steps.flatMap((s) => Object.values(s.media).flatMap((m) => (typeof m === 'string' ? [m] : Object.values(m as Record<string, string>)))),
    ),
  ];
  return [...new Set(paths.filter((p): p is string => typeof p === 'string' && p.startsWith('media/')))].sort();
}

/** Markdown links and images, and HTML src/href attributes, that are not absolute URLs or anchors. */
export function relativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(\s*<?([^)\s>]+)/g), ...markdown.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  return targets.filter((t) => !/^(https:\/\/|http:\/\/|mailto:|#)/.test(t));
}

describe('the .vsix for the Marketplace and Open VSX', function () {
  this.timeout(120_000);
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
  let files: string[];
  let readme: string;

  before(async () => {
    const vsix = path.join(makeTempDir('vsix'), 'image-promotion.vsix');
    // The test run has built dist/ already; `npm run package` rebuilds it minified first.
    await run('npm', ['run', '-s', 'package:vsix', '--', '-o', vsix], { cwd: ROOT });
    files = (await run('unzip', ['-Z1', vsix])).stdout.split('\n').filter(Boolean);
    readme = (await run('unzip', ['-p', vsix, 'extension/readme.md'], { maxBuffer: 8 * 1024 * 1024 })).stdout;
  });

  it('holds the media the extension uses and no screenshots', () => {
    const media = files.filter((f) => f.startsWith('extension/media/')).map((f) => f.slice('extension/'.length));
    assert.deepEqual(media.sort(), mediaInUse(manifest), 'media/ in the .vsix is exactly what package.json uses');
    assert.deepEqual(
      files.filter((f) => /screenshot|\.(png|jpe?g|gif)$/i.test(f) && f !== `extension/${manifest.icon}`),
      [],
      'no pictures but the icon',
    );
    for (const needed of [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/extension-main.js',
      'extension/dist/promotion.schema.json',
      'extension/changelog.md',
    ])
      assert.ok(files.includes(needed), `${needed} is in the .vsix`);
  });

  it("has a README whose links and images are absolute, into the repository's files", () => {
    assert.equal(manifest.repository?.url, `${REPOSITORY}.git`);
    assert.deepEqual(relativeLinks(readme), [], 'no relative link or image is left in the packaged README');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]!);
    assert.ok(images.length >= 13, `the screenshots are still there (${images.length} images)`);
    for (const url of [...images, ...[...readme.matchAll(/\]\((https:\/\/github\.com\/image-promotion\/[^)\s#]+)/g)].map((m) => m[1]!)]) {
      const file = /^https:\/\/github\.com\/image-promotion\/image-promotion\/(?:raw|blob|tree)\/HEAD\/(.+)$/.exec(url)?.[1];
      if (!file) continue; // another page of the repository (issues)
      assert.ok(existsSync(path.join(ROOT, decodeURIComponent(file))), `${url} names ${file}, which the repository holds`);
    }
  });

  it('is the file both publish scripts publish', () => {
    const out = / -o (\S+)/.exec(manifest.scripts['package:vsix'] ?? '')?.[1];
    assert.ok(out, 'package:vsix names its output');
    assert.match(manifest.scripts['publish:ovsx'] ?? '', new RegExp(`\\bovsx@[0-9.]+ publish ${out.replace(/\./g, '\\.')}$`));
    assert.match(manifest.scripts['publish:marketplace'] ?? '', new RegExp(`\\bvsce publish .*--packagePath ${out.replace(/\./g, '\\.')}$`));
    assert.match(manifest.scripts['package:pre-release'] ?? '', /package:vsix -- --pre-release$/);
    // Ending in `--`, `npm run package -- -o <file>` (test/ui/vsix.test.ts) hands -o on to vsce, not to npm.
    assert.match(manifest.scripts.package ?? '', /&& npm run -s package:vsix --$/);
  });
});
