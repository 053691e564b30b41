// Tells the config's webhooks about a recorded attempt: each at once, each within its own time limit,
// never retried (a receiver may not be idempotent) and never throwing. What failed is returned in words
// for the front end to show; a webhook's URL is shown by its origin only, since the URL may be the secret.
import type { PromotionConfig, WebhookConfig } from '../config/types';
import type { HistoryRecord } from '../history/record';
import { holdBody, notifyOutcomeOf, webhookBody, type HoldNotice } from './webhookBodies';

export interface WebhookResult {
  /** `https://hooks.example.com/…`: never the path or query, which may be the credential. */
  readonly shownAs: string;
  readonly ok: boolean;
  /** Why it failed, in words. */
  readonly reason?: string;
  readonly ms: number;
}

export interface SendOptions {
  /** Where `${env:NAME}` is read (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
}

/** The config-wide webhooks and the target environment's, in that order. */
export function webhooksFor(config: PromotionConfig, environment: string): readonly WebhookConfig[] {
  return [...(config.notify ?? []), ...(config.environments.find((e) => e.name === environment)?.notify ?? [])];
}

/** Sends to every webhook that listens to the record's outcome; resolves when all answered or timed out. */
export async function sendWebhooks(hooks: readonly WebhookConfig[], record: HistoryRecord, options: SendOptions = {}): Promise<WebhookResult[]> {
  const outcome = notifyOutcomeOf(record);
  if (!outcome) return [];
  const listening = hooks.filter((h) => h.on.includes(outcome));
  return Promise.all(listening.map((hook) => sendOne(hook, webhookBody(hook.format, outcome, record), options)));
}

/** Tells the webhooks listening to `held` that a hold was placed. */
export async function sendHoldWebhooks(hooks: readonly WebhookConfig[], hold: HoldNotice, options: SendOptions = {}): Promise<WebhookResult[]> {
  return Promise.all(hooks.filter((h) => h.on.includes('held')).map((hook) => sendOne(hook, holdBody(hook.format, hold), options)));
}

async function sendOne(hook: WebhookConfig, body: unknown, options: SendOptions): Promise<WebhookResult> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const missing = new Set<string>();
  const expand = (text: string): string =>
    text.replace(/\$\{env:\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined || value === '') missing.add(name);
      return value ?? '';
    });
  const rawUrl = expand(hook.url);
  const headers = Object.fromEntries(Object.entries(hook.headers).map(([name, value]) => [name, expand(value)]));
  let url: URL | undefined;
  try {
    url = new URL(rawUrl);
  } catch {
    url = undefined;
  }
  const shownAs = url && /^https?:$/.test(url.protocol) ? `${url.origin}/…` : hook.url.replace(/\$\{env:[^}]*\}/g, (m) => m).slice(0, 80);
  const fail = (reason: string): WebhookResult => ({ shownAs, ok: false, reason, ms: Date.now() - started });
  if (missing.size) return fail(`the environment variable${missing.size > 1 ? 's' : ''} ${[...missing].join(', ')} ${missing.size > 1 ? 'are' : 'is'} not set`);
  if (!url || !/^https?:$/.test(url.protocol)) return fail('its URL is not an http:// or https:// URL');

  const timeout = AbortSignal.timeout(hook.timeoutSeconds * 1000);
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'image-promotion', ...headers },
      body: JSON.stringify(body),
      // A redirect would carry the body, and the headers, to another place: not followed.
      redirect: 'manual',
      signal: timeout,
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { shownAs, ok: true, ms: Date.now() - started };
    if (response.status >= 300 && response.status < 400) return fail(`it answered ${response.status}, a redirect, which is not followed`);
    return fail(`it answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  } catch (error) {
    if (timeout.aborted) return fail(`no answer within ${hook.timeoutSeconds} s`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return fail(`it could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`);
  }
}

/** One line per failed webhook, for the log and the person. */
export function failedWebhooks(results: readonly WebhookResult[]): string[] {
  return results.filter((r) => !r.ok).map((r) => `the notification to ${r.shownAs} failed: ${r.reason}`);
}
