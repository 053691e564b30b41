// Faults at the webhooks: notifications from the CLI, as a separate process against the harness's registry and a real webhook
// receiver: the receiver learns what moved; a receiver that fails or never answers is reported on
// stderr and never fails the promotion, whose result is printed before the webhooks are waited for.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhookReceiver';
import { cliEnv, describeRun, startCli, workspace } from '../cli/support';
import { tally, tallyOutcome } from './tally';

describe('faults: notify webhooks that fail or hang (CLI)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  let receiver: WebhookReceiver;
  before(async () => {
    svc = await sharedServices();
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await receiver?.stop();
  });

  it('tells the receivers after the promotion; a hanging and a failing receiver change neither the outcome nor the exit code', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'a1b2c3d');
    const yaml =
      promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }]) +
      [
        'notify:',
        `  - url: "${receiver.url}/ok?from=\${env:IMGPROMO_TEST_HOOK_SOURCE}"`,
        `  - url: ${receiver.url}/fail`,
        `  - url: ${receiver.url}/hang`,
        '    timeoutSeconds: 2',
        `  - url: ${receiver.url}/ok?only=blocked`,
        '    on: [blocked]',
      ].join('\n') +
      '\n';
    const dir = workspace(yaml);
    const run = startCli(['promote', 'development', '--build', 'a1b2c3d', '--yes'], {
      cwd: dir,
      env: cliEnv(svc, { IMGPROMO_TEST_HOOK_SOURCE: 'cli-test' }),
    });
    // The result is out while the hanging receiver still holds its request.
    await receiver.waitFor(3, 60_000);
    const result = await run.done;
    tally('fault', 'webhook receiver answers 500');
    tally('fault', 'webhook receiver never answers');
    tallyOutcome('promotion with failing webhooks', null, build.digest, (await digestOf(svc.registryUrl, repo, 'dev')) ?? null);
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.stdout, /development now holds sha256:\w{12}/);
    assert.match(result.stderr, /the notification to http:\/\/127\.0\.0\.1:\d+\/… failed: it answered 500 Internal Server Error/);
    assert.match(result.stderr, /the notification to http:\/\/127\.0\.0\.1:\d+\/… failed: no answer within 2 s/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'dev'), build.digest);

    const ok = receiver.received.find((r) => r.path === '/ok?from=cli-test');
    assert.ok(ok, receiver.received.map((r) => r.path).join(', '));
    const body = ok.body as { environment: string; digest: string; build: string; outcome: string; who: { user: string } };
    assert.equal(body.environment, 'development');
    assert.equal(body.digest, build.digest);
    assert.equal(body.build, 'a1b2c3d');
    assert.equal(body.outcome, 'succeeded');
    assert.ok(body.who.user, 'who promoted');
    assert.ok(!receiver.received.some((r) => r.path === '/ok?only=blocked'), 'a hook on [blocked] hears nothing of a success');

    const history = readFileSync(path.join(dir, '.promotion', 'history.jsonl'), 'utf8');
    assert.match(history, /"outcome":"succeeded"/, 'the attempt is recorded as succeeded');
  });
});
