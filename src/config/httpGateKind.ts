// The http gate's checks beyond the schema, and its defaults.
import type { GateKind, Reporter } from './gates';
import { checkedHttpUrl } from './httpUrl';
import { jsonPathProblem } from './jsonPath';
import { expandPlaceholders, placeholderProblems } from './placeholders';
import { hasClearSecret, isSecretHeaderName, suggestedSecretValue } from './secretHeaders';
import {
  DEFAULT_HTTP_METHOD,
  DEFAULT_HTTP_RETRIES,
  DEFAULT_HTTP_RETRY_DELAY_SECONDS,
  DEFAULT_HTTP_STATUS,
  DEFAULT_HTTP_TIMEOUT_SECONDS,
  type HttpBodyCheck,
  type HttpGateConfig,
  type HttpMethod,
} from './types';
import { compileWorkspacePattern } from './workspacePattern';
import { formatPath, type PathSegment } from './yamlSource';

interface RawHttpGate {
  readonly name?: string;
  readonly url: string;
  readonly method?: HttpMethod;
  readonly headers?: Readonly<Record<string, string>>;
  readonly expectStatus?: number | readonly number[];
  readonly body?: { readonly contains?: string; readonly regex?: string; readonly jsonPath?: string; readonly equals?: string };
  readonly timeoutSeconds?: number;
  readonly retries?: number;
  readonly retryDelaySeconds?: number;
}

const BODY_CHECKS = ['contains', 'regex', 'jsonPath'] as const;
const LOOPBACK = /^(?:localhost|127(?:\.\d+){3}|\[::1\])$/i;

export const http: GateKind<'http'> = {
  check(gate, at, report) {
    const headers = isRecord(gate.headers) ? gate.headers : {};
    const sendsSecrets = Object.entries(headers).some(([name, value]) => isSecretHeaderName(name) || (typeof value === 'string' && value.includes('${env:')));
    if (typeof gate.url === 'string') checkUrl(gate.url, [...at, 'url'], sendsSecrets, report);
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string') checkHeader(name, value, [...at, 'headers', name], report);
    }
    if (isRecord(gate.body)) {
      checkBody(gate.body, [...at, 'body'], report);
      if (gate.method === 'HEAD') {
        const where = [...at, 'body'];
        report.error(where, 'key', `${formatPath(where)}: a HEAD request gets no body to check; use method GET, or remove body`);
      }
    }
  },
  normalise(gate): HttpGateConfig {
    const raw = gate as unknown as RawHttpGate;
    const method = raw.method ?? DEFAULT_HTTP_METHOD;
    const status = raw.expectStatus ?? DEFAULT_HTTP_STATUS;
    const body = raw.body ? normaliseBody(raw.body) : undefined;
    return {
      type: 'http',
      name: raw.name ?? `http ${method} ${raw.url}`,
      url: raw.url,
      method,
      headers: { ...raw.headers },
      expectStatus: typeof status === 'number' ? [status] : [...status],
      ...(body ? { body } : {}),
      timeoutSeconds: raw.timeoutSeconds ?? DEFAULT_HTTP_TIMEOUT_SECONDS,
      retries: raw.retries ?? DEFAULT_HTTP_RETRIES,
      retryDelaySeconds: raw.retryDelaySeconds ?? DEFAULT_HTTP_RETRY_DELAY_SECONDS,
    };
  },
};

function normaliseBody(body: NonNullable<RawHttpGate['body']>): HttpBodyCheck {
  if (body.contains !== undefined) return { contains: body.contains };
  if (body.regex !== undefined) return { regex: body.regex };
  return { jsonPath: body.jsonPath ?? '$', equals: body.equals ?? '' };
}

function checkUrl(url: string, where: readonly PathSegment[], sendsSecrets: boolean, report: Reporter): void {
  const problems = placeholderProblems(url, true);
  for (const problem of problems) report.error(where, 'value', `${formatPath(where)}: ${problem}`);
  if (problems.length || /^\s*\$\{env:/.test(url)) return; // the scheme and host come from a variable: checked when the gate runs
  const parsed = checkedHttpUrl(
    url,
    expandPlaceholders(url, (p) => (p.kind === 'env' ? 'x' : 'x0')),
    where,
    report,
    'https://staging.example.com/version',
  );
  if (parsed && sendsSecrets && parsed.protocol === 'http:' && !LOOPBACK.test(parsed.hostname)) {
    report.warning(where, 'value', `${formatPath(where)}: this gate sends a secret header over plain http to ${parsed.hostname}; use https://`);
  }
}

function checkHeader(name: string, value: string, where: readonly PathSegment[], report: Reporter): void {
  for (const problem of placeholderProblems(value, true)) report.error(where, 'value', `${formatPath(where)}: ${problem}`);
  if (hasClearSecret(name, value)) {
    report.error(
      where,
      'value',
      `${formatPath(where)}: a secret written in clear in the config; write "${suggestedSecretValue(value)}" and set the variable NAME in the environment VS Code is started from, so the secret stays out of the repository`,
    );
  }
}

function checkBody(body: Readonly<Record<string, unknown>>, where: readonly PathSegment[], report: Reporter): void {
  const given = BODY_CHECKS.filter((check) => body[check] !== undefined);
  if (given.length === 0) {
    const equals = body.equals !== undefined;
    report.error(
      equals ? [...where, 'equals'] : where,
      'key',
      `${formatPath(where)}: ${equals ? 'equals needs a jsonPath naming the value to compare, such as jsonPath: $.version' : 'say what the body must hold: contains, regex, or jsonPath with equals'}`,
    );
  } else if (given.length > 1) {
    const second = [...where, given[1]!];
    report.error(second, 'key', `${formatPath(where)}: one body check per gate, found ${given.join(' and ')}; add another http gate for the second check`);
  }
  if (typeof body.regex === 'string') {
    const result = compileWorkspacePattern(body.regex);
    if (!result.ok) report.error([...where, 'regex'], 'value', `${formatPath([...where, 'regex'])}: not a usable regular expression: ${result.problem}`);
  }
  if (typeof body.jsonPath === 'string') {
    const problem = jsonPathProblem(body.jsonPath);
    if (problem) report.error([...where, 'jsonPath'], 'value', `${formatPath([...where, 'jsonPath'])}: ${problem}`);
    if (body.equals === undefined)
      report.error(
        [...where, 'jsonPath'],
        'key',
        `${formatPath(where)}: jsonPath needs equals, the value to expect, such as equals: "\${revision}" or "\${digest}"`,
      );
  } else if (body.equals !== undefined && given.length > 0) {
    report.error(
      [...where, 'equals'],
      'key',
      `${formatPath([...where, 'equals'])}: equals goes with jsonPath; with ${given[0]} the ${given[0]} value is what is checked`,
    );
  }
  for (const field of ['contains', 'equals'] as const) {
    const text = body[field];
    if (typeof text !== 'string') continue;
    for (const problem of placeholderProblems(text, false)) report.error([...where, field], 'value', `${formatPath([...where, field])}: ${problem}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
