// What a webhook receives for one recorded attempt: JSON for programs, a Slack incoming webhook's
// `text`, or an Adaptive Card for a Teams workflow. Values come from the history record.
import type { HistoryRecord } from '../history/record';
import type { NotifyOutcome, WebhookFormat } from '../config/types';

/**
 * The outcome a webhook listens to: rollbacks that succeeded are `rolled-back`; a promotion blocked by
 * approval gates alone is `approval-needed` (someone can unblock it by approving); open attempts none.
 */
export function notifyOutcomeOf(record: HistoryRecord): NotifyOutcome | undefined {
  if (record.outcome === 'started' || record.outcome === 'interrupted') return undefined;
  if (record.kind === 'rollback' && record.outcome === 'succeeded') return 'rolled-back';
  if (record.outcome === 'blocked') {
    const failing = record.gates.filter((g) => g.status !== 'passed');
    if (failing.length && failing.every((g) => g.type === 'approval')) return 'approval-needed';
  }
  return record.outcome;
}

export function webhookBody(format: WebhookFormat, outcome: NotifyOutcome, record: HistoryRecord): unknown {
  if (format === 'slack') return { text: slackEscape(headline(outcome, record)) + `\n${slackEscape(record.message)}` };
  if (format === 'teams') return teamsCard(outcome, record);
  return jsonBody(outcome, record);
}

/** Field names are a contract with receivers: add, never rename. */
function jsonBody(outcome: NotifyOutcome, r: HistoryRecord): Record<string, unknown> {
  return {
    event: 'image-promotion',
    outcome,
    kind: r.kind,
    environment: r.target.environment,
    repository: r.target.repository,
    tag: r.target.tag,
    digest: r.digest ?? null,
    previousDigest: r.previousDigest ?? null,
    build: r.source.buildTag ?? null,
    revision: r.source.revision ?? null,
    source: r.source.environment ?? r.source.label,
    who: { name: r.who.name ?? null, email: r.who.email ?? null, user: r.who.user },
    message: r.message,
    time: r.time,
    durationMs: r.durationMs,
    id: r.id,
  };
}

/** "production: 3f9c2ab promoted from staging by Ada Lovelace" */
export function headline(outcome: NotifyOutcome, r: HistoryRecord): string {
  const what = r.source.buildTag ?? (r.digest ? r.digest.slice(7, 19) : r.source.label);
  const by = r.who.name ?? r.who.user;
  const from = r.source.environment ? ` from ${r.source.environment}` : '';
  switch (outcome) {
    case 'succeeded':
      return `${r.target.environment}: ${what} promoted${from} by ${by}`;
    case 'rolled-back':
      return `${r.target.environment}: rolled back to ${what} by ${by}`;
    case 'approval-needed':
      return `${r.target.environment}: ${what}${from} waits for approvals (${by} tried to promote it)`;
    default:
      return `${r.target.environment}: ${r.kind === 'rollback' ? 'rollback' : 'promotion'} of ${what}${from} ${outcome} (${by})`;
  }
}

function teamsCard(outcome: NotifyOutcome, r: HistoryRecord): unknown {
  const all: [string, string][] = [
    ['Environment', r.target.environment],
    ['Build', r.source.buildTag ?? ''],
    ['Digest', r.digest ?? ''],
    ['Before', r.previousDigest ?? ''],
    ['By', r.who.name ?? r.who.user],
    ['Outcome', outcome],
  ];
  const facts = all.filter(([, value]) => value);
  return adaptiveCard(headline(outcome, r), r.message, facts);
}

/** A Teams message: one Adaptive Card with a bold headline, the text, and facts when there are any. */
function adaptiveCard(title: string, text: string, facts: readonly (readonly [string, string])[] = []): unknown {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title, weight: 'Bolder', wrap: true },
            { type: 'TextBlock', text, wrap: true },
            ...(facts.length ? [{ type: 'FactSet', facts: facts.map(([name, value]) => ({ title: name, value })) }] : []),
          ],
        },
      },
    ],
  };
}

/** Slack reads &, < and > as markup (links, mentions): what came from a record is shown as written. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What a hold placed looks like to a webhook (not a recorded attempt: no tag moved). */
export interface HoldNotice {
  readonly environment: string;
  readonly repository: string;
  readonly tag: string;
  readonly by: string;
  readonly at: string;
  readonly reason: string;
  readonly digest?: string;
}

export function holdBody(format: WebhookFormat, hold: HoldNotice): unknown {
  const headlineText = `${hold.environment}: held by ${hold.by}${hold.digest ? ` (names ${hold.digest.slice(7, 19)})` : ''}`;
  if (format === 'slack') return { text: `${slackEscape(headlineText)}\n${slackEscape(hold.reason)}` };
  if (format === 'teams') return adaptiveCard(headlineText, hold.reason);
  return {
    event: 'image-promotion',
    outcome: 'held',
    kind: 'hold',
    environment: hold.environment,
    repository: hold.repository,
    tag: hold.tag,
    digest: hold.digest ?? null,
    who: { name: hold.by },
    message: hold.reason,
    time: hold.at,
  };
}
