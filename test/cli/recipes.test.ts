// The CI recipes in docs/ci/ stay true: every `image-promotion` command line and every step of the
// Image Promotion Action in them runs, in order, against the harness's engine and registry, with the
// CI's variables standing for their values.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, makeTempDir, pushImage, sharedServices, uniqueRepo, type TestServices } from '../harness';
import { runAction } from './actionSupport';
import { cliEnv, describeRun, runCli, workspace } from './support';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** The Action as a recipe names it: this repository, at the major version's tag. */
export const ACTION_USES = 'image-promotion/image-promotion@v0';

/** A CLI command line, or a step of the Action with its `with:` inputs. */
export type RecipeStep = { readonly line: string } | { readonly uses: string; readonly with: Record<string, string> };

interface JobStep {
  readonly run?: string;
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
}

/** The steps of every job that run the CLI (`run:` on GitHub, `script:` on GitLab) or the Action, in job order. */
export function recipeSteps(recipe: unknown): RecipeStep[] {
  const jobs = (recipe as { jobs?: Record<string, unknown> }).jobs ?? (recipe as Record<string, unknown>);
  const found: RecipeStep[] = [];
  for (const job of Object.values(jobs)) {
    if (!job || typeof job !== 'object') continue;
    const steps: JobStep[] = (job as { steps?: JobStep[] }).steps ?? (job as { script?: string[] }).script?.map((run) => ({ run })) ?? [];
    for (const step of steps) {
      if (step.uses?.startsWith('image-promotion/'))
        found.push({ uses: step.uses, with: Object.fromEntries(Object.entries(step.with ?? {}).map(([name, value]) => [name, String(value)])) });
      for (const line of String(step.run ?? '').split('\n')) if (/\bimage-promotion\b/.test(line)) found.push({ line: line.trim() });
    }
  }
  return found;
}

/** $VAR, ${VAR} and ${{ expr }} replaced by their values; one the test does not know is an error. */
function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}|\$\{(\w+)\}|\$(\w+)/g, (whole, expr?: string, braced?: string, bare?: string) => {
    const key = (expr ?? braced ?? bare)!;
    if (!(key in values)) throw new Error(`the recipe's "${text}" uses ${whole}, which the test does not know: add it to the values`);
    return values[key]!;
  });
}

/** Shell words of a simple command line: double quotes and $VAR/${VAR}/${{ expr }} substitution, nothing else. */
export function words(line: string, values: Record<string, string>): string[] {
  const substituted = substitute(line, values);
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
      const steps = recipeSteps(recipe);
      assert.ok(steps.length >= 6, `found only ${steps.length} CLI lines and Action steps in ${file}`);
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
      let summaries = ''; // the Action's steps each write a summary file of their own
      for (const step of steps) {
        if ('uses' in step) {
          assert.equal(step.uses, ACTION_USES, `${file} names the Action as ${ACTION_USES}`);
          const inputs = Object.fromEntries(Object.entries(step.with).map(([name, value]) => [name, substitute(value, values)]));
          const run = await runAction(inputs, { cwd: dir, env });
          summaries += run.summary;
          assert.equal(run.code, 0, `${file}: the Action with ${JSON.stringify(step.with)}\n${describeRun(run)}`);
          if (inputs.command === 'promote') assert.equal(run.outputs.status, 'succeeded', `${file}: outputs of ${JSON.stringify(step.with)}`);
          continue;
        }
        const argv = words(step.line, values);
        const at = argv.findIndex((w) => /^image-promotion(@[\w.^~-]+)?$/.test(w));
        assert.ok(
          at >= 0 && argv.slice(0, at).every((w) => w === 'npx' || w === '--yes'),
          `"${step.line}" should call the CLI as npx [--yes] image-promotion[@version]`,
        );
        const run = await runCli(argv.slice(at + 1), { cwd: dir, env });
        assert.equal(run.code, 0, `${file}: ${step.line}\n${describeRun(run)}`);
      }
      for (const tagName of ['dev', 'staging', 'production'])
        assert.equal(await digestOf(svc.registryUrl, repo, tagName), build.digest, `${tagName} holds the build`);
      if (ci === 'github') assert.match(summaries + (existsSync(summary) ? readFileSync(summary, 'utf8') : ''), /### Promotion into production: succeeded/);
    });
  }
});
