// Runs an http gate: the request, retried with backoff while the answer is not the expected one,
// then a report of the status, which check failed and a short excerpt of the body. Request headers
// are never logged or reported; values read from environment variables are blanked out of all text.
import { envVariables } from '../config/placeholders';
import { isSecretHeaderName } from '../config/secretHeaders';
import { MAX_HTTP_RETRY_DELAY_SECONDS, type HttpGateConfig } from '../config/types';
import { throwIfAborted } from '../core/errors';
import { sleep } from './abortable';
import { errored, failed, passed, type GateContext, type GateResult, type GateStatus } from './gate';
import { bodyExcerpt, checkBody } from './httpBodyCheck';
import { sendHttpRequest, type HttpOutcome } from './httpRequest';
import { resolveHttpValues, type HttpValues } from './httpValues';
import { untrustedReason } from './trust';

export const HTTP_UNTRUSTED_REASON = untrustedReason('http gates that send secrets (${env:…} values or headers such as Authorization) run');
/** A cloned config must not make the person's machine change things elsewhere (POST to an internal service, say). */
export const HTTP_UNTRUSTED_METHOD_REASON = untrustedReason('http gates with a method other than GET or HEAD run');

/** The methods an http gate may use in Restricted Mode: they only read. */
const UNTRUSTED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/** Why the gate cannot run in Restricted Mode; undefined when it can. */
export function untrustedHttpGateProblem(gate: HttpGateConfig): string | undefined {
  if (!UNTRUSTED_METHODS.has(gate.method)) return HTTP_UNTRUSTED_METHOD_REASON;
  if (httpGateSendsSecrets(gate)) return HTTP_UNTRUSTED_REASON;
  return undefined;
}

/** Whether running the gate hands out something secret: a variable's value, or a secret header. */
export function httpGateSendsSecrets(gate: HttpGateConfig): boolean {
  return envVariables(gate.url).length > 0 || Object.entries(gate.headers).some(([name, value]) => isSecretHeaderName(name) || envVariables(value).length > 0);
}

interface Verdict {
  readonly ok: boolean;
  /** What the attempt got, one line. */
  readonly says: string;
  readonly excerpt?: string;
}

export async function runHttpGate(gate: HttpGateConfig, ctx: GateContext): Promise<GateResult> {
  const started = Date.now();
  throwIfAborted(ctx.signal);
  const untrusted = ctx.trusted ? undefined : untrustedHttpGateProblem(gate);
  if (untrusted) return failed(gate.name, gate.type, untrusted);

  const resolved = await resolveHttpValues(gate, ctx);
  if (!resolved.ok) return result(gate, resolved.status, resolved.reason, started);
  const values = resolved.values;
  const shownUrl = values.shown(gate.url);
  const request = `${gate.method} ${shownUrl}`;
  const problem = requestProblem(gate, values);
  if (problem) return redact(result(gate, 'error', `${request}: ${problem}`, started), values);

  const attempts = gate.retries + 1;
  const attemptLines: string[] = [];
  let verdict: Verdict | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      const delay = Math.min(gate.retryDelaySeconds * 2 ** (attempt - 2), MAX_HTTP_RETRY_DELAY_SECONDS);
      ctx.log.info(`[${gate.name}] retrying in ${delay} s`);
      await sleep(delay * 1000, ctx.signal);
    }
    const outcome = await sendHttpRequest({
      url: new URL(values.expand(gate.url, true)),
      method: gate.method,
      headers: expandedHeaders(gate, values),
      timeoutMs: gate.timeoutSeconds * 1000,
      expectStatus: gate.expectStatus,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    verdict = judge(gate, outcome, values);
    const line = `attempt ${attempt} of ${attempts}: ${verdict.says}`;
    attemptLines.push(line);
    ctx.log.info(`[${gate.name}] ${request} ${hider(values)(line)}`);
    if (verdict.ok) break;
  }

  const last = verdict!;
  const tries = attemptLines.length > 1 ? ` (attempt ${attemptLines.length} of ${attempts}, after ${seconds(Date.now() - started)})` : '';
  const details = [...attemptLines, ...(last.excerpt ? [`body: ${last.excerpt}`] : [])];
  if (last.ok)
    return redact(
      passed(gate.name, gate.type, `${request}: ${last.says}${tries}`, Date.now() - started, attemptLines.length > 1 ? details : undefined),
      values,
    );
  const excerpt = last.excerpt ? `; body: ${bodyExcerpt(last.excerpt, [], 80)}` : '';
  return redact(failed(gate.name, gate.type, `${request}: ${last.says}${tries}${excerpt}`, Date.now() - started, details), values);
}

/** Why the expanded request cannot be sent at all. */
function requestProblem(gate: HttpGateConfig, values: HttpValues): string | undefined {
  let url: URL;
  try {
    url = new URL(values.expand(gate.url, true));
  } catch {
    return 'not a valid URL once its placeholders are filled in';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the URL must be http:// or https://, not ${url.protocol}//`;
  for (const [name, value] of Object.entries(expandedHeaders(gate, values))) {
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
      return `the value of header ${name} holds a line break or a character a header cannot carry (check the variables it reads)`;
  }
  return undefined;
}

function judge(gate: HttpGateConfig, outcome: HttpOutcome, values: HttpValues): Verdict {
  if (outcome.kind === 'no-answer') return { ok: false, says: outcome.reason };
  const status = `${outcome.status}${outcome.statusText ? ` ${outcome.statusText}` : ''}`;
  const excerpt = outcome.body ? bodyExcerpt(outcome.body, values.secrets) : undefined;
  const withExcerpt = excerpt ? { excerpt } : {};
  if (outcome.redirectedTo)
    return {
      ok: false,
      says: `answered ${status}, a redirect to ${outcome.redirectedTo}, which is not followed because it is another origin; point url at it`,
    };
  if (!gate.expectStatus.includes(outcome.status)) return { ok: false, says: `answered ${status}, expected ${gate.expectStatus.join(' or ')}`, ...withExcerpt };
  if (!gate.body) return { ok: true, says: `answered ${status}` };
  const body = checkBody(gate.body, outcome.body, outcome.truncated, (text) => values.expand(text));
  return { ok: body.ok, says: `answered ${status}${body.ok ? ' and' : ' but'} ${body.says}`, ...(body.ok ? {} : withExcerpt) };
}

function expandedHeaders(gate: HttpGateConfig, values: HttpValues): Record<string, string> {
  return Object.fromEntries(Object.entries(gate.headers).map(([name, value]) => [name, values.expand(value)]));
}

function result(gate: HttpGateConfig, status: GateStatus, reason: string, started: number): GateResult {
  const durationMs = Date.now() - started;
  if (status === 'passed') return passed(gate.name, gate.type, reason, durationMs);
  return status === 'failed' ? failed(gate.name, gate.type, reason, durationMs) : errored(gate.name, gate.type, reason, durationMs);
}

/** The result with every value read from an environment variable blanked out. */
function redact(r: GateResult, values: HttpValues): GateResult {
  const hide = hider(values);
  return { ...r, reason: hide(r.reason), ...(r.details ? { details: r.details.map(hide) } : {}) };
}

function hider(values: HttpValues): (text: string) => string {
  return (text) => values.secrets.reduce((t, secret) => (secret.length >= 4 ? t.split(secret).join('***') : t), text);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
