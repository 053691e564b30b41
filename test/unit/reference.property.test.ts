// Property tests of the reference grammar against distribution/reference's own grammar
// (github.com/distribution/reference regexp.go and normalize.go), written out here independently.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatReference, isValidTag, parseReference, parseRepository, ReferenceError, repositoryName } from '../../src/core/reference';

// ---- distribution/reference, as its regexp.go builds them ----
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_AND_PORT = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const NAME = new RegExp(`^(?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

/** ParseNormalizedNamed for a name without tag or digest: the normalised name, or undefined when refused. */
function distributionRepository(s: string): string | undefined {
  if (!s || s.includes('@')) return undefined;
  // splitDockerDomain
  const slash = s.indexOf('/');
  let domain = 'docker.io';
  let remainder = s;
  if (slash >= 0) {
    const first = s.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      remainder = s.slice(slash + 1);
    }
  }
  // A first component taken for the registry must be a host: distribution's regex would otherwise
  // read "a_0.0/a" back as a path with no registry at all, a name no client can pull.
  if (domain !== 'docker.io' && !new RegExp(`^${DOMAIN_AND_PORT}$`).test(domain)) return undefined;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  if (remainder.toLowerCase() !== remainder) return undefined; // "repository name must be lowercase"
  const name = `${domain}/${remainder}`;
  if (!NAME.test(name) || name.length > NAME_TOTAL_LENGTH_MAX) return undefined;
  return name;
}

/** What our parser makes of it, the same way. */
function ourRepository(s: string): string | undefined {
  try {
    return repositoryName(parseRepository(s));
  } catch (error) {
    assert.ok(error instanceof ReferenceError, `threw ${String(error)} for ${JSON.stringify(s)}`);
    return undefined;
  }
}

const chars = (alphabet: string, max: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...alphabet), maxLength: max });
const tagText = fc.oneof(
  chars('abcXYZ019_.-', 12),
  chars('aZ9_.-:/@ é', 8),
  fc.string({ minLength: 120, maxLength: 140, unit: fc.constantFrom('a', '1', '_', '.', '-') }),
);
const domainText = fc.oneof(
  chars('abc019.-', 10),
  fc.tuple(chars('abcXY019.-', 8), fc.constantFrom('', ':5000', ':', ':x', '.com')).map(([a, b]) => a + b),
  fc.constantFrom('localhost', 'localhost:5000', 'index.docker.io', 'docker.io', '[::1]:5000', '[fe80::1]', '[zz]', 'Reg.Example.COM', 'a..b', '-a.com'),
);
const pathText = fc.array(chars('abz09._-A', 8), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const repositoryText = fc.oneof(
  pathText,
  fc.tuple(domainText, pathText).map(([d, p]) => `${d}/${p}`),
  fc.tuple(domainText, fc.string({ minLength: 240, maxLength: 260, unit: fc.constantFrom('a', 'b', '/') })).map(([d, p]) => `${d}/${p}`),
);

/** References distribution accepts, built from its grammar: for the round trips. */
const validComponent = fc
  .tuple(chars('abc0189', 4), fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), chars('abc0189', 3)), { maxLength: 2 }))
  .map(([head, rest]) => (head || 'a') + rest.map(([s, c]) => s + (c || '0')).join(''));
const validDomain = fc.oneof(
  fc.constantFrom('localhost:5000', 'registry.example.com', 'ghcr.io', '127.0.0.1:5000', '[::1]:5000', 'Reg.Example.com'),
  fc.tuple(validComponent, validComponent).map(([a, b]) =>
    `${a.replace(/[._]+/g, '')}.${b.replace(/[._]+/g, '')}`
      .replace(/^-+|-+$/g, 'x')
      .replace(/-\./g, 'x.')
      .replace(/\.-/g, '.x'),
  ),
);
const validTag = fc.tuple(fc.constantFrom('a', 'Z', '0', '_'), chars('abcXYZ019_.-', 20)).map(([a, b]) => a + b);
const validDigest = fc.constantFrom(`sha256:${'a'.repeat(64)}`, `sha256:${'0123456789abcdef'.repeat(4)}`, `sha512:${'f'.repeat(128)}`);
const validReference = fc
  .record({
    domain: fc.option(validDomain),
    path: fc.array(validComponent, { minLength: 1, maxLength: 3 }),
    tag: fc.option(validTag),
    digest: fc.option(validDigest),
  })
  .map(({ domain, path, tag, digest }) => `${domain ? `${domain}/` : ''}${path.join('/')}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`)
  // A first path component with a "." is a registry host to distribution too; keep what it accepts.
  .filter((text) => distributionRepository(namePart(text)) !== undefined);

/** The name part of `name[:tag][@digest]`. */
function namePart(text: string): string {
  const name = text.replace(/@.*$/, '');
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

const RUNS = { numRuns: 500 };

describe('reference grammar (property tests against distribution/reference)', () => {
  it('a tag is valid exactly when distribution accepts it', () => {
    fc.assert(
      fc.property(tagText, (tag) => isValidTag(tag) === TAG.test(tag)),
      RUNS,
    );
  });

  it('a repository parses exactly when distribution accepts it, to the same normalised name', () => {
    fc.assert(
      fc.property(repositoryText, (text) => {
        assert.equal(ourRepository(text), distributionRepository(text), JSON.stringify(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('parse and format round-trip every reference distribution accepts', () => {
    fc.assert(
      fc.property(validReference, (text) => {
        const parsed = parseReference(text);
        const formatted = formatReference(parsed);
        assert.deepEqual(parseReference(formatted), parsed, `${text} → ${formatted}`);
        assert.equal(formatReference(parseReference(formatted)), formatted);
        assert.equal(repositoryName(parsed), distributionRepository(namePart(text)));
      }),
      RUNS,
    );
  });

  it('never throws anything but a ReferenceError, whatever the text', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.string({ unit: 'binary', maxLength: 50 }),
      repositoryText.map((r) => `${r}:x@y`),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        for (const parse of [parseReference, parseRepository]) {
          try {
            parse(text);
          } catch (error) {
            if (!(error instanceof ReferenceError)) throw new Error(`${parse.name}(${JSON.stringify(text)}) threw ${String(error)}`, { cause: error });
            assert.ok(error.message.length > 0);
          }
        }
      }),
      RUNS,
    );
  });
});
