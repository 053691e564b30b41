// Webhooks against a real HTTP server on loopback: what arrives, and every way a receiver can fail —
// it answers 500, never answers, redirects, or its URL's variable is unset — each said in words, in time.
import * as assert from 'node:assert/strict';
import type { WebhookConfig } from '../../src/config/types';
import type { HistoryRecord } from '../../src/history/record';
import { failedWebhooks, sendWebhooks } from '../../src/notify/sendWebhooks';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhookReceiver';

const record: HistoryRecord = {
  v: 1,
  id: 'id-2',
  time: '2026-12-06T10:00:00.000Z',
  durationMs: 10,
  kind: 'promotion',
  who: { name: 'Ada Lovelace', user: 'ada' },
  image: 'r.example/app',
  source: { label: 'staging', environment: 'staging', buildTag: '3f9c2ab', repository: 'r.example/app' },
  target: { environment: 'production', tag: 'production', repository: 'r.example/app' },
  digest: `sha256:${'c'.repeat(64)}`,
  previousDigest: null,
  finalDigest: `sha256:${'c'.repeat(64)}`,
  transport: 'registry',
  gates: [],
  outcome: 'succeeded',
  message: 'production now holds it',
};

const hook = (url: string, extra: Partial<WebhookConfig> = {}): WebhookConfig => ({
  url,
  format: 'json',
  on: ['succeeded', 'failed', 'blocked', 'cancelled', 'rolled-back'],
  headers: {},
  timeoutSeconds: 5,
  ...extra,
});

describe('notify: webhooks sent to a real receiver', function () {
  this.timeout(30_000);
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  it('POSTs JSON with the ${env:NAME} header expanded; the result shows the origin only', async () => {
    const results = await sendWebhooks([hook(`${receiver.url}/ok?key=\${env:HOOK_KEY}`, { headers: { Authorization: 'Bearer ${env:HOOK_TOKEN}' } })], record, {
      env: { HOOK_TOKEN: 's3cret', HOOK_KEY: 'k' },
    });
    assert.deepEqual(
      results.map((r) => [r.ok, r.shownAs]),
      [[true, `${receiver.url}/…`]],
    );
    const got = receiver.received[0]!;
    assert.equal(got.path, '/ok?key=k');
    assert.equal(got.headers.authorization, 'Bearer s3cret');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual((got.body as { environment: string; digest: string; outcome: string }).environment, 'production');
    assert.equal((got.body as { digest: string }).digest, record.digest);
  });

  it('only the outcomes a hook listens to are sent', async () => {
    const results = await sendWebhooks([hook(`${receiver.url}/ok`, { on: ['failed'] })], record);
    assert.deepEqual(results, []);
    assert.equal(receiver.received.length, 0);
  });

  it('a 500, a receiver that never answers, a redirect and an unset variable: each a failure in words, none waits past its limit', async () => {
    const started = Date.now();
    const results = await sendWebhooks(
      [
        hook(`${receiver.url}/fail`),
        hook(`${receiver.url}/hang`, { timeoutSeconds: 0.5 }),
        hook(`${receiver.url}/moved`),
        hook('${env:IMGPROMO_TEST_UNSET_WEBHOOK}'),
        hook(`${receiver.url}/ok`),
      ],
      record,
      { env: {} },
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 4_000, `all answered or timed out side by side (${elapsed} ms)`);
    assert.deepEqual(
      results.map((r) => r.ok),
      [false, false, false, false, true],
    );
    const lines = failedWebhooks(results);
    assert.match(lines[0]!, /^the notification to http:\/\/127\.0\.0\.1:\d+\/… failed: it answered 500 Internal Server Error$/);
    assert.match(lines[1]!, /failed: no answer within 0\.5 s$/);
    assert.match(lines[2]!, /failed: it answered 302, a redirect, which is not followed$/);
    assert.match(lines[3]!, /failed: the environment variable IMGPROMO_TEST_UNSET_WEBHOOK is not set$/);
    assert.ok(!receiver.received.some((r) => r.path === '/elsewhere'), 'the redirect was not followed');
  });

  it('a receiver that is down: could not be reached', async () => {
    const url = receiver.url;
    await receiver.stop();
    const [result] = await sendWebhooks([hook(`${url}/ok`)], record);
    assert.equal(result!.ok, false);
    assert.match(result!.reason!, /could not be reached \(ECONNREFUSED\)/);
    receiver = await startWebhookReceiver(); // for afterEach
  });
});
