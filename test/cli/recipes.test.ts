// The CI recipes in docs/ci/ stay true: every `image-promotion` command line in them runs, in order,
// against the harness's engine and registry, with the CI's variables standing for their values.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, makeTempDir, pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { cliEnv, describeRun, runCli, workspace } from './support';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** The lines of every `run:` (GitHub) or `script:` (GitLab) that call the CLI, in job order. */
export function cliLines(recipe: unknown): string[] {
  const jobs = (recipe as { jobs?: Record<string, unknown> }).jobs ?? (recipe as Record<string, unknown>);
  const lines: string[] = [];
  for (const job of Object.values(jobs)) {
    if (!job || typeof job !== 'object') continue;
    const steps = (job as { steps?: { run?: string }[] }).steps?.map((s) => s.run) ?? (job as { script?: string[] }).script ?? [];
    for (const text of steps) {
      for (const line of String(text ?? '').split('\n')) if (/\bimage-promotion\b/.test(line)) lines.push(line.trim());
    }
  }
  return lines;
}

/** Shell words of a simple command line: double quotes and $VAR/${VAR}/${{ expr }} substitution, nothing else. */
export function words(line: string, values: Record<string, string>): string[] {
  const substituted = line.replace(/\$\{\{\s*([^}]+?)\s*\}\}|\$\{(\w+)\}|\$(\w+)/g, (whole, expr?: string, braced?: string, bare?: string) => {
    const key = (expr ?? braced ?? bare)!;
    if (!(key in values)) throw new Error(`the recipe line "${line}" uses ${whole}, which the test does not know: add it to the values`);
    return values[key]!;
  });
  if (/[|;&<>`]|\$\(/.test(substituted.replace(/"[^"]*"/g, '')))
    throw new Error(`"${line}" is more than one simple command; keep recipe lines to one CLI call`);
  return [...substituted.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('CI recipes (docs/ci) run against a real engine and registry', function () {
  this.timeout(180_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  for (const [file, ci] of [
    ['github-actions.yml', 'github'],
    ['gitlab-ci.yml', 'gitlab'],
  ] as const) {
    it(`${file}: every image-promotion line succeeds, in order`, async () => {
      const recipe = parse(readFileSync(path.join(ROOT, 'docs', 'ci', file), 'utf8')) as unknown;
      const lines = cliLines(recipe);
      assert.ok(lines.length >= 6, `found only ${lines.length} CLI lines in ${file}`);
      const repo = uniqueRepo();
      const tag = 'f00dcafe'.slice(0, 7);
      const build = await pushImage(svc.registryUrl, repo, tag);
      const dir = workspace(
        promotionYaml(`${svc.registry}/${repo}`, [
          { name: 'development', tag: 'dev' },
          { name: 'staging', gates: [`{ type: command, name: smoke, run: [${JSON.stringify(process.execPath)}, "-e", "process.exit(0)"] }`] },
          { name: 'production', protected: true, gates: ['{ type: approval }'] },
        ]),
      );
      const summary = path.join(makeTempDir('cli-summary'), 'summary.md');
      const values: Record<string, string> =
        ci === 'github'
          ? { 'needs.build.outputs.tag': tag, 'github.actor': 'octo-reviewer' }
          : { CI_COMMIT_SHORT_SHA: tag, GITLAB_USER_LOGIN: 'gitlab-reviewer' };
      const env = cliEnv(
        svc,
        ci === 'github' ? { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_ACTOR: 'octo-reviewer' } : { GITLAB_USER_LOGIN: 'gitlab-reviewer' },
      );
      for (const line of lines) {
        const argv = words(line, values);
        const at = argv.indexOf('image-promotion');
        assert.ok(at >= 0 && argv.slice(0, at).every((w) => w === 'npx'), `"${line}" should call the CLI as npx image-promotion`);
        const run = await runCli(argv.slice(at + 1), { cwd: dir, env });
        assert.equal(run.code, 0, `${file}: ${line}\n${describeRun(run)}`);
      }
      for (const tagName of ['dev', 'staging', 'production'])
        assert.equal(await digestOf(svc.registryUrl, repo, tagName), build.digest, `${tagName} holds the build`);
      if (ci === 'github') assert.match(readFileSync(summary, 'utf8'), /### Promotion into production: succeeded/);
    });
  }
});
