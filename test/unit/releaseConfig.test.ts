import * as assert from 'node:assert/strict';
import { componentsOf, forComponent } from '../../src/config/components';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { ConfigDiagnostic } from '../../src/config/types';

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;
const lineOf = (text: string, needle: string, occurrence = 0): number => {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) offset = text.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, needle);
  return text.slice(0, offset).split('\n').length - 1;
};
const errors = (text: string): ConfigDiagnostic[] => parsePromotionConfig(text).diagnostics.filter((d) => d.severity === 'error');
const ENVS = ['environments:', '  - name: staging', '    tag: staging', '  - name: production', '    tag: production'];

describe('images: a release of several images', () => {
  it('parses each image as a component; every environment sits under its tag in each repository', () => {
    const parsed = parsePromotionConfig(
      yaml('images:', '  - name: api', '    image: registry.example.com/shop/api', '  - name: web', '    image: other.example.com:5000/shop/web', ...ENVS),
    );
    assert.deepEqual(parsed.diagnostics, []);
    const config = parsed.config!;
    assert.deepEqual(
      componentsOf(config).map((c) => [c.name, c.repository.registry, c.repository.path]),
      [
        ['api', 'registry.example.com', 'shop/api'],
        ['web', 'other.example.com:5000', 'shop/web'],
      ],
    );
    const web = forComponent(config, 'web');
    assert.deepEqual(
      web.environments.map((e) => `${e.repository.registry}/${e.repository.path}:${e.tag}`),
      ['other.example.com:5000/shop/web:staging', 'other.example.com:5000/shop/web:production'],
    );
    assert.equal(web.repository.path, 'shop/web');
  });

  it('a single image is a release of one, named after its repository', () => {
    const config = parsePromotionConfig(yaml('image: registry.example.com/shop/api', ...ENVS)).config!;
    assert.equal(config.components, undefined);
    assert.deepEqual(
      componentsOf(config).map((c) => c.name),
      ['api'],
    );
    assert.equal(forComponent(config, 'api'), config);
  });

  it('says on its line that two images share a name', () => {
    const text = yaml('images:', '  - name: api', '    image: r.example.com/api', '  - name: API', '    image: r.example.com/web', ...ENVS);
    const [d, ...rest] = errors(text);
    assert.equal(rest.length, 0);
    assert.equal(d!.range.startLine, lineOf(text, 'name: API'));
    assert.match(d!.message, /^images\[1\]\.name: the name "API" is already used by images\[0\] on line 2/);
  });

  it('says on the images key that the config has both image and images', () => {
    const text = yaml('image: r.example.com/api', 'images:', '  - name: api', '    image: r.example.com/api', ...ENVS);
    const [d, ...rest] = errors(text);
    assert.equal(rest.length, 0);
    assert.equal(d!.range.startLine, lineOf(text, 'images:'));
    assert.match(d!.message, /both "image" \(line 1\) and "images"/);
  });

  it('says on its line that the list is empty', () => {
    const text = yaml('images: []', ...ENVS);
    const found = errors(text);
    assert.ok(found.length >= 1);
    assert.ok(found.every((d) => d.range.startLine === 0));
    assert.ok(
      found.some((d) => /images.*(empty|at least 1|fewer than 1)/i.test(d.message)),
      JSON.stringify(found),
    );
  });

  it('says that a config needs image or images', () => {
    const [d, ...rest] = errors(yaml(...ENVS));
    assert.equal(rest.length, 0);
    assert.match(d!.message, /"image".*or "images"/);
  });

  it('refuses an environment image in a release, and the same repository twice', () => {
    const text = yaml(
      'images:',
      '  - name: api',
      '    image: r.example.com/api',
      '  - name: web',
      '    image: r.example.com/api',
      'environments:',
      '  - name: staging',
      '    tag: staging',
      '    image: r.example.com/elsewhere',
    );
    const found = errors(text);
    assert.deepEqual(
      found.map((d) => d.range.startLine),
      [lineOf(text, 'image: r.example.com/api', 1), lineOf(text, 'image: r.example.com/elsewhere')],
    );
    assert.match(found[0]!.message, /already images\[0\] on line 3/);
    assert.match(found[1]!.message, /cannot name its own image/);
  });

  it('${digest:<name>} in http gates, verify gates and the deploy webhook names an image of the release, else an error at its line', () => {
    const release = (url: string) =>
      yaml(
        'images:',
        '  - name: api',
        '    image: r.example.com/api',
        '  - name: worker',
        '    image: r.example.com/worker',
        'environments:',
        '  - name: staging',
        '    tag: staging',
        '    gates:',
        `      - { type: http, name: check, url: "${url}" }`,
        '    verify:',
        '      - { type: http, name: smoke, url: "https://s.example.com/v", headers: { X-Digest: "${digest:wrker}" } }',
      );
    const text = release('https://s.example.com/check/${digest}/${digest:worker}');
    const [d, ...rest] = errors(text);
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(d!.range.startLine, lineOf(text, 'X-Digest'));
    assert.match(d!.message, /\$\{digest:wrker\} names no image of the release; its images are api, worker/);

    const single = yaml(
      'image: r.example.com/api',
      'environments:',
      '  - name: staging',
      '    tag: staging',
      '    gates:',
      '      - { type: http, name: c, url: "https://s.example.com/${digest:api}" }',
    );
    const [s1, ...others] = errors(single);
    assert.equal(others.length, 0);
    assert.match(s1!.message, /\$\{digest:api\} reads an image of a release \(images:\); this config has one image, whose digest is \$\{digest\}/);
  });
});
