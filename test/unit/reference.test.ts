import * as assert from 'node:assert/strict';
import {
  DOCKER_HUB,
  ReferenceError,
  formatReference,
  isDigest,
  isLoopbackRegistry,
  isSha256Digest,
  isValidTag,
  parseReference,
  parseRepository,
  pullReference,
  registryApiHost,
  repositoryName,
  sameRepository,
  shortDigest,
} from '../../src/core/reference';

const HEX64 = '0123456789abcdef'.repeat(4);
const DIGEST = `sha256:${HEX64}`;

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ReferenceError, `a ReferenceError, not ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('image references', () => {
  describe('parseRepository', () => {
    it('puts a bare name on Docker Hub under library/', () => {
      assert.deepEqual(parseRepository('nginx'), { registry: DOCKER_HUB, path: 'library/nginx' });
      assert.equal(repositoryName(parseRepository('nginx')), 'docker.io/library/nginx');
    });

    it('keeps a Docker Hub user repository as it is', () => {
      assert.deepEqual(parseRepository('someuser/app'), { registry: 'docker.io', path: 'someuser/app' });
    });

    it('treats docker.io/nginx, index.docker.io/nginx and nginx as one repository', () => {
      const expected = { registry: 'docker.io', path: 'library/nginx' };
      assert.deepEqual(parseRepository('docker.io/nginx'), expected);
      assert.deepEqual(parseRepository('docker.io/library/nginx'), expected);
      assert.deepEqual(parseRepository('index.docker.io/nginx'), expected);
      assert.ok(sameRepository(parseRepository('index.docker.io/library/nginx'), parseRepository('nginx')));
    });

    it('recognises registries by a dot, a port, localhost or capitals in the first component', () => {
      assert.deepEqual(parseRepository('localhost:5000/app'), { registry: 'localhost:5000', path: 'app' });
      assert.deepEqual(parseRepository('localhost/app'), { registry: 'localhost', path: 'app' });
      assert.deepEqual(parseRepository('registry.example.com/team/my-app'), { registry: 'registry.example.com', path: 'team/my-app' });
      assert.deepEqual(parseRepository('myregistry:443/a/b/c'), { registry: 'myregistry:443', path: 'a/b/c' });
      assert.deepEqual(parseRepository('Registry/app'), { registry: 'Registry', path: 'app' });
    });

    it('accepts an IPv6 registry in brackets', () => {
      assert.deepEqual(parseRepository('[::1]:5000/app'), { registry: '[::1]:5000', path: 'app' });
      assert.deepEqual(parseRepository('[fe80::1]/team/app'), { registry: '[fe80::1]', path: 'team/app' });
    });

    it('accepts the path separators of the grammar', () => {
      assert.equal(parseRepository('a/b.c_d__e--f').path, 'a/b.c_d__e--f');
    });

    it('trims surrounding blanks', () => {
      assert.deepEqual(parseRepository('  ghcr.io/org/app \n'), { registry: 'ghcr.io', path: 'org/app' });
    });

    it('rejects what is not a repository, saying why', () => {
      rejects(() => parseRepository(''), /empty/);
      rejects(() => parseRepository('   '), /empty/);
      rejects(() => parseRepository('myapp:latest'), /"myapp:latest" has a tag/);
      rejects(() => parseRepository('registry.example.com/app:1.0'), /has a tag/);
      rejects(() => parseRepository(`app@${DIGEST}`), /has a digest/);
      rejects(() => parseRepository('a//b'), /"" in "a\/\/b" is not a valid repository path component/);
      rejects(() => parseRepository('Registry.Example.com/Team/App'), /"Team" in .* is not a valid repository path component/);
      rejects(() => parseRepository('team/App'), /"App"/);
      rejects(() => parseRepository('-app'), /"-app"/);
      rejects(() => parseRepository('app-'), /"app-"/);
      rejects(() => parseRepository('a/b/'), /not a valid repository path component/);
      rejects(() => parseRepository('bad_host.example.com/app'), /"bad_host\.example\.com" is not a valid registry host/);
      rejects(() => parseRepository('[::1/app'), /not a valid registry host/);
    });

    it('rejects names longer than 255 characters', () => {
      const long = `registry.example.com/${'a'.repeat(240)}`;
      assert.ok(long.length > 255);
      rejects(() => parseRepository(long), /longer than 255/);
      const fits = `registry.example.com/${'a'.repeat(255 - 'registry.example.com/'.length)}`;
      assert.equal(repositoryName(parseRepository(fits)).length, 255);
    });
  });

  describe('parseReference', () => {
    it('splits registry, path, tag and digest', () => {
      assert.deepEqual(parseReference(`127.0.0.1:5000/a/b:tag@${DIGEST}`), {
        registry: '127.0.0.1:5000',
        path: 'a/b',
        tag: 'tag',
        digest: DIGEST,
      });
    });

    it('does not mistake a registry port for a tag', () => {
      assert.deepEqual(parseReference('localhost:5000/app'), { registry: 'localhost:5000', path: 'app' });
      assert.deepEqual(parseReference('[::1]:5000/app:v1'), { registry: '[::1]:5000', path: 'app', tag: 'v1' });
    });

    it('applies the Docker Hub defaults', () => {
      assert.deepEqual(parseReference('nginx:1.25'), { registry: 'docker.io', path: 'library/nginx', tag: '1.25' });
      assert.deepEqual(parseReference(`nginx@${DIGEST}`), { registry: 'docker.io', path: 'library/nginx', digest: DIGEST });
    });

    it('rejects bad tags, digests and empty input', () => {
      rejects(() => parseReference(''), /empty/);
      rejects(() => parseReference('app:-bad'), /"-bad" is not a valid tag/);
      rejects(() => parseReference(`app:${'t'.repeat(129)}`), /is not a valid tag/);
      rejects(() => parseReference('app@sha256:abc'), /"sha256:abc" is not a digest/);
      rejects(() => parseReference('App:1'), /"App"/);
    });

    it('formats back to the full reference', () => {
      const text = `registry.example.com/team/app:v1@${DIGEST}`;
      assert.equal(formatReference(parseReference(text)), text);
      assert.equal(formatReference(parseReference('nginx')), 'docker.io/library/nginx');
      assert.equal(pullReference(parseRepository('ghcr.io/org/app'), DIGEST), `ghcr.io/org/app@${DIGEST}`);
    });
  });

  describe('tags and digests', () => {
    it('follows the OCI tag grammar', () => {
      for (const tag of ['latest', 'v1.2.3', '3f9c2ab', '_x', 'A-b_c.d', 'a'.repeat(128)]) assert.ok(isValidTag(tag), tag);
      for (const tag of ['', '-bad', '.bad', 'a/b', 'a:b', 'a b', 'é', 'a'.repeat(129)]) assert.ok(!isValidTag(tag), tag);
    });

    it('recognises digests', () => {
      assert.ok(isDigest(DIGEST));
      assert.ok(isSha256Digest(DIGEST));
      assert.ok(isDigest(`sha512:${HEX64}${HEX64}`));
      assert.ok(!isSha256Digest(`sha512:${HEX64}${HEX64}`));
      assert.ok(!isSha256Digest(`sha256:${HEX64.toUpperCase()}`));
      assert.ok(!isDigest('sha256:abc'));
      assert.ok(!isDigest(HEX64));
    });

    it('shortens a digest to its algorithm and 12 characters', () => {
      assert.equal(shortDigest(DIGEST), `sha256:${HEX64.slice(0, 12)}`);
      assert.equal(shortDigest(HEX64), HEX64.slice(0, 12));
      assert.equal(shortDigest('sha256:abc'), 'sha256:abc');
    });
  });

  describe('registries', () => {
    it('treats loopback registries as loopback, whatever the port', () => {
      for (const registry of ['localhost', 'localhost:5000', '127.0.0.1', '127.0.0.1:5000', '127.10.20.30:80', '[::1]', '[::1]:5000']) {
        assert.ok(isLoopbackRegistry(registry), registry);
      }
    });

    it('treats everything else as remote', () => {
      for (const registry of [
        'docker.io',
        'registry.example.com',
        'localhost.example.com',
        'mylocalhost:5000',
        '128.0.0.1:5000',
        '10.0.0.1',
        '[::2]:5000',
        '[fe80::1]',
      ]) {
        assert.ok(!isLoopbackRegistry(registry), registry);
      }
    });

    it("uses Docker Hub's API host for docker.io", () => {
      assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
      assert.equal(registryApiHost('index.docker.io'), 'registry-1.docker.io');
      assert.equal(registryApiHost('ghcr.io'), 'ghcr.io');
    });

    it('compares repositories by registry and path', () => {
      assert.ok(sameRepository(parseRepository('nginx'), parseRepository('docker.io/library/nginx')));
      assert.ok(!sameRepository(parseRepository('registry.example.com/app'), parseRepository('registry.example.com:443/app')));
      assert.ok(!sameRepository(parseRepository('a/app'), parseRepository('b/app')));
    });
  });
});
