// The README and docs/ link to each other (the internals moved out of the README into docs/): every
// relative link names a file of the repository, and every #anchor a heading of that file, as GitHub
// makes its ids.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** GitHub's heading id: lower case, punctuation but `-` and `_` dropped, spaces as dashes. */
export function headingId(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function headingIds(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => headingId(m[1]!)));
}

describe('the README and docs/', () => {
  const files = [
    'README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];

  it('gives the two commands for a fresh clone and a list of further docs', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.match(readme, /^\.ci\/setup && npm run demo {3}#/m);
    assert.match(readme, /^\.ci\/setup && npm test {7}#/m);
    assert.match(readme, /^## More\n/m);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const [, target] of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [linked, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = linked ? path.join(path.dirname(file), decodeURIComponent(linked)) : file;
        if (!existsSync(path.join(ROOT, resolved))) broken.push(`${file}: ${target} (no ${resolved})`);
        else if (anchor && resolved.endsWith('.md') && !headingIds(readFileSync(path.join(ROOT, resolved), 'utf8')).has(anchor))
          broken.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
