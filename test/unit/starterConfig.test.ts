import * as assert from 'node:assert/strict';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import { PLACEHOLDER_IMAGE, guessImagesFromCompose, isComposeFileName, starterConfig } from '../../src/config/starterConfig';
import type { PromotionConfig } from '../../src/config/types';
import { parseRepository } from '../../src/core/reference';

/** Parses a starter config, which must have neither errors nor warnings. */
function parseClean(text: string): PromotionConfig {
  const result = parsePromotionConfig(text);
  assert.deepEqual(result.diagnostics, [], text);
  assert.ok(result.config);
  return result.config;
}

const compose = (name: string, ...lines: string[]) => ({ name, text: `${lines.join('\n')}\n` });

describe('starter config', () => {
  it('uses the placeholder, with a comment to change it, when there is no guess', () => {
    const text = starterConfig(undefined);
    const config = parseClean(text);
    assert.equal(config.image, PLACEHOLDER_IMAGE);
    const imageLine = text.split('\n').find((line) => line.startsWith('image:'));
    assert.ok(imageLine?.includes(PLACEHOLDER_IMAGE));
    assert.match(imageLine!, /#.*change/i);
  });

  it('uses the guessed image', () => {
    const config = parseClean(starterConfig('ghcr.io/org/shop'));
    assert.equal(config.image, 'ghcr.io/org/shop');
    assert.deepEqual(config.repository, parseRepository('ghcr.io/org/shop'));
  });

  it('has development, staging and production, with production protected', () => {
    for (const image of [undefined, 'registry.example.com/team/api']) {
      const config = parseClean(starterConfig(image));
      assert.deepEqual(
        config.environments.map((e) => [e.name, e.tag, e.protected, e.gates.length]),
        [
          ['development', 'dev', false, 0],
          ['staging', 'staging', false, 0],
          ['production', 'production', true, 0],
        ],
      );
      assert.ok(config.environments.every((e) => e.image === config.image));
    }
  });

  it('quotes an image YAML would otherwise misread', () => {
    const config = parseClean(starterConfig('[::1]:5000/app'));
    assert.deepEqual(config.repository, { registry: '[::1]:5000', path: 'app' });
  });

  it('keeps the repository of a guess that carries a tag or digest', () => {
    const config = parseClean(starterConfig(`localhost:5000/app:1.0@sha256:${'ab'.repeat(32)}`));
    assert.equal(config.image, 'localhost:5000/app');
  });

  it('falls back to the placeholder for a guess that is not an image', () => {
    for (const guess of ['', 'Not An Image', '${REGISTRY}/app']) {
      assert.equal(parseClean(starterConfig(guess)).image, PLACEHOLDER_IMAGE, guess);
    }
  });

  it('has a commented-out command gate on staging that is valid once uncommented', () => {
    const text = starterConfig(undefined);
    const uncommented = text.replace(/^( {4})# (gates:|  - type: command|    \w+: .*)$/gm, '$1$2');
    assert.notEqual(uncommented, text, 'the starter has a commented-out gate');
    const config = parseClean(uncommented);
    const staging = config.environments.find((e) => e.name === 'staging');
    assert.equal(staging?.gates.length, 1);
    assert.equal(staging?.gates[0]?.type, 'command');
  });

  it('explains itself in comments', () => {
    const text = starterConfig(undefined);
    const comments = text.split('\n').filter((line) => line.trimStart().startsWith('#'));
    assert.ok(comments.length >= 8, `only ${comments.length} comment lines`);
  });
});

describe('guessImagesFromCompose', () => {
  it('returns service image repositories without tags or digests, in order', () => {
    const images = guessImagesFromCompose([
      compose(
        'docker-compose.yml',
        'services:',
        '  web:',
        '    image: registry.example.com/team/web:1.4',
        '    build: .',
        '  worker:',
        `    image: registry.example.com/team/worker@sha256:${'cd'.repeat(32)}`,
        '  cache:',
        '    image: redis:7-alpine',
      ),
    ]);
    assert.deepEqual(images, ['registry.example.com/team/web', 'registry.example.com/team/worker', 'redis']);
  });

  it('keeps the order services are written in, even with numeric names', () => {
    const images = guessImagesFromCompose([
      compose('compose.yaml', 'services:', '  zeta:', '    image: z', '  "2":', '    image: two', '  alpha:', '    image: a'),
    ]);
    assert.deepEqual(images, ['z', 'two', 'a']);
  });

  it('skips interpolated, invalid and missing images', () => {
    const images = guessImagesFromCompose([
      compose(
        'docker-compose.yaml',
        'services:',
        '  a:',
        '    image: ${REGISTRY}/x',
        '  b:',
        '    image: $REGISTRY/y:latest',
        '  c:',
        '    image: Not/Valid',
        '  d:',
        '    build: ./d',
        '  e:',
        '    image: 42',
        '  f:',
        '    image: ghcr.io/org/f',
      ),
    ]);
    assert.deepEqual(images, ['ghcr.io/org/f']);
  });

  it('removes duplicates across files, comparing normalised repositories', () => {
    const images = guessImagesFromCompose([
      compose('docker-compose.yml', 'services:', '  web:', '    image: nginx:1.25', '  api:', '    image: ghcr.io/org/api:dev'),
      compose(
        'docker-compose.prod.yml',
        'services:',
        '  web:',
        '    image: docker.io/library/nginx:1.25',
        '  api:',
        '    image: ghcr.io/org/api:prod',
        '  db:',
        '    image: postgres',
      ),
    ]);
    assert.deepEqual(images, ['nginx', 'ghcr.io/org/api', 'postgres']);
  });

  it('ignores files that are not compose files or not valid YAML', () => {
    const images = guessImagesFromCompose([
      compose('compose.yml', 'services: [a, b'),
      compose('compose.override.yml', 'version: "3"'),
      compose('compose.yaml', '- services'),
      compose('docker-compose.yml', 'x-base: &base', '  image: ghcr.io/org/base:1', 'services:', '  app:', '    <<: *base'),
    ]);
    assert.deepEqual(images, ['ghcr.io/org/base']);
  });

  it('gives a guess the starter config accepts', () => {
    const [guess] = guessImagesFromCompose([compose('docker-compose.yml', 'services:', '  app:', '    image: localhost:5000/team/app:dev')]);
    assert.equal(parseClean(starterConfig(guess)).image, 'localhost:5000/team/app');
  });

  it('recognises compose file names', () => {
    for (const name of [
      'docker-compose.yml',
      'docker-compose.prod.yaml',
      'compose.yaml',
      'compose.override.yml',
      'sub/dir/compose.yml',
      'C:\\x\\docker-compose.yml',
    ]) {
      assert.ok(isComposeFileName(name), name);
    }
    for (const name of ['compose.json', 'my-compose.yml', 'docker-compose.yml.bak', 'compose/app.yml']) {
      assert.ok(!isComposeFileName(name), name);
    }
  });
});
