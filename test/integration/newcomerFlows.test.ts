// Flows a newcomer tripped on, through the real core and registry: rolling back to what a target held
// before the tool was adopted, and what the progress notification says while a person is asked.
import * as assert from 'node:assert/strict';
import { arrivals, isDrift } from '../../src/history/queries';
import type { HistoryRecord } from '../../src/history/record';
import { historyRecordFor } from '../../src/promotion/historyEntry';
import { promote, type PromotionRequest } from '../../src/promotion/promote';
import { historyHeadline } from '../../src/app/text/historyHeadline';
import { digestOf, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { env, environmentFor, makeCore, ScriptedPrompts, threeEnvironments } from './support';

const who = { user: 'ada' };

describe('newcomer flows (real registry)', function () {
  this.timeout(120_000);
  let svc: TestServices;

  before(async () => {
    svc = await sharedServices();
  });

  it('rolls production back to what it held before the first promotion; blocked attempts stay worded as blocked', async () => {
    const repo = uniqueRepo();
    const cfg = threeEnvironments(`${svc.registry}/${repo}`);
    const old = await pushImage(svc.registryUrl, repo, '3f9c2ab', { created: '2026-01-01T00:00:00Z' });
    const next = await pushImage(svc.registryUrl, repo, '8d41e07', { created: '2026-01-02T00:00:00Z' });
    // The fresh demo: production and staging hold builds from before the tool.
    await tagExisting(svc.registryUrl, repo, old.digest, 'production');
    await tagExisting(svc.registryUrl, repo, next.digest, 'staging');
    const records: HistoryRecord[] = [];
    const core = makeCore(svc, { transport: 'registry' });
    const run = async (request: PromotionRequest) => {
      const outcome = await promote(request, core.services, environmentFor(new ScriptedPrompts(), { history: arrivals(records) }));
      records.push(historyRecordFor(request, outcome, who));
      return outcome;
    };

    const promoted = await run({ config: cfg, source: { kind: 'environment', environment: env(cfg, 'staging') }, target: env(cfg, 'production') });
    assert.equal(promoted.status, 'succeeded', promoted.message);
    assert.equal(records[0]?.previousDigest, old.digest, 'the history read what production held before');
    assert.equal(isDrift('staging', next.digest, null, records), false, 'staging, never promoted into, has not drifted');

    const rollback = await run({
      config: cfg,
      mode: 'rollback',
      source: { kind: 'digest', digest: old.digest, repository: env(cfg, 'production').repository, label: 'earlier' },
      target: env(cfg, 'production'),
    });
    assert.equal(rollback.status, 'succeeded', rollback.message);
    assert.equal(rollback.gates.find((g) => g.name === 'held before')?.status, 'passed');
    assert.equal(await digestOf(svc.registryUrl, repo, 'production'), old.digest);

    // A digest production never held is still refused.
    const stranger = await pushImage(svc.registryUrl, repo, 'c0ffee1');
    const refused = await run({
      config: cfg,
      mode: 'rollback',
      source: { kind: 'digest', digest: stranger.digest, repository: env(cfg, 'production').repository, label: 'x' },
      target: env(cfg, 'production'),
    });
    assert.equal(refused.status, 'blocked');
    assert.match(refused.message, /no record of production holding/);
    assert.equal(await digestOf(svc.registryUrl, repo, 'production'), old.digest);
    assert.match(historyHeadline(records.at(-1)!), /^rollback to sha256:\S+ blocked$/, 'the History row of the blocked attempt');
    assert.match(historyHeadline(records[1]!), /^rolled back to /);
  });

  it('the progress message says it waits for the person while the confirmation and the moved-target question are open', async () => {
    const repo = uniqueRepo();
    const cfg = threeEnvironments(`${svc.registry}/${repo}`, { staging: ['{ type: approval, name: sign-off }'] });
    const build = await pushImage(svc.registryUrl, repo, 'abc1234');
    const other = await pushImage(svc.registryUrl, repo, 'def5678');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    await tagExisting(svc.registryUrl, repo, other.digest, 'staging');
    const messages: string[] = [];
    const seen: Record<string, string | undefined> = {};
    const prompts = new ScriptedPrompts({ moved: true, onConfirm: async () => void (seen.confirm = messages.at(-1)) });
    const askMoved = prompts.confirmMovedTarget.bind(prompts);
    prompts.confirmMovedTarget = async (m) => {
      seen.moved = messages.at(-1);
      return askMoved(m);
    };
    const outcome = await promote(
      // The tree showed staging empty: the person is asked whether to replace what it holds now.
      { config: cfg, source: { kind: 'environment', environment: env(cfg, 'development') }, target: env(cfg, 'staging'), seenTargetDigest: null },
      makeCore(svc, { transport: 'registry' }).services,
      environmentFor(prompts, { progress: (m) => messages.push(m) }),
    );
    assert.equal(outcome.status, 'succeeded', outcome.message);
    assert.match(seen.moved ?? '', /^Waiting for your answer: staging changed/);
    assert.equal(seen.confirm, 'Waiting for your confirmation (you type "staging")…');
    assert.ok(!messages.slice(messages.indexOf(seen.confirm!)).includes('Checking gates…'), messages.join(' | '));
  });
});
