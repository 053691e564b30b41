// The bundles give bcrypt-pbkdf (ssh2's encrypted OpenSSH keys) the project's tweetnacl 1.0.3 instead of
// its own 0.14 (esbuild.mjs, one-tweetnacl). Here bcrypt-pbkdf is loaded the same way, on 1.0.3, and
// must still derive the key that opens an OpenSSH key ssh-keygen encrypted: the public key it finds
// is the one ssh-keygen wrote, and a wrong passphrase opens nothing.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Module = require('node:module');
import { join } from 'node:path';
import { makeTempDir } from '../harness';

type Resolve = (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string;
interface ParsedKey {
  getPublicSSH(): Buffer;
}

describe('one tweetnacl in the bundles: bcrypt-pbkdf on tweetnacl 1.0.3', () => {
  it('opens an ed25519 key ssh-keygen encrypted with a passphrase (bcrypt KDF), and refuses a wrong passphrase', function () {
    this.timeout(30_000);
    const dir = makeTempDir('one-tweetnacl');
    const file = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame', '-C', '', '-f', file]);
    const [type, publicBase64] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ');
    assert.equal(type, 'ssh-ed25519');

    const project = require.resolve('tweetnacl');
    const bcrypt = require.resolve('bcrypt-pbkdf');
    const keyParser = require.resolve('ssh2/lib/protocol/keyParser.js');
    const resolver = Module as unknown as { _resolveFilename: Resolve };
    const original = resolver._resolveFilename;
    const cached = [bcrypt, keyParser].map((f) => [f, require.cache[f]] as const);
    resolver._resolveFilename = function (this: unknown, request, parent, ...rest) {
      return request === 'tweetnacl' && parent?.filename === bcrypt ? project : original.call(this, request, parent, ...rest);
    };
    let parseKey: (data: Buffer, passphrase?: string) => ParsedKey | Error;
    try {
      for (const [f] of cached) delete require.cache[f];
      ({ parseKey } = require(keyParser) as { parseKey: typeof parseKey });
      const loaded = require.cache[bcrypt]!.children.map((c) => c.filename);
      assert.deepEqual(loaded, [project], 'bcrypt-pbkdf loaded the project tweetnacl (1.0.3), not its own');
    } finally {
      resolver._resolveFilename = original;
      for (const [f, m] of cached) {
        if (m) require.cache[f] = m;
        else delete require.cache[f];
      }
    }
    assert.equal((JSON.parse(readFileSync(join(project, '..', 'package.json'), 'utf8')) as { version: string }).version, '1.0.3');

    const key = readFileSync(file);
    assert.match(key.toString(), /BEGIN OPENSSH PRIVATE KEY/);
    const opened = parseKey(key, 'open sesame');
    assert.ok(!(opened instanceof Error), String(opened));
    assert.equal((opened as ParsedKey).getPublicSSH().toString('base64'), publicBase64);
    assert.ok(parseKey(key, 'wrong') instanceof Error, 'a wrong passphrase derives another key: nothing opens');
  });
});
