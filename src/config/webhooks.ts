// `notify:` lists, at the top level and per environment: the checks a schema cannot express (a URL or
// header that holds a secret in clear, placeholders webhooks do not expand) and the defaults.
import { findPlaceholders } from './placeholders';
import { hasClearSecret, suggestedSecretValue } from './secretHeaders';
import type { Reporter } from './gates';
import { checkedHttpUrl } from './httpUrl';
import { DEFAULT_WEBHOOK_TIMEOUT_SECONDS, NOTIFY_OUTCOMES, type NotifyOutcome, type WebhookConfig, type WebhookFormat } from './types';
import { formatPath, type PathSegment } from './yamlSource';

export interface RawWebhook {
  readonly url: string;
  readonly format?: WebhookFormat;
  readonly on?: readonly NotifyOutcome[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutSeconds?: number;
}

/** Hosts whose webhook URLs are themselves the credential (whoever has the URL can post). */
const SECRET_URL_HOSTS = /(^|\.)(hooks\.slack\.com|webhook\.office\.com|outlook\.office\.com|discord(app)?\.com|logic\.azure\.com|chat\.googleapis\.com)$/i;
/** Query parameters that carry a key or a signature. */
const SECRET_QUERY = /^(?:token|key|api[-_]?key|sig|signature|secret|code|access[-_]?token)$/i;

export function normaliseWebhooks(raw: readonly RawWebhook[] | undefined): readonly WebhookConfig[] | undefined {
  if (!raw?.length) return undefined;
  return raw.map((w) => ({
    url: w.url.trim(),
    format: w.format ?? 'json',
    on: w.on ? [...w.on] : [...NOTIFY_OUTCOMES],
    headers: { ...w.headers },
    timeoutSeconds: w.timeoutSeconds ?? DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
  }));
}

/** Reports the problems of one `notify:` list at `at` (its type problems are the schema's). */
export function checkWebhooks(list: unknown, at: readonly PathSegment[], report: Reporter): void {
  if (!Array.isArray(list)) return;
  list.forEach((hook: unknown, i) => {
    if (typeof hook !== 'object' || hook === null) return;
    const where = [...at, i];
    const { url, headers } = hook as { url?: unknown; headers?: unknown };
    if (typeof url === 'string') checkUrl(url, [...where, 'url'], report);
    if (typeof headers === 'object' && headers !== null) {
      for (const [name, value] of Object.entries(headers)) {
        if (typeof value !== 'string') continue;
        const path = [...where, 'headers', name];
        for (const problem of placeholderProblems(value)) report.error(path, 'value', `${formatPath(path)}: ${problem}`);
        if (hasClearSecret(name, value))
          report.error(
            path,
            'value',
            `${formatPath(path)}: a secret written in clear in the config; write "${suggestedSecretValue(value)}" and set the variable NAME where the promotion runs`,
          );
      }
    }
  });
}

function checkUrl(url: string, where: readonly PathSegment[], report: Reporter): void {
  const problems = placeholderProblems(url);
  for (const problem of problems) report.error(where, 'value', `${formatPath(where)}: ${problem}`);
  if (problems.length || /^\s*\$\{env:/.test(url)) return; // the whole URL, or its origin, comes from a variable
  const parsed = checkedHttpUrl(url, url.replace(/\$\{env:[^}]*\}/g, 'x'), where, report, 'https://hooks.example.com/promotions');
  if (parsed && clearSecretIn(url, parsed)) {
    report.error(
      where,
      'value',
      `${formatPath(where)}: this webhook URL is itself a secret (whoever has it can post); write url: "\${env:NAME}" and set the variable NAME where the promotion runs, so it stays out of the repository`,
    );
  }
}

/** A Slack/Teams-style URL written out, a key in the query, or a token format in the path. */
function clearSecretIn(written: string, url: URL): boolean {
  const clearPath = !/\$\{env:/.test(written.slice(url.origin.length));
  if (SECRET_URL_HOSTS.test(url.hostname) && clearPath && url.pathname.length > 1) return true;
  for (const [name, value] of new URL(written.replace(/\$\{env:[^}]*\}/g, '')).searchParams) if (SECRET_QUERY.test(name) && value) return true;
  return hasClearSecret('url', written);
}

/** Webhooks expand `${env:NAME}` only: the promotion's values go in the body. */
function placeholderProblems(text: string): string[] {
  return findPlaceholders(text).flatMap((use) => {
    if (use.problem) return [use.problem];
    return use.placeholder?.kind === 'env'
      ? []
      : [`${use.text}: a webhook expands only \${env:NAME}; the environment, digest and build are in the body it sends`];
  });
}
