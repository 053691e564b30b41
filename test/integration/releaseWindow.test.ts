// A release window against the real registry: time passes while the confirmation is open, and a window
// that closed meanwhile blocks the write (the gates saw another moment than the one the tag would move in).
import * as assert from 'node:assert/strict';
import { promote } from '../../src/promotion/promote';
import { digestOf, pushImage, sharedServices, tagExisting, uniqueRepo, type TestServices } from '../harness';
import { env, environmentFor, makeCore, ScriptedPrompts, threeEnvironments } from './support';

describe('release windows (real registry)', function () {
  this.timeout(120_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  const OFFICE = '{ type: window, name: office hours, allow: ["Mon-Fri 09:00-17:00"] }';

  it('a window that closes while the confirmation is open blocks the write, and the record says so; open throughout, it promotes', async () => {
    const repo = uniqueRepo();
    const build = await pushImage(svc.registryUrl, repo, 'eee5555');
    await tagExisting(svc.registryUrl, repo, build.digest, 'dev');
    const cfg = threeEnvironments(`${svc.registry}/${repo}`, { staging: [OFFICE] });
    const core = makeCore(svc, { transport: 'registry' });
    let clock = Date.parse('2026-12-11T16:59:00Z'); // Friday, a minute before closing
    const services = { ...core.services, now: () => clock };
    const slow = new ScriptedPrompts({ onConfirm: async () => void (clock = Date.parse('2026-12-11T17:01:00Z')) });
    const request = { config: cfg, source: { kind: 'environment' as const, environment: env(cfg, 'development') }, target: env(cfg, 'staging') };

    const late = await promote(request, services, environmentFor(slow));
    assert.equal(late.status, 'blocked', late.message);
    assert.equal(
      late.message,
      'Not promoted into staging: office hours: closed while the confirmation was open: outside Mon-Fri 09:00-17:00 UTC; opens Mon 09:00.',
    );
    assert.deepEqual(
      slow.confirmations[0]!.gates.filter((g) => g.type === 'window').map((g) => [g.status, g.reason]),
      [['passed', 'open: inside Mon-Fri 09:00-17:00 UTC; closes Fri 17:00']],
      'the confirmation showed it open',
    );
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), undefined, 'nothing written');

    clock = Date.parse('2026-12-14T10:00:00Z'); // Monday
    const inTime = await promote(request, services, environmentFor(new ScriptedPrompts()));
    assert.equal(inTime.status, 'succeeded', inTime.message);
    assert.equal(await digestOf(svc.registryUrl, repo, 'staging'), build.digest);

    // What the history keeps of each attempt: the failed re-check, not the pass shown in the confirmation.
    assert.deepEqual(
      [late, inTime].map((o) => o.gates.filter((g) => g.type === 'window').map((g) => g.status)),
      [['failed'], ['passed']],
    );
  });
});
