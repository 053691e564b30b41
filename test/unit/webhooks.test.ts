// `notify:` in the config (diagnostics at their line, defaults) and what each format sends.
import * as assert from 'node:assert/strict';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { HistoryRecord } from '../../src/history/record';
import { headline, holdBody, notifyOutcomeOf, webhookBody } from '../../src/notify/webhookBodies';
import { webhooksFor } from '../../src/notify/sendWebhooks';

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;
const base = [
  'image: registry.example.com/team/myapp',
  'environments:',
  '  - name: staging',
  '    tag: staging',
  '  - name: production',
  '    tag: production',
];

function errors(text: string): { line: number; message: string }[] {
  return parsePromotionConfig(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => ({ line: d.range.startLine, message: d.message }));
}

const record: HistoryRecord = {
  v: 1,
  id: 'id-1',
  time: '2026-12-06T10:00:00.000Z',
  durationMs: 420,
  kind: 'promotion',
  who: { name: 'Ada <Lovelace>', email: 'ada@example.com', user: 'ada' },
  image: 'registry.example.com/team/myapp',
  source: { label: 'staging', environment: 'staging', buildTag: '3f9c2ab', repository: 'registry.example.com/team/myapp' },
  target: { environment: 'production', tag: 'production', repository: 'registry.example.com/team/myapp' },
  digest: `sha256:${'a'.repeat(64)}`,
  previousDigest: `sha256:${'b'.repeat(64)}`,
  finalDigest: `sha256:${'a'.repeat(64)}`,
  transport: 'registry',
  gates: [],
  outcome: 'succeeded',
  message: 'production now holds sha256:aaaaaaaaaaaa (from staging) & was verified',
};

describe('notify: webhooks in the config', () => {
  it('fills the defaults: json, every outcome, 10 s; config-wide hooks first, then the environment’s', () => {
    const parsed = parsePromotionConfig(
      yaml(
        'notify:',
        '  - url: https://hooks.example.com/promotions',
        ...base.slice(0, 6),
        '    notify:',
        '      - url: "${env:TEAMS_URL}"',
        '        format: teams',
        '        on: [failed, rolled-back]',
        '        timeoutSeconds: 3',
      ),
    );
    assert.deepEqual(parsed.diagnostics, []);
    const config = parsed.config!;
    assert.deepEqual(webhooksFor(config, 'production'), [
      {
        url: 'https://hooks.example.com/promotions',
        format: 'json',
        on: ['succeeded', 'failed', 'blocked', 'cancelled', 'rolled-back', 'approval-needed', 'held'],
        headers: {},
        timeoutSeconds: 10,
      },
      { url: '${env:TEAMS_URL}', format: 'teams', on: ['failed', 'rolled-back'], headers: {}, timeoutSeconds: 3 },
    ]);
    assert.equal(webhooksFor(config, 'staging').length, 1, 'staging hears only the config-wide one');
  });

  it('a user name and password in the URL is an error at its line', () => {
    const found = errors(yaml(...base, 'notify:', '  - url: https://bot:hunter2@hooks.example.com/x'));
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.line, 7);
    assert.match(found[0]!.message, /^notify\[0\]\.url: the URL holds a user name or password in clear/);
  });

  it('a Slack or Teams webhook URL written out is a secret in clear; from ${env:NAME} it is fine', () => {
    for (const url of [
      'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'https://example.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456',
      'https://hooks.example.com/promote?token=abc123',
    ]) {
      const found = errors(yaml(...base, 'notify:', `  - url: "${url}"`));
      assert.equal(found.length, 1, `${url}: ${JSON.stringify(found)}`);
      assert.match(found[0]!.message, /is itself a secret .*url: "\$\{env:NAME\}"/);
    }
    assert.deepEqual(errors(yaml(...base, 'notify:', '  - url: "${env:SLACK_WEBHOOK_URL}"', '    format: slack')), []);
    assert.deepEqual(errors(yaml(...base, 'notify:', '  - url: "https://hooks.slack.com/services/${env:SLACK_PATH}"')), []);
  });

  it('a secret header in clear is an error; ${env:NAME} is not; promotion values are not expanded in webhooks', () => {
    const clear = errors(yaml(...base, 'notify:', '  - url: https://hooks.example.com/x', '    headers:', '      Authorization: Bearer abc.def'));
    assert.equal(clear.length, 1);
    assert.equal(clear[0]!.line, 9);
    assert.match(clear[0]!.message, /a secret written in clear in the config; write "Bearer \$\{env:NAME\}"/);
    assert.deepEqual(
      errors(yaml(...base, 'notify:', '  - url: https://hooks.example.com/x', '    headers:', '      Authorization: "Bearer ${env:HOOK_TOKEN}"')),
      [],
    );
    const value = errors(yaml(...base, 'notify:', '  - url: "https://hooks.example.com/${digest}"'));
    assert.match(value[0]!.message, /a webhook expands only \$\{env:NAME\}; the environment, digest and build are in the body/);
  });

  it('unknown outcomes and formats, a non-http URL and a time limit over 60 s are refused', () => {
    assert.match(errors(yaml(...base, 'notify:', '  - url: https://h.example/x', '    on: [deployed]'))[0]!.message, /deployed|allowed|must be/i);
    assert.match(errors(yaml(...base, 'notify:', '  - url: https://h.example/x', '    format: discord'))[0]!.message, /discord|allowed|must be/i);
    assert.match(errors(yaml(...base, 'notify:', '  - url: ftp://h.example/x'))[0]!.message, /must start with http:\/\/ or https:\/\//);
    assert.equal(errors(yaml(...base, 'notify:', '  - url: https://h.example/x', '    timeoutSeconds: 600')).length, 1);
  });
});

describe('notify: what each format sends', () => {
  it('maps outcomes: a rollback that succeeded is rolled-back; an open attempt sends nothing', () => {
    assert.equal(notifyOutcomeOf(record), 'succeeded');
    assert.equal(notifyOutcomeOf({ ...record, kind: 'rollback' }), 'rolled-back');
    assert.equal(notifyOutcomeOf({ ...record, kind: 'rollback', outcome: 'failed' }), 'failed');
    assert.equal(notifyOutcomeOf({ ...record, outcome: 'started' }), undefined);
    assert.equal(notifyOutcomeOf({ ...record, outcome: 'interrupted' }), undefined);
  });

  it('a promotion blocked by approval gates alone is approval-needed; blocked by anything else as well, blocked', () => {
    const approval = { name: 'two of us', type: 'approval', status: 'failed' as const, reason: '1 of 2 approvals', durationMs: 0 };
    const order = { name: 'promotion order', type: 'builtin', status: 'failed' as const, reason: 'no', durationMs: 0 };
    const ok = { name: 'hold', type: 'builtin', status: 'passed' as const, reason: 'not held', durationMs: 0 };
    assert.equal(notifyOutcomeOf({ ...record, outcome: 'blocked', gates: [ok, approval] }), 'approval-needed');
    assert.equal(notifyOutcomeOf({ ...record, outcome: 'blocked', gates: [order, approval] }), 'blocked');
    assert.equal(notifyOutcomeOf({ ...record, outcome: 'blocked', gates: [] }), 'blocked');
    assert.match(headline('approval-needed', record), /^production: 3f9c2ab from staging waits for approvals/);
  });

  it('a hold placed: json says held, by whom, why and the digest it names; slack and teams say it in words', () => {
    const hold = {
      environment: 'production',
      repository: 'r.example/app',
      tag: 'prod',
      by: 'verification',
      at: '2026-12-07T01:00:00Z',
      reason: 'smoke failed',
      digest: record.digest!,
    };
    const body = holdBody('json', hold) as Record<string, unknown>;
    assert.equal(body.outcome, 'held');
    assert.equal(body.environment, 'production');
    assert.equal(body.digest, record.digest);
    assert.deepEqual(body.who, { name: 'verification' });
    assert.equal(body.message, 'smoke failed');
    assert.match((holdBody('slack', hold) as { text: string }).text, /^production: held by verification \(names \w{12}\)\nsmoke failed$/);
    assert.match(JSON.stringify(holdBody('teams', hold)), /held by verification/);
  });

  it('json names the environment, digest, build, outcome and who', () => {
    const body = webhookBody('json', 'succeeded', record) as Record<string, unknown>;
    assert.equal(body.environment, 'production');
    assert.equal(body.digest, record.digest);
    assert.equal(body.previousDigest, record.previousDigest);
    assert.equal(body.build, '3f9c2ab');
    assert.equal(body.outcome, 'succeeded');
    assert.deepEqual(body.who, { name: 'Ada <Lovelace>', email: 'ada@example.com', user: 'ada' });
    assert.equal(body.source, 'staging');
  });

  it('slack: one text, with what came from the record shown as written (no <links> or mentions)', () => {
    const body = webhookBody('slack', 'succeeded', record) as { text: string };
    assert.equal(Object.keys(body).join(), 'text');
    assert.match(body.text, /^production: 3f9c2ab promoted from staging by Ada &lt;Lovelace&gt;\n/);
    assert.match(body.text, /&amp; was verified$/);
  });

  it('teams: an Adaptive Card in a message, the headline first and the facts after', () => {
    const body = webhookBody('teams', 'failed', { ...record, outcome: 'failed' }) as {
      type: string;
      attachments: { contentType: string; content: { type: string; body: { type: string; text?: string; facts?: { title: string; value: string }[] }[] } }[];
    };
    assert.equal(body.type, 'message');
    const card = body.attachments[0]!;
    assert.equal(card.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card.content.type, 'AdaptiveCard');
    assert.equal(card.content.body[0]!.text, 'production: promotion of 3f9c2ab from staging failed (Ada <Lovelace>)');
    const facts = card.content.body.find((b) => b.type === 'FactSet')!.facts!;
    assert.deepEqual(
      facts.map((f) => f.title),
      ['Environment', 'Build', 'Digest', 'Before', 'By', 'Outcome'],
    );
  });

  it('a headline for a rollback names what was put back', () => {
    const { environment: _from, ...source } = record.source;
    assert.equal(headline('rolled-back', { ...record, kind: 'rollback', source }), 'production: rolled back to 3f9c2ab by Ada <Lovelace>');
  });
});
