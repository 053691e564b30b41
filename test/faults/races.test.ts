// Races and cancellation against the real engine and registry: two processes promoting into one
// environment with one history file, the target moved between the look and the write, another
// writer landing right after our write, and the promotion cancelled at every step it reports.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shortDigest } from '../../src/core/reference';
import type { ImageEngine } from '../../src/engine/engine';
import { HistoryStore, parseHistory } from '../../src/history/historyStore';
import { takeSnapshot } from '../../src/model/snapshot';
import { promote } from '../../src/promotion/promote';
import type { RegistryClient } from '../../src/registry/registryClient';
import { promotionYaml } from '../fixtures/promotionYaml';
import { digestOf, enginePull, makeTempDir, pushImage, removeTree, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { config, env, environmentFor, makeCore, ScriptedPrompts } from '../integration/support';
import { expectKept, expectOneOf, held } from './support';
import { tallyOutcome } from './tally';
import { tally } from './tally';

interface ChildOutcome {
  status: string;
  message: string;
  digest?: string;
  finalDigest?: string | null;
}

describe('faults: races and cancellation (real engine and registry)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  const dirs: string[] = [];

  before(async () => {
    svc = await sharedServices();
  });
  after(async () => {
    await Promise.all(dirs.splice(0).map((d) => removeTree(d)));
  });

  /** dev holds `old`; `tags` are fresh builds. */
  async function scene(tags: readonly string[]) {
    const repo = uniqueRepo();
    const old = await pushImage(svc.registryUrl, repo, 'old0001');
    await tagExisting(svc.registryUrl, repo, old.digest, 'dev');
    const builds = [];
    for (const tag of tags) builds.push({ tag, digest: (await pushImage(svc.registryUrl, repo, tag)).digest });
    const cfg = config(promotionYaml(`${svc.registry}/${repo}`, [{ name: 'development', tag: 'dev' }]));
    return { repo, old: old.digest, builds, cfg, target: { url: svc.registryUrl, repo, tag: 'dev' } };
  }

  it('two processes promote two builds into one environment with one history file: one is refused, nothing is undone', async () => {
    const what = 'two processes into one environment';
    const s = await scene(['aaaa001', 'bbbb002']);
    const dir = makeTempDir('race');
    dirs.push(dir);
    const barrier = join(dir, 'barrier');
    mkdirSync(barrier);
    const historyFile = join(dir, '.promotion', 'history.jsonl');
    const yaml = promotionYaml(`${svc.registry}/${s.repo}`, [{ name: 'development', tag: 'dev' }]);
    const names = ['one', 'two'];
    tally('fault', what);
    const outcomes = await Promise.all(s.builds.map((b, i) => runChild({ yaml, buildTag: b.tag, historyFile, barrier, name: names[i]!, peers: names })));
    const after = await expectOneOf(what, undefined, s.target, [s.old, ...s.builds.map((b) => b.digest)]);
    for (const o of outcomes) console.log(`      ${what} → ${o.status}: ${o.message}`);
    // Neither build lost its own tag (restoring by deleting a manifest would untag it).
    for (const b of s.builds) assert.equal(await digestOf(svc.registryUrl, s.repo, b.tag), b.digest, `build ${b.tag} still holds its digest`);
    // One history file, both attempts recorded whole.
    const history = parseHistory(readFileSync(historyFile, 'utf8'));
    assert.deepEqual(history.problems, []);
    assert.ok(history.records.length >= 2, `both attempts are in the history (${history.records.length} records)`);
    // The cross-process lock beside the history file: of two overlapping promotions one is refused.
    const refused = outcomes.filter((o) => o.status === 'blocked');
    assert.equal(refused.length, 1, `one promotion is refused while the other runs: ${outcomes.map((o) => `${o.status}: ${o.message}`).join(' | ')}`);
    const winner = outcomes.find((o) => o.status !== 'blocked')!;
    assert.equal(winner.status, 'succeeded', winner.message);
    assert.equal(after, winner.digest);
  });

  for (const [transport, killAt] of [
    ['engine', '^Pushing'],
    ['registry', '^Tagging'],
  ] as const) {
    const what = `${transport}: the promoting process killed at "${killAt.slice(1)}"`;
    it(`${what}: the history shows the attempt as interrupted, the snapshot the registry's truth, the next promotion works`, async () => {
      const s = await scene([`k${randomBytes(3).toString('hex')}`]);
      const build = s.builds[0]!;
      const dir = makeTempDir('killed');
      dirs.push(dir);
      const historyFile = join(dir, '.promotion', 'history.jsonl');
      const yaml = promotionYaml(`${svc.registry}/${s.repo}`, [{ name: 'development', tag: 'dev' }]);
      tally('fault', what);
      const died = await runChild({ yaml, buildTag: build.tag, historyFile, barrier: dir, name: 'killed', peers: [], transport, killAt }).then(
        () => false,
        (error: Error) => /SIGKILL/.test(error.message),
      );
      assert.ok(died, 'the child was killed mid-promotion');
      // The engine may finish a push its dead client started: wait until the registry is still.
      let after = await held(s.target);
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const again = await held(s.target);
        if (again === after) break;
        after = again;
      }
      tallyOutcome(what, s.old, build.digest, after);
      // What a restarted window shows: the history's interrupted attempt, and the registry's truth.
      const core = makeCore(svc, { transport });
      const history = await new HistoryStore(historyFile, core.log).read();
      const records = history.records as ReadonlyArray<{ outcome: string; target?: { environment?: string } }>;
      assert.ok(
        records.some((r) => r.outcome === 'interrupted'),
        `the history shows the attempt as interrupted: ${JSON.stringify(records.map((r) => r.outcome))}`,
      );
      const snapshot = await takeSnapshot(s.cfg, core.snapshotServices);
      const row = snapshot.environments[0]!;
      assert.equal(row.lookup.state === 'present' ? row.lookup.digest : null, after, 'the snapshot shows what the registry holds');
      // The dead process's lock does not keep the environment blocked.
      const withHistory = { ...({ historyFile } as object) };
      const next = await promote(
        { config: s.cfg, source: { kind: 'build', tag: build.tag }, target: env(s.cfg, 'development') },
        core.services,
        environmentFor(new ScriptedPrompts(), withHistory),
      );
      await expectKept(`${what} (promoted again)`, next, s.target, after, build.digest);
      assert.equal(next.status, 'succeeded', next.message);
    });
  }

  for (const transport of ['engine', 'registry'] as const) {
    // Through the engine twice: pulled first (the last look after the pull), and already held (the
    // last look beside the push, which is stopped before its manifest).
    for (const [overwrite, inEngine] of [false, true].flatMap((o) =>
      transport === 'engine'
        ? [
            [o, false],
            [o, true],
          ]
        : [[o, false]],
    )) {
      const what = `${transport}: target moved between the look and the write, ${overwrite ? 'overwrite confirmed' : 'overwrite refused'}${inEngine ? ', the engine holds the build' : ''}`;
      it(what, async () => {
        const s = await scene([`c${randomBytes(3).toString('hex')}`, `d${randomBytes(3).toString('hex')}`]);
        const [build, other] = s.builds as [{ tag: string; digest: string }, { tag: string; digest: string }];
        if (inEngine) await enginePull(svc.dockerHost, `${svc.registry}/${s.repo}@${build.digest}`);
        const core = makeCore(svc, { transport });
        const prompts = new ScriptedPrompts({
          moved: overwrite,
          onConfirm: async () => {
            tally('fault', what);
            await tagExisting(svc.registryUrl, s.repo, other.digest, 'dev');
          },
        });
        const outcome = await promote(
          { config: s.cfg, source: { kind: 'build', tag: build.tag }, target: env(s.cfg, 'development'), seenTargetDigest: s.old },
          core.services,
          environmentFor(prompts),
        );
        assert.equal(prompts.moved.length, 1, 'the person is asked about the moved target');
        assert.equal(prompts.moved[0]?.now, other.digest);
        // What the target held when it was re-read is the "before" now: someone chose it.
        const after = await expectKept(what, outcome, s.target, other.digest, build.digest);
        assert.equal(after, overwrite ? build.digest : other.digest);
        assert.equal(outcome.status, overwrite ? 'succeeded' : 'cancelled', outcome.message);
      });
    }

    if (transport === 'engine')
      for (const overwrite of [false, true]) {
        const late = `engine: target moved before the push, the last look answers after the push landed, ${overwrite ? 'overwrite confirmed' : 'overwrite refused'}`;
        it(`${late}: the push is put back to what the other writer left, then the person is asked`, async () => {
          const s = await scene([`l${randomBytes(3).toString('hex')}`, `m${randomBytes(3).toString('hex')}`]);
          const [build, other] = s.builds as [{ tag: string; digest: string }, { tag: string; digest: string }];
          // The engine holds the build: the push goes beside the last look (no pull first).
          await enginePull(svc.dockerHost, `${svc.registry}/${s.repo}@${build.digest}`);
          const core = makeCore(svc, { transport });
          let confirmed = false;
          let held = false;
          let pushed!: () => void;
          const pushLanded = new Promise<void>((r) => (pushed = r));
          // The last look (the first read of the target after the confirmation) reaches the registry at
          // once, but its answer is held until the engine's push has landed: a slow answer.
          const registry: RegistryClient = Object.create(core.services.registry) as RegistryClient;
          registry.resolve = async (repo, ref, signal) => {
            const answer = await core.services.registry.resolve(repo, ref, signal);
            if (confirmed && !held && ref === 'dev') {
              held = true;
              await pushLanded;
            }
            return answer;
          };
          const engine = async (): Promise<ImageEngine> => {
            const inner = await core.engine();
            return Object.assign(Object.create(inner) as ImageEngine, {
              push: async (...args: Parameters<ImageEngine['push']>) => {
                const result = await inner.push(...args);
                pushed();
                return result;
              },
            });
          };
          const prompts = new ScriptedPrompts({
            moved: overwrite,
            onConfirm: async () => {
              tally('fault', late);
              await tagExisting(svc.registryUrl, s.repo, other.digest, 'dev');
              confirmed = true;
            },
          });
          const outcome = await promote(
            { config: s.cfg, source: { kind: 'build', tag: build.tag }, target: env(s.cfg, 'development') },
            { ...core.services, registry, engine },
            environmentFor(prompts),
          );
          assert.ok(held, 'the last look was answered late');
          assert.match(core.log.text(), /the stopped push had landed/, 'the push had landed before the look answered');
          assert.equal(prompts.moved.length, 1, 'the person is asked about the moved target');
          assert.equal(prompts.moved[0]?.now, other.digest, "asked with the other writer's digest back in place");
          const after = await expectKept(late, outcome, s.target, other.digest, build.digest);
          assert.equal(after, overwrite ? build.digest : other.digest);
          assert.equal(outcome.status, overwrite ? 'succeeded' : 'cancelled', outcome.message);
          if (!overwrite) assert.match(outcome.message, /The push had landed before it could be stopped; dev was put back to sha256:\w{12}\./);
        });
      }

    const third = `${transport}: another writer lands a third digest right after our write`;
    it(third, async () => {
      const s = await scene(['eeee005', 'ffff006']);
      const [build, other] = s.builds as [{ tag: string; digest: string }, { tag: string; digest: string }];
      const core = makeCore(svc, { transport });
      let written = false;
      let landed = false;
      // The other writer (CI pushing :dev) lands between our write and our verification.
      const registry: RegistryClient = Object.create(core.services.registry) as RegistryClient;
      registry.resolve = async (...args) => {
        if (written && !landed) {
          landed = true;
          tally('fault', third);
          await tagExisting(svc.registryUrl, s.repo, other.digest, 'dev');
        }
        return core.services.registry.resolve(...args);
      };
      const progress = (m: string): void => {
        if (m.startsWith('Verifying')) written = true;
      };
      const outcome = await promote(
        { config: s.cfg, source: { kind: 'build', tag: build.tag }, target: env(s.cfg, 'development') },
        { ...core.services, registry },
        environmentFor(new ScriptedPrompts(), { progress }),
      );
      assert.ok(landed, `the other writer never landed; log:\n${core.log.text()}`);
      const after = await expectOneOf(third, outcome, s.target, [s.old, build.digest, other.digest]);
      assert.equal(after, other.digest, "the other writer's digest is left where it is");
      assert.equal(await digestOf(svc.registryUrl, s.repo, other.tag), other.digest, 'and its own build tag is not deleted');
      assert.notEqual(outcome.status, 'succeeded');
      assert.ok(outcome.message.includes(shortDigest(other.digest)), `the message says who holds what: ${outcome.message}`);
    });

    it(`${transport}: cancelled at every progress message and at the confirmation`, async function () {
      this.timeout(300_000);
      // A clean run first, to learn the steps this transport reports.
      const clean = await scene([`g${randomBytes(3).toString('hex')}`]);
      const steps: string[] = [];
      const first = await promote(
        { config: clean.cfg, source: { kind: 'build', tag: clean.builds[0]!.tag }, target: env(clean.cfg, 'development') },
        makeCore(svc, { transport }).services,
        environmentFor(new ScriptedPrompts(), { progress: (m) => steps.push(m) }),
      );
      assert.equal(first.status, 'succeeded', first.message);
      assert.ok(steps.length >= 3, `steps: ${steps.join(' | ')}`);
      // Every step is tried even when an earlier one fails; the failures are listed together.
      const failures: string[] = [];
      for (let k = 0; k <= steps.length; k++) {
        const at = k === steps.length ? 'the confirmation' : `step ${k + 1} "${steps[k]}"`;
        const what = `${transport}: cancelled at ${at}`;
        const s = await scene([`h${randomBytes(3).toString('hex')}`]);
        const controller = new AbortController();
        let seen = 0;
        const progress = (): void => {
          if (seen++ === k) {
            tally('fault', what);
            controller.abort();
          }
        };
        const prompts = new ScriptedPrompts({
          onConfirm: async () => {
            if (k === steps.length) {
              tally('fault', what);
              controller.abort();
            }
          },
        });
        const outcome = await promote(
          { config: s.cfg, source: { kind: 'build', tag: s.builds[0]!.tag }, target: env(s.cfg, 'development') },
          makeCore(svc, { transport }).services,
          environmentFor(prompts, { progress, signal: controller.signal }),
        );
        try {
          assert.ok(controller.signal.aborted, `${what}: never aborted`);
          const after = await expectKept(what, outcome, s.target, s.old, s.builds[0]!.digest);
          if (outcome.status !== 'succeeded') assert.equal(outcome.status, 'cancelled', `${what}: ${outcome.message}`);
          assert.equal(await held(s.target), after);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      assert.deepEqual(failures, [], `cancelled at ${failures.length} of ${steps.length + 1} points with a wrong result`);
    });
  }
});

function runChild(input: {
  yaml: string;
  buildTag: string;
  historyFile: string;
  barrier: string;
  name: string;
  peers: readonly string[];
  transport?: 'engine' | 'registry';
  killAt?: string;
}): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(__dirname, 'promoteChild.js')],
      { env: { ...process.env, IMGPROMO_CHILD: JSON.stringify(input) }, timeout: 90_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`child ${input.name} failed: ${error.message}${error.signal ? ` (${error.signal})` : ''}\n${stderr}`));
        const last = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(last) as ChildOutcome);
        } catch {
          reject(new Error(`child ${input.name} printed no outcome:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
