// An environment's `runs:` (where its workload runs) and `deploy:` (how it is redeployed after the move):
// the checks a schema cannot express, each at its line, and the defaults.
import { durationProblem, parseDuration } from '../core/duration';
import { CONTEXT_PREFIX, EngineAddressError, parseHost } from '../engine/engineAddress';
import { GATE_KINDS, type Reporter } from './gates';
import { checkedHttpUrl } from './httpUrl';
import { jsonPathProblem } from './jsonPath';
import { findPlaceholders } from './placeholders';
import { hasClearSecret, suggestedSecretValue } from './secretHeaders';
import { DEFAULT_DEPLOY_WITHIN, type DeployAction, type DeployConfig, type HttpGateConfig, type HttpMethod, type RuntimeConfig } from './types';
import { formatPath, type PathSegment } from './yamlSource';

const RUNTIME_KINDS = ['docker', 'kubernetes', 'http'] as const;
const DEPLOY_KINDS = ['docker', 'command', 'webhook'] as const;
export const DEFAULT_RUNTIME_HTTP_TIMEOUT_SECONDS = 5;
const DEFAULT_WEBHOOK_STATUS = [200, 201, 202, 204];
const DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 30;
/** Programs a person keeps in the repository: without a "/" the system looks for them on PATH, not in the workspace. */
const SCRIPT = /\.(?:sh|bash|py|js|mjs|ts|rb|pl|ps1|bat|cmd)$/i;

type Raw = Readonly<Record<string, unknown>>;

export interface RawRuntime {
  readonly runs?: Raw;
  readonly deploy?: Raw;
}

export function checkRuntime(env: Raw, at: readonly PathSegment[], report: Reporter): void {
  const runs = isRecord(env.runs) ? env.runs : undefined;
  const deploy = isRecord(env.deploy) ? env.deploy : undefined;
  const runsKind = runs ? oneKind(runs, RUNTIME_KINDS, [...at, 'runs'], report, 'where the workload runs') : undefined;
  if (runs && runsKind) checkRuns(runsKind, runs[runsKind], [...at, 'runs', runsKind], report);
  if (!deploy) return;
  const deployAt = [...at, 'deploy'];
  const deployKind = oneKind(deploy, DEPLOY_KINDS, deployAt, report, 'how the environment is redeployed');
  if (!runs)
    report.error(
      deployAt,
      'key',
      `${formatPath(deployAt)}: deploy needs runs, which tells when the new digest runs everywhere; add runs: with docker, kubernetes or http`,
    );
  if (typeof deploy.within === 'string' && deploy.within) {
    const where = [...deployAt, 'within'];
    const problem = durationProblem(deploy.within);
    if (problem) report.error(where, 'value', `${formatPath(where)}: ${problem}`);
    else if (parseDuration(deploy.within) === 0)
      report.error(where, 'value', `${formatPath(where)}: within 0 leaves the redeploy no time; give a duration such as 5m`);
  }
  if (deployKind === 'docker' && isRecord(deploy.docker)) {
    const docker = deploy.docker;
    const where = [...deployAt, 'docker'];
    if (docker.labels === undefined && runsKind !== 'docker')
      report.error(
        where,
        'value',
        `${formatPath(where)}: without labels the redeploy recreates the containers of runs.docker, and runs has no docker; name the labels here`,
      );
    checkDocker(docker, where, report);
  }
  if (deployKind === 'command' && Array.isArray(deploy.command)) checkCommand(deploy.command, [...deployAt, 'command'], report);
  if (deployKind === 'webhook' && isRecord(deploy.webhook))
    GATE_KINDS.http.check?.({ type: 'http', ...deploy.webhook }, [...deployAt, 'webhook'], report, { environmentIndex: 0 });
}

/** The one key of `kinds` the map holds; reports none and several. */
function oneKind<K extends string>(map: Raw, kinds: readonly K[], at: readonly PathSegment[], report: Reporter, what: string): K | undefined {
  const given = kinds.filter((k) => map[k] !== undefined);
  if (given.length === 0) {
    if (Object.keys(map).every((k) => k === 'within')) report.error(at, 'key', `${formatPath(at)}: say ${what}: one of ${kinds.join(', ')}`);
    return undefined;
  }
  if (given.length > 1) {
    report.error(
      [...at, given[1]!],
      'key',
      `${formatPath(at)}: has both ${given[0]} and ${given[1]}; ${what} is one of ${kinds.join(', ')} (one per environment)`,
    );
    return undefined;
  }
  return given[0];
}

function checkRuns(kind: (typeof RUNTIME_KINDS)[number], value: unknown, at: readonly PathSegment[], report: Reporter): void {
  if (!isRecord(value)) return;
  if (kind === 'docker') return checkDocker(value, at, report);
  if (kind === 'kubernetes') {
    if (typeof value.selector === 'string' && !/\S/.test(value.selector))
      report.error([...at, 'selector'], 'value', `${formatPath([...at, 'selector'])}: an empty selector would match every pod; write one such as app=shop`);
    return;
  }
  if (typeof value.url === 'string') {
    const where = [...at, 'url'];
    const uses = findPlaceholders(value.url);
    for (const use of uses) {
      if (use.problem) report.error(where, 'value', `${formatPath(where)}: ${use.problem}`);
      else if (use.placeholder?.kind === 'value')
        report.error(
          where,
          'value',
          `${formatPath(where)}: ${use.text}: runs is read at every refresh, where there is no promotion's ${use.placeholder.name}; only \${env:NAME} is expanded here`,
        );
    }
    if (uses.every((u) => u.placeholder?.kind === 'env') && !/^\s*\$\{env:/.test(value.url))
      checkedHttpUrl(value.url, value.url.replace(/\$\{env:[^}]*\}/g, 'x'), where, report, 'https://staging.example.com/version');
  }
  if (typeof value.jsonPath === 'string') {
    const problem = jsonPathProblem(value.jsonPath);
    if (problem) report.error([...at, 'jsonPath'], 'value', `${formatPath([...at, 'jsonPath'])}: ${problem}`);
  }
  if (isRecord(value.headers)) {
    for (const [name, header] of Object.entries(value.headers)) {
      if (typeof header === 'string' && hasClearSecret(name, header)) {
        const where = [...at, 'headers', name];
        report.error(
          where,
          'value',
          `${formatPath(where)}: a secret written in clear in the config; write "${suggestedSecretValue(header)}" and set the variable NAME`,
        );
      }
    }
  }
}

function checkDocker(value: Raw, at: readonly PathSegment[], report: Reporter): void {
  if (isRecord(value.labels) && Object.keys(value.labels).length === 0) {
    const where = [...at, 'labels'];
    report.error(
      where,
      'value',
      `${formatPath(where)}: no labels would take every container on the engine; name the labels that mark this environment's containers, such as app: shop`,
    );
  }
  if (typeof value.host === 'string' && value.host.trim() && !value.host.trim().startsWith(CONTEXT_PREFIX)) {
    try {
      parseHost(value.host.trim(), formatPath([...at, 'host']));
    } catch (error) {
      if (!(error instanceof EngineAddressError)) throw error;
      report.error([...at, 'host'], 'value', `${error.message}; or context:<name> for a Docker context`);
    }
  }
}

function checkCommand(run: readonly unknown[], at: readonly PathSegment[], report: Reporter): void {
  const program = run[0];
  if (typeof program !== 'string') return;
  const where = [...at, 0];
  if (!program.trim())
    report.error(where, 'value', `${formatPath(where)}: the program to run is empty; the first element is the program, such as kubectl or ./scripts/deploy.sh`);
  else if (program.split(/[\\/]/).includes('..'))
    report.error(
      where,
      'value',
      `${formatPath(where)}: "${program}" has a ".." segment, which leads out of the workspace folder; keep the script inside it (./scripts/deploy.sh)`,
    );
  else if (!/[\\/]/.test(program) && SCRIPT.test(program))
    report.error(
      where,
      'value',
      `${formatPath(where)}: "${program}" is looked for on PATH, not in the workspace folder (no shell adds ./); write "./${program}"`,
    );
  else if (run.length === 1 && /\s/.test(program.trim()))
    report.error(
      where,
      'value',
      `${formatPath(where)}: "${program}" runs as one program name, since no shell splits it; write each argument as its own element: [${program
        .trim()
        .split(/\s+/)
        .map((w) => JSON.stringify(w))
        .join(', ')}]`,
    );
}

/** Only called on an environment the schema and checkRuntime accepted. */
export function normaliseRuntime(env: RawRuntime): { runs?: RuntimeConfig; deploy?: DeployConfig } {
  const runs = env.runs ? normaliseRuns(env.runs) : undefined;
  if (!env.deploy) return runs ? { runs } : {};
  const within = typeof env.deploy.within === 'string' ? env.deploy.within : DEFAULT_DEPLOY_WITHIN;
  return { ...(runs ? { runs } : {}), deploy: { action: normaliseAction(env.deploy, runs, parseDuration(within)), within, withinMs: parseDuration(within) } };
}

function normaliseRuns(raw: Raw): RuntimeConfig {
  if (isRecord(raw.docker)) return { kind: 'docker', ...host(raw.docker), labels: { ...(raw.docker.labels as Record<string, string>) } };
  if (isRecord(raw.kubernetes)) {
    const k = raw.kubernetes as { context?: string; namespace?: string; selector: string; container?: string };
    return {
      kind: 'kubernetes',
      ...(k.context ? { context: k.context } : {}),
      namespace: k.namespace ?? 'default',
      selector: k.selector.trim(),
      ...(k.container ? { container: k.container } : {}),
    };
  }
  const h = raw.http as { url: string; jsonPath: string; headers?: Record<string, string>; timeoutSeconds?: number };
  return {
    kind: 'http',
    url: h.url.trim(),
    jsonPath: h.jsonPath,
    headers: { ...h.headers },
    timeoutSeconds: h.timeoutSeconds ?? DEFAULT_RUNTIME_HTTP_TIMEOUT_SECONDS,
  };
}

function normaliseAction(raw: Raw, runs: RuntimeConfig | undefined, withinMs: number): DeployAction {
  if (isRecord(raw.docker)) {
    const docker = raw.docker as { host?: string; labels?: Record<string, string> };
    // Without labels: the containers runs.docker reads, on its engine.
    if (!docker.labels && runs?.kind === 'docker') return { kind: 'docker', ...(runs.host ? { host: runs.host } : {}), labels: runs.labels };
    return { kind: 'docker', ...host(docker), labels: { ...docker.labels } };
  }
  if (Array.isArray(raw.command)) return { kind: 'command', run: [...(raw.command as string[])], timeoutSeconds: Math.ceil(withinMs / 1000) };
  const w = raw.webhook as { url: string; method?: HttpMethod; headers?: Record<string, string>; expectStatus?: number | number[]; timeoutSeconds?: number };
  const method = w.method ?? 'POST';
  const request: HttpGateConfig = {
    type: 'http',
    name: `deploy webhook ${method} ${w.url}`,
    url: w.url.trim(),
    method,
    headers: { ...w.headers },
    expectStatus: w.expectStatus === undefined ? DEFAULT_WEBHOOK_STATUS : typeof w.expectStatus === 'number' ? [w.expectStatus] : [...w.expectStatus],
    timeoutSeconds: w.timeoutSeconds ?? DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
    retries: 0,
    retryDelaySeconds: 1,
  };
  return { kind: 'webhook', request };
}

function host(value: Raw): { host?: string } {
  return typeof value.host === 'string' && value.host.trim() ? { host: value.host.trim() } : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
