// runs: and deploy: in the config: what parses, with its defaults, and each mistake as a diagnostic
// on its own line.
import * as assert from 'node:assert/strict';
import { parsePromotionConfig } from '../../src/config/parseConfig';
import type { ConfigDiagnostic } from '../../src/config/types';
import { lineOf, staging } from './stagingConfigText';

function errors(text: string): ConfigDiagnostic[] {
  return parsePromotionConfig(text).diagnostics.filter((d) => d.severity === 'error');
}

/** The one error of `text`, on the line holding `needle`, matching `pattern`. */
function oneErrorAt(text: string, needle: string, pattern: RegExp): void {
  const found = errors(text);
  assert.equal(found.length, 1, found.map((d) => `${d.range.startLine}: ${d.message}`).join('\n'));
  assert.equal(found[0]!.range.startLine, lineOf(text, needle), found[0]!.message);
  assert.match(found[0]!.message, pattern);
}

describe('runs and deploy config', () => {
  it('parses runs.docker with deploy.docker inheriting its host and labels, within 5m by default', () => {
    const text = staging('runs:', '  docker:', '    host: context:staging', '    labels: { app: shop, env: staging }', 'deploy:', '  docker: {}');
    const result = parsePromotionConfig(text);
    assert.deepEqual(result.diagnostics, []);
    const env = result.config!.environments[1]!;
    assert.deepEqual(env.runs, { kind: 'docker', host: 'context:staging', labels: { app: 'shop', env: 'staging' } });
    assert.deepEqual(env.deploy, {
      action: { kind: 'docker', host: 'context:staging', labels: { app: 'shop', env: 'staging' } },
      within: '5m',
      withinMs: 300_000,
    });
    assert.equal(result.config!.environments[0]!.runs, undefined);
  });

  it('parses runs.kubernetes (namespace default) and runs.http, deploy.command and deploy.webhook with their defaults', () => {
    const k = parsePromotionConfig(
      staging(
        'runs:',
        '  kubernetes: { context: prod, selector: app=shop }',
        'deploy:',
        '  command: [kubectl, rollout, restart, deployment/shop]',
        '  within: 2m',
      ),
    );
    assert.deepEqual(k.diagnostics, []);
    const kenv = k.config!.environments[1]!;
    assert.deepEqual(kenv.runs, { kind: 'kubernetes', context: 'prod', namespace: 'default', selector: 'app=shop' });
    assert.deepEqual(kenv.deploy, {
      action: { kind: 'command', run: ['kubectl', 'rollout', 'restart', 'deployment/shop'], timeoutSeconds: 120 },
      within: '2m',
      withinMs: 120_000,
    });

    const h = parsePromotionConfig(
      staging(
        'runs:',
        '  http: { url: "https://staging.example.com/version", jsonPath: $.digest }',
        'deploy:',
        '  webhook:',
        '    url: https://deploy.example.com/hooks/${environment}',
        '    headers: { Authorization: "Bearer ${env:DEPLOY_TOKEN}" }',
      ),
    );
    assert.deepEqual(h.diagnostics, []);
    const henv = h.config!.environments[1]!;
    assert.deepEqual(henv.runs, { kind: 'http', url: 'https://staging.example.com/version', jsonPath: '$.digest', headers: {}, timeoutSeconds: 5 });
    const action = henv.deploy!.action;
    assert.equal(action.kind, 'webhook');
    assert.equal(action.kind === 'webhook' && action.request.method, 'POST');
    assert.deepEqual(action.kind === 'webhook' && action.request.expectStatus, [200, 201, 202, 204]);
  });

  it('an unknown key under runs.docker is an error at its line, naming the keys it takes', () => {
    const text = staging('runs:', '  docker:', '    labels: { app: shop }', '    lables: { app: shop }');
    oneErrorAt(text, 'lables', /unknown property "lables" in environments\[1\]\.runs\.docker; expected one of host, labels/);
  });

  it('both docker and kubernetes under runs is an error at the second', () => {
    const text = staging('runs:', '  docker: { labels: { app: shop } }', '  kubernetes: { selector: app=shop }');
    oneErrorAt(text, 'kubernetes:', /both docker and kubernetes/);
  });

  it('empty labels are an error at their line (they would take every container on the engine)', () => {
    const text = staging('runs:', '  docker:', '    labels: {}');
    oneErrorAt(text, 'labels: {}', /every container on the engine/);
  });

  it('runs with nothing under it says what it takes', () => {
    const text = staging('runs: {}');
    oneErrorAt(text, 'runs:', /one of docker, kubernetes, http/);
  });

  it('a host that is no engine address is an error at its line', () => {
    const text = staging('runs:', '  docker:', '    host: staging.example.com:2376', '    labels: { app: shop }');
    oneErrorAt(text, 'host:', /not an engine address|scheme/);
  });

  it('deploy without runs is an error: nothing could tell when the redeploy landed', () => {
    const text = staging('deploy:', '  command: [./deploy.sh]');
    oneErrorAt(text, 'deploy:', /deploy needs runs/);
  });

  it('deploy.docker without labels when runs is not docker is an error', () => {
    const text = staging('runs:', '  http: { url: "https://s.example.com/v", jsonPath: $.digest }', 'deploy:', '  docker: {}');
    oneErrorAt(text, 'docker: {}', /name the labels here/);
  });

  it('a script named without ./ is an error: no shell adds it, so it would be looked for on PATH', () => {
    const text = staging('runs:', '  docker: { labels: { app: shop } }', 'deploy:', '  command: [deploy.sh, staging]');
    oneErrorAt(text, 'deploy.sh', /looked for on PATH.*"\.\/deploy\.sh"/);
  });

  it('a command path leading out of the workspace is an error', () => {
    const text = staging('runs:', '  docker: { labels: { app: shop } }', 'deploy:', '  command: [../ops/deploy.sh]');
    oneErrorAt(text, '../ops', /leads out of the workspace folder/);
  });

  it('a command line written as one element is an error at it', () => {
    const text = staging('runs:', '  docker: { labels: { app: shop } }', 'deploy:', '  command: ["kubectl rollout restart deployment/shop"]');
    oneErrorAt(text, 'kubectl rollout', /no shell splits it/);
  });

  it('a malformed within is an error at its line', () => {
    const text = staging('runs:', '  docker: { labels: { app: shop } }', 'deploy:', '  docker: {}', '  within: 5 minutes');
    oneErrorAt(text, '5 minutes', /duration|unit/);
  });

  it('runs.http may not use the promotion placeholders (it is read at every refresh) and checks its jsonPath', () => {
    const text = staging('runs:', '  http:', '    url: https://s.example.com/${digest}', '    jsonPath: $.digest');
    oneErrorAt(text, '${digest}', /read at every refresh/);
    const path = staging('runs:', '  http:', '    url: https://s.example.com/v', '    jsonPath: $..digest');
    oneErrorAt(path, '$..digest', /recursive descent/);
  });

  it('a deploy webhook with a secret in clear is an error at its header, as for http gates', () => {
    const text = staging(
      'runs:',
      '  docker: { labels: { app: shop } }',
      'deploy:',
      '  webhook:',
      '    url: https://deploy.example.com/hook',
      '    headers: { Authorization: "Bearer abcdef0123456789" }',
    );
    oneErrorAt(text, 'Authorization', /secret written in clear/);
  });

  it('onVerifyFailure: rollback with deploy and no verify gates is not warned about (the redeploy is verified)', () => {
    const text = staging('runs:', '  docker: { labels: { app: shop } }', 'deploy:', '  docker: {}', 'onVerifyFailure: rollback');
    assert.deepEqual(parsePromotionConfig(text).diagnostics, []);
  });
});
