// What an engine call leaves behind once it is over, against the harness's real dockerd: nothing.
// Each call's signal (caller's cancellation + its time limit) had abort listeners that dockerode never
// removes; as AbortSignal.any / AbortSignal.timeout, Node kept every one alive, with the request and
// the error they reached (about one per promotion: 50 recorded promotions grew the heap steadily).
import * as assert from 'node:assert/strict';
import { queryObjects } from 'node:v8';
import { connectDockerode } from '../../src/engine/dockerodeEngine';
import { parseHost } from '../../src/engine/engineAddress';
import { sharedServices, type TestServices } from '../harness';

/** AbortSignals alive after a full GC (queryObjects collects first). */
function liveSignals(): number {
  return queryObjects(AbortSignal, { format: 'count' }) as number;
}

describe('engine calls (real engine)', function () {
  this.timeout(60_000);
  let svc: TestServices;
  before(async () => {
    svc = await sharedServices();
  });

  it('keep no signal alive once they are over, answered or refused, with or without the caller’s signal', async () => {
    const engine = await connectDockerode(parseHost(svc.dockerHost, 'the test harness'));
    const caller = new AbortController(); // a promotion's: lives longer than its calls
    await engine.ping(caller.signal);
    const before = liveSignals();
    for (let i = 0; i < 40; i++) {
      await engine.ping(caller.signal);
      assert.equal(await engine.inspectImage(`no-such-image-${i}:latest`, caller.signal), undefined);
      assert.equal(await engine.hasImage(`no-such-image-${i}:latest`), false);
    }
    const after = liveSignals();
    assert.ok(after - before < 10, `120 engine calls left ${after - before} signals alive (${before} → ${after})`);
    caller.abort();
  });
});
