// Faults of the engine and of credentials, against a real engine and real registries: the engine
// stopped during a pull and during a push (and an engine started again afterwards), a registry
// that turns read-only after the confirmation, credentials revoked between the lookup and the
// write, and credential helpers that are missing, crash or print garbage.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promote } from '../../src/promotion/promote';
import { promotionYaml } from '../fixtures/promotionYaml';
import {
  digestOf,
  makeDockerConfig,
  makeTempDir,
  pushImage,
  removeTree,
  sharedServices,
  startDockerd,
  startRegistry,
  tagExisting,
  uniqueRepo,
  type Dockerd,
  type TestServices,
} from '../harness';
import { config, env, environmentFor, makeCore, ScriptedPrompts } from '../integration/support';
import { expectKept } from './support';
import { tally } from './tally';

const devOnly = (image: string) => config(promotionYaml(image, [{ name: 'development', tag: 'dev' }]));

describe('faults: engine and credentials (real engine and registries)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  const open: Array<{ stop(): Promise<void> }> = [];
  const savedPath = process.env['PATH'];

  before(async () => {
    svc = await sharedServices();
  });
  afterEach(async () => {
    process.env['PATH'] = savedPath;
    await Promise.all(open.splice(0).map((r) => r.stop()));
  });

  for (const phase of [/^Pulling/, /^Pushing/]) {
    const what = `engine stopped during ${phase.source.slice(1)}, then an engine started again`;
    it(what, async () => {
      const registry = await startRegistry();
      open.push(registry);
      const repo = uniqueRepo();
      const old = await pushImage(registry.url, repo, 'old0001');
      await tagExisting(registry.url, repo, old.digest, 'dev');
      const build = await pushImage(registry.url, repo, 'new0001', { files: { 'data.bin': randomBytes(512 * 1024) } });
      const cfg = devOnly(`${registry.host}/${repo}`);
      const target = { url: registry.url, repo, tag: 'dev' };

      const engine: Dockerd = await startDockerd();
      open.push(engine);
      let stopping: Promise<void> | undefined;
      const progress = (m: string): void => {
        if (!stopping && phase.test(m)) {
          tally('fault', what);
          stopping = engine.stop();
        }
      };
      const first = makeCore(svc, { dockerHost: engine.host, transport: 'engine' });
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: 'new0001' }, target: env(cfg, 'development') },
        first.services,
        environmentFor(new ScriptedPrompts(), { progress }),
      );
      await stopping;
      assert.ok(stopping, `the engine was never stopped; log:\n${first.log.text()}`);
      await expectKept(what, outcome, target, old.digest, build.digest);

      // The person starts the engine again and promotes once more: it works, nothing stuck.
      const again = await startDockerd();
      open.push(again);
      const second = makeCore(svc, { dockerHost: again.host, transport: 'engine' });
      const retried = await promote(
        { config: cfg, source: { kind: 'build', tag: 'new0001' }, target: env(cfg, 'development') },
        second.services,
        environmentFor(new ScriptedPrompts()),
      );
      assert.equal(retried.status, 'succeeded', retried.message);
      await expectKept(`${what} (promoted again)`, retried, target, (await digestOf(registry.url, repo, 'dev')) ?? null, build.digest);
    });
  }

  for (const transport of ['engine', 'registry'] as const) {
    it(`${transport}: the registry turns read-only after the confirmation`, async () => {
      const what = `${transport}: registry read-only after the confirmation`;
      const registry = await startRegistry();
      open.push(registry);
      const repo = uniqueRepo();
      const old = await pushImage(registry.url, repo, 'old0001');
      await tagExisting(registry.url, repo, old.digest, 'dev');
      const build = await pushImage(registry.url, repo, 'new0001');
      const cfg = devOnly(`${registry.host}/${repo}`);
      const core = makeCore(svc, { transport });
      const prompts = new ScriptedPrompts({
        onConfirm: async () => {
          tally('fault', what);
          await registry.restart({ readOnly: true });
        },
      });
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: 'new0001' }, target: env(cfg, 'development') },
        core.services,
        environmentFor(prompts),
      );
      assert.equal(outcome.status, 'failed', outcome.message);
      await expectKept(what, outcome, { url: registry.url, repo, tag: 'dev' }, old.digest, build.digest);
    });

    it(`${transport}: the registry's password changes between the lookup and the write`, async () => {
      const what = `${transport}: credentials revoked after the confirmation`;
      const user = { username: 'imgpromo', password: `pw-${randomBytes(8).toString('hex')}` };
      const registry = await startRegistry({ htpasswd: user });
      open.push(registry);
      const docker = makeDockerConfig([{ server: registry.host, username: user.username, secret: user.password }]);
      open.push({ stop: () => docker.dispose() });
      process.env['PATH'] = `${docker.binDir}${delimiter}${savedPath}`;
      const repo = uniqueRepo();
      const old = await pushImage(registry.url, repo, 'old0001', { auth: user });
      await tagExisting(registry.url, repo, old.digest, 'dev', user);
      const build = await pushImage(registry.url, repo, 'new0001', { auth: user });
      const cfg = devOnly(`${registry.host}/${repo}`);
      const core = makeCore(svc, { transport, dockerConfig: docker.dir });
      const changed = { username: user.username, password: `pw-${randomBytes(8).toString('hex')}` };
      const prompts = new ScriptedPrompts({
        onConfirm: async () => {
          tally('fault', what);
          await registry.restart({ htpasswd: changed });
        },
      });
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: 'new0001' }, target: env(cfg, 'development') },
        core.services,
        environmentFor(prompts),
      );
      await expectKept(what, outcome, { url: registry.url, repo, tag: 'dev', auth: changed }, old.digest, build.digest);
      assert.notEqual(outcome.status, 'succeeded', outcome.message);
      assert.match(outcome.message, /401|unauthori[sz]ed|authentication|credentials|denied/i, 'the message says the registry refused the credentials');
      assert.ok(!outcome.message.includes(user.password) && !core.log.text().includes(user.password), 'no password in the message or the log');
    });
  }

  it("engine: the credential helper's secret goes bad between the lookup and the push", async () => {
    const what = 'engine: helper secret replaced by a wrong one after the confirmation';
    const user = { username: 'imgpromo', password: `pw-${randomBytes(8).toString('hex')}` };
    const registry = await startRegistry({ htpasswd: user });
    open.push(registry);
    const docker = makeDockerConfig([{ server: registry.host, username: user.username, secret: user.password }]);
    open.push({ stop: () => docker.dispose() });
    process.env['PATH'] = `${docker.binDir}${delimiter}${savedPath}`;
    const repo = uniqueRepo();
    const old = await pushImage(registry.url, repo, 'old0001', { auth: user });
    await tagExisting(registry.url, repo, old.digest, 'dev', user);
    const build = await pushImage(registry.url, repo, 'new0001', { auth: user });
    const cfg = devOnly(`${registry.host}/${repo}`);
    const core = makeCore(svc, { transport: 'engine', dockerConfig: docker.dir });
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const prompts = new ScriptedPrompts({
      onConfirm: async () => {
        tally('fault', what);
        docker.setHelperSecret(registry.host, user.username, wrong);
      },
    });
    const outcome = await promote(
      { config: cfg, source: { kind: 'build', tag: 'new0001' }, target: env(cfg, 'development') },
      core.services,
      environmentFor(prompts),
    );
    assert.ok(!outcome.message.includes(wrong) && !core.log.text().includes(wrong), 'no secret in the message or the log');
    await expectKept(what, outcome, { url: registry.url, repo, tag: 'dev', auth: user }, old.digest, build.digest);
  });

  const helpers: Array<{ name: string; script?: string; expect: RegExp }> = [
    { name: 'imgpromo-missing', expect: /docker-credential-imgpromo-missing is not installed or not on PATH/ },
    // Crashes after printing what looks like a secret on stdout: the message must not repeat it.
    {
      name: 'imgpromo-crash',
      script: '#!/bin/sh\necho \'{"Username":"u","Secret":"LEAKED-s3cr3t"}\'\nexit 3\n',
      expect: /docker-credential-imgpromo-crash exited with 3/,
    },
    {
      name: 'imgpromo-garbage',
      script: '#!/bin/sh\necho "Username=u Secret=LEAKED-s3cr3t"\n',
      expect: /docker-credential-imgpromo-garbage printed something that is not JSON/,
    },
    { name: 'imgpromo-killed', script: '#!/bin/sh\nkill -9 $$\n', expect: /docker-credential-imgpromo-killed exited with a signal/ },
  ];
  for (const h of helpers) {
    it(`a credential helper that is ${h.name.slice('imgpromo-'.length)}: a clear message, the target untouched, no secret repeated`, async () => {
      const what = `credential helper ${h.name.slice('imgpromo-'.length)}`;
      const user = { username: 'imgpromo', password: `pw-${randomBytes(8).toString('hex')}` };
      const registry = await startRegistry({ htpasswd: user });
      open.push(registry);
      const dir = makeTempDir('badhelper');
      open.push({ stop: () => removeTree(dir) });
      mkdirSync(join(dir, 'config'));
      mkdirSync(join(dir, 'bin'));
      writeFileSync(join(dir, 'config', 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: h.name } }));
      if (h.script) {
        writeFileSync(join(dir, 'bin', `docker-credential-${h.name}`), h.script);
        chmodSync(join(dir, 'bin', `docker-credential-${h.name}`), 0o755);
      }
      process.env['PATH'] = `${join(dir, 'bin')}${delimiter}${savedPath}`;
      const repo = uniqueRepo();
      const old = await pushImage(registry.url, repo, 'old0001', { auth: user });
      await tagExisting(registry.url, repo, old.digest, 'dev', user);
      const build = await pushImage(registry.url, repo, 'new0001', { auth: user });
      const cfg = devOnly(`${registry.host}/${repo}`);
      const core = makeCore(svc, { dockerConfig: join(dir, 'config') });
      tally('fault', what);
      const outcome = await promote(
        { config: cfg, source: { kind: 'build', tag: 'new0001' }, target: env(cfg, 'development') },
        core.services,
        environmentFor(new ScriptedPrompts()),
      );
      await expectKept(what, outcome, { url: registry.url, repo, tag: 'dev', auth: user }, old.digest, build.digest);
      assert.notEqual(outcome.status, 'succeeded', outcome.message);
      // The helper's failure is named (in the message, or the log the message points to).
      assert.match(`${outcome.message}\n${core.log.text()}`, h.expect);
      assert.ok(!/LEAKED-s3cr3t/.test(outcome.message + core.log.text()), `the helper's output is not repeated: ${outcome.message}`);
    });
  }
});
