// Approvals signed with keys, end to end against the harness registry: a gate whose `from` lists a
// public key counts only approvals signed by it. Two key pairs made here with Node's crypto, one
// listed and one not; an unsigned approval, one by the other key, and a stored document edited after
// signing (its approver, or copied onto another digest) do not count, and the CLI says why.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { approvalsTag } from '../../src/records/approvals';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, expectStatus, makeTempDir, pushImage, registryRequest, uniqueRepo } from '../harness';
import { cliSuite, describeRun, runCli, workspace } from './support';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCUMENT = 'dev.image-promotion.document';

function keyPair(dir: string, name: string): { pub: string; key: string; privatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pub = path.join(dir, `${name}.pub`);
  const key = path.join(dir, `${name}.key`);
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  writeFileSync(key, privatePem, { mode: 0o600 });
  return { pub, key, privatePem };
}

interface ApprovalsDoc {
  environment: string;
  digest: string;
  approvals: { id: string; by: string; at: string; signature?: unknown }[];
}

describe('approvals signed with keys (CLI)', function () {
  this.timeout(120_000);
  const suite = cliSuite();

  const manifestUrl = (repo: string, tag: string): string => `${suite.svc.registryUrl}/v2/${repo}/manifests/${tag}`;
  async function readDoc(repo: string, tag: string): Promise<{ manifest: Record<string, unknown>; doc: ApprovalsDoc }> {
    const res = await registryRequest(manifestUrl(repo, tag), { headers: { Accept: OCI_MANIFEST } });
    expectStatus(res, [200], `GET ${tag}`);
    const manifest = JSON.parse(res.body.toString()) as { annotations: Record<string, string> };
    return { manifest, doc: JSON.parse(manifest.annotations[DOCUMENT]!) as ApprovalsDoc };
  }
  async function writeDoc(repo: string, tag: string, manifest: Record<string, unknown>, doc: ApprovalsDoc): Promise<void> {
    const annotations = { ...(manifest.annotations as Record<string, string>), [DOCUMENT]: JSON.stringify(doc) };
    const body = Buffer.from(JSON.stringify({ ...manifest, annotations }));
    expectStatus(await registryRequest(manifestUrl(repo, tag), { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST }, body }), [201], `PUT ${tag}`);
  }

  it('only an approval signed by a listed key counts; unsigned, another key, an edited approver or another digest do not, and Check Gates says why', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(suite.svc.registryUrl, repo, 'c0ffee1');
    const other = await pushImage(suite.svc.registryUrl, repo, 'c0ffee2');
    const dir = workspace(
      promotionYaml(`${suite.svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: ['{ type: approval, name: signed off, count: 1, from: [keys/ana.pub] }'] },
      ]),
    );
    mkdirSync(path.join(dir, 'keys'));
    const secrets = makeTempDir('approval-keys'); // private keys live outside the workspace
    const ana = keyPair(secrets, 'ana');
    const eve = keyPair(secrets, 'eve');
    copyFileSync(ana.pub, path.join(dir, 'keys', 'ana.pub'));
    const run = (...args: string[]) => runCli(args, { cwd: dir, env: suite.env });
    const neverPrinted = (r: { stdout: string; stderr: string }): void => {
      for (const pem of [ana.privatePem, eve.privatePem]) {
        const body = pem.split('\n')[1]!;
        assert.ok(!(r.stdout + r.stderr).includes(body), 'a private key is never printed');
      }
      assert.doesNotMatch(r.stdout + r.stderr, /PRIVATE KEY/);
    };
    assert.equal((await run('promote', 'development', '--build', 'c0ffee1')).code, 0);

    const byEve = await run('approve', 'staging', '--build', 'c0ffee1', '--approved-by', 'eve', '--key', eve.key);
    assert.equal(byEve.code, 0, describeRun(byEve));
    assert.match(
      byEve.stdout,
      /^eve approved sha256:\w{12} for staging, signed with key [0-9a-f]{12} .*Note: key [0-9a-f]{12} is not among the keys signed off lists/,
    );
    neverPrinted(byEve);
    const unsigned = await run('approve', 'staging', '--build', 'c0ffee1', '--approved-by', 'ana');
    assert.equal(unsigned.code, 0, describeRun(unsigned));
    assert.match(unsigned.stdout, /Note: it is not signed, and signed off counts only approvals signed by a listed key/);

    const blocked = await run('promote', 'staging', '--yes', '--approved-by', 'carl');
    assert.equal(blocked.code, 1, describeRun(blocked));
    assert.match(
      blocked.stdout,
      /signed off: 0 of 1 approvals: no approval given ahead \(signed approvals only\); approval by eve is not signed by a listed key; approval by ana is not signed by a listed key; 1 more needed signed by keys\/ana\.pub/,
    );
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), undefined, 'nothing moved');

    // Ana signs with her key (replacing her unsigned approval).
    const byAna = await run('approve', 'staging', '--build', 'c0ffee1', '--approved-by', 'ana', '--key', ana.key, '--json');
    assert.equal(byAna.code, 0, describeRun(byAna));
    neverPrinted(byAna);
    const given = JSON.parse(byAna.stdout) as { keyId: string; approvals: { by: string; signed: boolean }[] };
    assert.match(given.keyId, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      given.approvals.map((a) => [a.by, a.signed]),
      [
        ['eve', true],
        ['ana', true],
      ],
    );

    // The stored document edited afterwards: ana's approval now names mallory. It does not count.
    const tag = approvalsTag({ tag: 'staging' }, build.digest);
    const { manifest, doc } = await readDoc(repo, tag);
    await writeDoc(repo, tag, manifest, { ...doc, approvals: doc.approvals.map((a) => (a.by === 'ana' ? { ...a, by: 'mallory' } : a)) });
    const edited = await run('check', 'staging', '--build', 'c0ffee1', '--json');
    assert.equal(edited.code, 1, describeRun(edited));
    const gate = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { gates: { name: string; status: string; reason: string; details?: string[] }[] }).gates.find((g) => g.name === 'signed off')!;
    assert.equal(gate(edited).status, 'failed');
    assert.match(gate(edited).reason, /approval by mallory is not signed by a listed key/);
    assert.ok(gate(edited).details!.includes('approval by mallory is not signed by a listed key: it was signed by ana, not mallory'), describeRun(edited));

    // Put back what ana signed: the promotion passes and its record names her key.
    await writeDoc(repo, tag, manifest, doc);
    const done = await run('promote', 'staging', '--yes', '--approved-by', 'carl', '--json');
    assert.equal(done.code, 0, describeRun(done));
    assert.match(gate(done).reason, /^1 of 1 approvals: approved by ana \(keys\/ana\.pub\)/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), build.digest);

    // The signed document copied onto another build now in development, its digest field edited to match: not believed either.
    assert.equal((await run('promote', 'development', '--build', 'c0ffee2')).code, 0);
    const otherTag = approvalsTag({ tag: 'staging' }, other.digest);
    await writeDoc(repo, otherTag, manifest, { ...doc, digest: other.digest });
    const copied = await run('check', 'staging', '--build', 'c0ffee2', '--json');
    assert.equal(copied.code, 1, describeRun(copied));
    assert.ok(
      gate(copied).details!.some((d) => /^approval by ana is not signed by a listed key: it was signed for another digest \(sha256:\w{12}\)$/.test(d)),
      describeRun(copied),
    );
  });

  it('a key file that is missing or holds a private key is a config error at its line (exit 2)', async () => {
    const repo = uniqueRepo();
    const dir = workspace(
      promotionYaml(`${suite.svc.registry}/${repo}`, [
        { name: 'development', tag: 'dev' },
        { name: 'staging', gates: ['{ type: approval, from: [keys/missing.pub] }'] },
      ]),
    );
    const missing = await runCli(['status'], { cwd: dir, env: suite.env });
    assert.equal(missing.code, 2, describeRun(missing));
    assert.match(
      missing.stderr,
      /\.promotion\.yaml:8:\d+: environments\[1\]\.gates\[0\]\.from\[0\]: the key file keys\/missing\.pub cannot be read \(no such file\)/,
    );
    mkdirSync(path.join(dir, 'keys'));
    const { privatePem } = keyPair(makeTempDir('approval-keys'), 'x');
    writeFileSync(path.join(dir, 'keys', 'missing.pub'), privatePem);
    const privateKey = await runCli(['status'], { cwd: dir, env: suite.env });
    assert.equal(privateKey.code, 2, describeRun(privateKey));
    assert.match(privateKey.stderr, /from\[0\]: keys\/missing\.pub holds a PRIVATE KEY, not a public key/);
    assert.ok(!privateKey.stderr.includes(privatePem.split('\n')[1]!), 'nothing of the key is printed');
  });
});
