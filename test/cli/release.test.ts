// A release of three images through the CLI, as a separate process against the harness's real
// registries: api (single platform) and web (a multi-platform index) in the plain registry, worker
// in the second (htpasswd) registry. Digests are checked over plain HTTP and with skopeo, never
// through the CLI's own client.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { commandGate, type EnvironmentSpec } from '../fixtures/promotionYaml';
import { releaseYaml } from '../fixtures/releaseYaml';
import { digestOf, makeTempDir, pushImage, pushIndex, skopeoDigest, tagExisting, uniqueRepo } from '../harness';
import { cliSuite, describeRun, runCli, workspace } from './support';

interface ReleaseStatus {
  environments: {
    name: string;
    state: string;
    description: string;
    release?: { state: string; build?: string; differs?: string[]; images: { name: string; state: string; digest?: string }[] };
  }[];
  builds: { rows: { tag: string; complete?: boolean; missing?: string[]; heldBy: string[]; images?: { name: string; digest: string | null }[] }[] };
}

describe('a release of three images through the CLI', function () {
  this.timeout(180_000);
  const suite = cliSuite();

  async function release(environments: readonly EnvironmentSpec[] = [{ name: 'development', tag: 'dev' }, { name: 'staging' }]) {
    const api = uniqueRepo('api');
    const web = uniqueRepo('web');
    const worker = uniqueRepo('worker');
    const builds: Record<string, { api: string; web: string; worker?: string }> = {};
    for (const tag of ['a1b2c3d', 'b2c3d4e', 'c3d4e5f']) {
      const a = await pushImage(suite.svc.registryUrl, api, tag);
      const w = await pushIndex(
        suite.svc.registryUrl,
        web,
        tag,
        [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64', variant: 'v8' },
        ],
        { kind: 'oci' },
      );
      // c3d4e5f never reached the worker: an incomplete build.
      const k = tag === 'c3d4e5f' ? undefined : await pushImage(suite.svc.authRegistryUrl, worker, tag, { auth: suite.svc.auth });
      builds[tag] = { api: a.digest, web: w.digest, ...(k ? { worker: k.digest } : {}) };
    }
    const dir = workspace(
      releaseYaml(
        [
          { name: 'api', image: `${suite.svc.registry}/${api}` },
          { name: 'web', image: `${suite.svc.registry}/${web}` },
          { name: 'worker', image: `${suite.svc.authRegistry}/${worker}` },
        ],
        environments,
      ),
    );
    /** Each image's tag, read over plain HTTP (the index with skopeo as well). */
    const holds = async (tag: string) => {
      const found = {
        api: (await digestOf(suite.svc.registryUrl, api, tag)) ?? null,
        web: (await digestOf(suite.svc.registryUrl, web, tag)) ?? null,
        worker: (await digestOf(suite.svc.authRegistryUrl, worker, tag, suite.svc.auth)) ?? null,
      };
      if (found.web) assert.equal(await skopeoDigest(`${suite.svc.registry}/${web}:${tag}`), found.web, 'skopeo reads the same index digest');
      return found;
    };
    return { dir, builds, holds, web, api, worker };
  }

  const status = async (dir: string): Promise<ReleaseStatus> => {
    const run = await runCli(['status', '--json'], { cwd: dir, env: suite.env });
    assert.equal(run.code, 0, describeRun(run));
    return JSON.parse(run.stdout) as ReleaseStatus;
  };

  it('lists complete and incomplete builds, refuses an incomplete one, promotes, rolls back and says when an environment is mixed', async () => {
    const { dir, builds, holds, web } = await release();
    const before = await status(dir);
    const rows = new Map(before.builds.rows.map((r) => [r.tag, r]));
    assert.equal(rows.get('a1b2c3d')?.complete, true);
    assert.deepEqual(
      rows.get('a1b2c3d')?.images?.map((i) => [i.name, i.digest]),
      [
        ['api', builds['a1b2c3d']!.api],
        ['web', builds['a1b2c3d']!.web],
        ['worker', builds['a1b2c3d']!.worker],
      ],
    );
    assert.equal(rows.get('c3d4e5f')?.complete, false);
    assert.deepEqual(rows.get('c3d4e5f')?.missing, ['worker']);
    assert.deepEqual(
      before.environments.map((e) => [e.name, e.state, e.release?.state]),
      [
        ['development', 'empty', 'empty'],
        ['staging', 'empty', 'empty'],
      ],
    );

    const incomplete = await runCli(['promote', 'development', '--build', 'c3d4e5f'], { cwd: dir, env: suite.env });
    assert.equal(incomplete.code, 1, describeRun(incomplete));
    assert.match(incomplete.stdout, /Build c3d4e5f is incomplete: worker has no tag c3d4e5f/);
    assert.deepEqual(await holds('dev'), { api: null, web: null, worker: null }, 'nothing written');

    for (const tag of ['a1b2c3d', 'b2c3d4e']) {
      const promoted = await runCli(['promote', 'development', '--build', tag], { cwd: dir, env: suite.env });
      assert.equal(promoted.code, 0, describeRun(promoted));
      assert.match(
        promoted.stdout,
        /development now holds the release from build \w+: api sha256:\w{12} \(copied registry-side\), web .*, worker .*every image verified/,
      );
      assert.deepEqual(await holds('dev'), builds[tag]);
    }
    // Check Gates acts on the release: every image's built-in gates, by name.
    const checked = await runCli(['check', 'staging'], { cwd: dir, env: suite.env });
    assert.equal(checked.code, 0, describeRun(checked));
    for (const name of ['api', 'web', 'worker']) assert.match(checked.stdout, new RegExp(`${name}: promotion order`));
    const forward = await runCli(['promote', 'staging'], { cwd: dir, env: suite.env });
    assert.equal(forward.code, 0, describeRun(forward));
    assert.deepEqual(await holds('staging'), builds['b2c3d4e']);

    // One history line per attempt, naming every image's digests.
    const lines = readFileSync(path.join(dir, '.promotion', 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; target: { environment: string }; components?: { name: string; digest?: string }[] })
      .filter((r) => r.outcome !== 'started');
    assert.deepEqual(
      lines.map((r) => [r.target.environment, r.outcome, r.components?.map((c) => `${c.name}=${c.digest ?? 'none'}`).join(' ')]),
      [
        // The incomplete build: what could be resolved, and the image it lacks.
        ['development', 'blocked', `api=${builds['c3d4e5f']!.api} web=${builds['c3d4e5f']!.web} worker=none`],
        ['development', 'succeeded', `api=${builds['a1b2c3d']!.api} web=${builds['a1b2c3d']!.web} worker=${builds['a1b2c3d']!.worker}`],
        ['development', 'succeeded', `api=${builds['b2c3d4e']!.api} web=${builds['b2c3d4e']!.web} worker=${builds['b2c3d4e']!.worker}`],
        ['staging', 'succeeded', `api=${builds['b2c3d4e']!.api} web=${builds['b2c3d4e']!.web} worker=${builds['b2c3d4e']!.worker}`],
      ],
    );

    const listed = await runCli(['history', 'staging'], { cwd: dir, env: suite.env });
    assert.match(listed.stdout, /staging {2}api sha256:\w{12}, web sha256:\w{12}, worker sha256:\w{12} {2}promotion succeeded/);

    const back = await runCli(['rollback', 'development'], { cwd: dir, env: suite.env });
    assert.equal(back.code, 0, describeRun(back));
    assert.match(back.stdout, /development rolled back to the release/);
    assert.deepEqual(await holds('dev'), builds['a1b2c3d'], 'every image back to a1b2c3d');

    const held = await status(dir);
    assert.deepEqual(
      held.environments.map((e) => [e.name, e.release?.state, e.release?.build]),
      [
        ['development', 'release', 'a1b2c3d'],
        ['staging', 'release', 'b2c3d4e'],
      ],
    );

    // Someone pushes web's staging tag by hand: staging is a mix, and says which image differs.
    await tagExisting(suite.svc.registryUrl, web, builds['a1b2c3d']!.web, 'staging');
    const mixed = await status(dir);
    const staging = mixed.environments.find((e) => e.name === 'staging')!;
    assert.equal(staging.state, 'mixed');
    assert.deepEqual([staging.release?.state, staging.release?.build, staging.release?.differs], ['mixed', 'b2c3d4e', ['web']]);
    assert.match(staging.description, /mixed: web differs from b2c3d4e/);
    const text = await runCli(['status'], { cwd: dir, env: suite.env });
    assert.match(text.stdout, /staging\s+staging · mixed: web differs from b2c3d4e/);
    assert.match(text.stdout, /web: sha256:\w{12} \(differs\)/);
    assert.match(text.stdout, /c3d4e5f {2}incomplete: no worker \(not promotable\)/);
  });

  it('a failed verification with onVerifyFailure: rollback puts the whole release back', async () => {
    const flag = path.join(makeTempDir('release-verify'), 'fail');
    const check = commandGate('smoke', [process.execPath, '-e', `process.exit(require('fs').existsSync(${JSON.stringify(flag)}) ? 1 : 0)`]);
    const { dir, builds, holds } = await release([
      { name: 'development', tag: 'dev' },
      { name: 'staging', verify: [check.replace(/ }$/, ', within: 1s }')], onVerifyFailure: 'rollback' },
    ]);
    for (const args of [
      ['promote', 'development', '--build', 'a1b2c3d'],
      ['promote', 'staging'],
      ['promote', 'development', '--build', 'b2c3d4e'],
    ]) {
      const run = await runCli(args, { cwd: dir, env: suite.env });
      assert.equal(run.code, 0, describeRun(run));
    }
    assert.deepEqual(await holds('staging'), builds['a1b2c3d']);
    writeFileSync(flag, '');
    const failed = await runCli(['promote', 'staging'], { cwd: dir, env: suite.env });
    assert.equal(failed.code, 5, describeRun(failed));
    assert.match(failed.stdout, /The move happened but verification failed: smoke: .*Rolled back: staging rolled back to the release/);
    assert.deepEqual(await holds('staging'), builds['a1b2c3d'], 'every image back to what it held');
  });

  it("gates see every image's digest, an approval counts only for the release it names, and a hold stops every image", async () => {
    // The http gate asks a local endpoint with ${digest} (the first image's) and ${digest:worker}.
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      // The command gate compares DIGEST_WORKER with the worker digest the test writes into a file.
      const expected = path.join(makeTempDir('release-gates'), 'worker-digest');
      const expectWorker = commandGate('worker digest', [
        process.execPath,
        '-e',
        `process.exit(process.env.DIGEST_WORKER === require('fs').readFileSync(${JSON.stringify(expected)}, 'utf8') ? 0 : 1)`,
      ]);
      const { dir, builds, holds, worker } = await release([
        { name: 'development', tag: 'dev' },
        {
          name: 'staging',
          gates: [
            `{ type: http, name: release check, url: "http://127.0.0.1:${port}/check/\${digest}/\${digest:worker}" }`,
            expectWorker,
            '{ type: approval, name: ben approves, count: 1, from: [ben] }',
          ],
        },
      ]);
      writeFileSync(expected, builds['a1b2c3d']!.worker!);
      const run = (...args: string[]) => runCli(args, { cwd: dir, env: suite.env });
      assert.equal((await run('promote', 'development', '--build', 'a1b2c3d')).code, 0);

      const approved = await run('approve', 'staging', '--build', 'a1b2c3d', '--approved-by', 'ben', '--json');
      assert.equal(approved.code, 0, describeRun(approved));
      assert.deepEqual((JSON.parse(approved.stdout) as { components?: Record<string, string> }).components, builds['a1b2c3d']);

      // development becomes a mix: worker of b2c3d4e. Ben's approval named a1b2c3d's worker: it does not count.
      await tagExisting(suite.svc.authRegistryUrl, worker, builds['b2c3d4e']!.worker!, 'dev', suite.svc.auth);
      const mixed = await run('promote', 'staging', '--yes', '--approved-by', 'ana');
      assert.equal(mixed.code, 1, describeRun(mixed));
      assert.match(mixed.stdout, /ben approves: 0 of 1 approvals.*not counted: ben approved a release with other digests/);
      assert.match(mixed.stdout, /worker digest: /, 'the command gate saw a worker digest it did not expect');
      assert.deepEqual(await holds('staging'), { api: null, web: null, worker: null }, 'nothing moved');

      await tagExisting(suite.svc.authRegistryUrl, worker, builds['a1b2c3d']!.worker!, 'dev', suite.svc.auth);
      // A hold of staging stops the release: no image moves.
      assert.equal((await run('hold', 'staging', '--reason', 'freeze')).code, 0);
      const held = await run('promote', 'staging', '--yes', '--approved-by', 'ana');
      assert.equal(held.code, 1, describeRun(held));
      assert.match(held.stdout, /Not promoted into staging: hold: staging is held by \S+ since \S+: freeze/);
      assert.deepEqual(await holds('staging'), { api: null, web: null, worker: null }, 'a held release moves no image');
      assert.equal((await run('release', 'staging')).code, 0);

      // Check Gates runs them as the promotion does: the http gate with every image's digest, the hold once.
      asked.length = 0;
      const checked = await run('check', 'staging');
      assert.match(checked.stdout, /✓ release check: /, describeRun(checked));
      assert.equal(checked.stdout.match(/hold: /g)?.length, 1, "one hold gate, the release's");
      assert.deepEqual(asked, [`/check/${builds['a1b2c3d']!.api}/${builds['a1b2c3d']!.worker}`]);
      asked.length = 0;
      const done = await run('promote', 'staging', '--yes', '--approved-by', 'ana', '--json');
      assert.equal(done.code, 0, describeRun(done));
      assert.deepEqual(await holds('staging'), builds['a1b2c3d']);
      assert.deepEqual(asked, [`/check/${builds['a1b2c3d']!.api}/${builds['a1b2c3d']!.worker}`]);
      const gates = (JSON.parse(done.stdout) as { gates: { name: string; status: string }[] }).gates;
      for (const name of ['hold', 'release check', 'worker digest', 'ben approves'])
        assert.equal(gates.find((g) => g.name === name)?.status, 'passed', `${name}: ${JSON.stringify(gates)}`);
    } finally {
      server.close();
    }
  });
});
