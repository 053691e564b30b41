// Approvals by several people, end to end: each person approves from a CLI process in a folder of
// their own; the approvals live in the harness registry, and the promoter's process counts them.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, pushImage, uniqueRepo } from '../harness';
import { cliSuite, describeRun, runCli, workspace } from './support';

describe('approvals by several people (CLI)', function () {
  this.timeout(120_000);
  const suite = cliSuite();

  it('count: 2 from a list with allowSelf: false counts distinct allowed approvers given ahead; the confirmation and the record name them', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(suite.svc.registryUrl, repo, 'c0ffee1');
    const yaml = promotionYaml(`${suite.svc.registry}/${repo}`, [
      { name: 'development', tag: 'dev' },
      { name: 'staging', gates: ['{ type: approval, name: two of us, count: 2, from: [ana, ben, "carl@example.com"], allowSelf: false }'] },
    ]);
    const folder = () => workspace(yaml);
    const [anaDir, benDir, carlDir, daveDir] = [folder(), folder(), folder(), folder()];
    const run = (dir: string, ...args: string[]) => runCli(args, { cwd: dir, env: suite.env });
    assert.equal((await run(anaDir, 'promote', 'development', '--build', 'c0ffee1')).code, 0);

    const none = await run(anaDir, 'promote', 'staging', '--yes', '--approved-by', 'ana');
    assert.equal(none.code, 1, describeRun(none));
    assert.match(
      none.stdout,
      /two of us: 0 of 2 approvals: no approval given ahead \(four eyes: the promoter's own does not count\); 2 more needed from ana, ben, carl@example\.com \(image-promotion approve staging --build sha256:[0-9a-f]{64}/,
    );

    // Ben, in his own folder; ana herself (does not count for her own promotion); dave (not on the list).
    const ben = await run(benDir, 'approve', 'staging', '--build', 'c0ffee1', '--approved-by', 'ben');
    assert.equal(ben.code, 0, describeRun(ben));
    // Anyone's status (its own folder) shows what is pending, in words and as JSON.
    const status = await run(daveDir, 'status', '--json');
    const staging = (
      JSON.parse(status.stdout) as {
        environments: { name: string; description: string; approvals?: { digest: string; gates: { have: number; needed: number; approvers: string[] }[] } }[];
      }
    ).environments.find((e) => e.name === 'staging')!;
    assert.deepEqual(staging.approvals, { digest: build.digest, gates: [{ name: 'two of us', have: 1, needed: 2, approvers: ['ben'] }] });
    assert.match(staging.description, /1 of 2 approvals for sha256:\w{12} \(ben\)/);
    // Ben looking (his identity from the CI variable): his approval is counted and marked as his, since four eyes
    // would not count it if he promoted.
    const bens = await runCli(['status', '--json'], { cwd: benDir, env: { ...suite.env, IMAGE_PROMOTION_APPROVED_BY: 'ben' } });
    const bensStaging = (
      JSON.parse(bens.stdout) as { environments: { name: string; description: string; approvals?: { gates: { yours?: string }[] } }[] }
    ).environments.find((e) => e.name === 'staging')!;
    assert.equal(bensStaging.approvals?.gates[0]?.yours, 'ben', describeRun(bens));
    assert.match(bensStaging.description, /1 of 2 approvals for sha256:\w{12} \(ben; one is yours: four eyes needs another if you promote\)/);
    for (const [dir, who] of [
      [benDir, 'ben'],
      [anaDir, 'ana'],
      [daveDir, 'dave'],
    ] as const) {
      const given = await run(dir, 'approve', 'staging', '--build', 'c0ffee1', '--approved-by', who);
      assert.equal(given.code, 0, describeRun(given));
      assert.match(given.stdout, new RegExp(`^${who} approved sha256:\\w{12} for staging`));
    }
    const check = await run(carlDir, 'check', 'staging', '--build', 'c0ffee1');
    assert.match(check.stdout + check.stderr, /two of us/);
    // Ana checking, known by the CI variable as promote knows her: her own approval does not count for her.
    const anas = await runCli(['check', 'staging', '--build', 'c0ffee1'], { cwd: anaDir, env: { ...suite.env, IMAGE_PROMOTION_APPROVED_BY: 'ana' } });
    assert.equal(anas.code, 1, describeRun(anas));
    assert.match(anas.stdout, /two of us: 1 of 2 approvals: approved by ben \(four eyes: the promoter's own does not count\)/);
    const one = await run(anaDir, 'promote', 'staging', '--yes', '--approved-by', 'ana');
    assert.equal(one.code, 1, describeRun(one));
    assert.match(one.stdout, /two of us: 1 of 2 approvals: approved by ben \(four eyes: the promoter's own does not count\); 1 more needed/);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), undefined, 'nothing moved');

    // Carl approves by e-mail (a git identity `Carl <carl@example.com>`): two distinct allowed approvers.
    const carl = await run(carlDir, 'approve', 'staging', '--build', build.digest, '--approved-by', 'Carl <carl@example.com>');
    assert.equal(carl.code, 0, describeRun(carl));
    const done = await run(anaDir, 'promote', 'staging', '--yes', '--approved-by', 'ana', '--json');
    assert.equal(done.code, 0, describeRun(done));
    const gate = (JSON.parse(done.stdout) as { gates: { name: string; status: string; reason: string; details?: string[] }[] }).gates.find(
      (g) => g.name === 'two of us',
    )!;
    assert.equal(gate.status, 'passed');
    assert.match(gate.reason, /^2 of 2 approvals: approved by ben, Carl <carl@example\.com> \(four eyes: the promoter's own does not count\); approved by ana/);
    assert.deepEqual(gate.details, ['not counted: ana, dave (allowed: ana, ben, carl@example.com)']);
    assert.equal(await digestOf(suite.svc.registryUrl, repo, 'staging'), build.digest);
    const last = readFileSync(path.join(anaDir, '.promotion', 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .at(-1)!;
    assert.match(last, /approved by ben, Carl <carl@example\.com>/, 'the history keeps the approvers');
  });

  it('approve without --build is a usage error; an unknown build tag too', async () => {
    const repo = uniqueRepo();
    await pushImage(suite.svc.registryUrl, repo, 'c0ffee2');
    const dir = workspace(promotionYaml(`${suite.svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }]));
    const missing = await runCli(['approve', 'development'], { cwd: dir, env: suite.env });
    assert.equal(missing.code, 2, describeRun(missing));
    assert.match(missing.stderr, /approve needs --build/);
    const unknown = await runCli(['approve', 'development', '--build', 'deadbee'], { cwd: dir, env: suite.env });
    assert.equal(unknown.code, 2, describeRun(unknown));
    assert.match(unknown.stderr, /There is no tag deadbee/);
  });
});
