import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { followJsonStream } from '../../src/engine/jsonStream';
import { PromotionError } from '../../src/core/errors';

// The engine's push stream, as engine 20.10 writes it (lines may be split across chunks).
const pushOk = [
  '{"status":"The push refers to repository [127.0.0.1:5000/app]"}\n',
  '{"status":"Preparing","progressDetail":{},"id":"a97d14ec11b2"}\n{"status":"Pushing","progressDetail":{"current":512,"total":1024},"progress":"[====>   ]","id":"a97d',
  '14ec11b2"}\n{"status":"Pushed","progressDetail":{},"id":"a97d14ec11b2"}\n',
  '{"status":"staging: digest: sha256:f8eb size: 524"}\n',
  '{"progressDetail":{},"aux":{"Tag":"staging","Digest":"sha256:f8ebbcb8e991378d1c71b5e7979a1896b39214a5765e5e696dc06d5b1bb2e6e2","Size":524}}\n',
];

describe('engine JSON streams', () => {
  it('returns the aux digest and logs state lines without progress bars', async () => {
    const lines: string[] = [];
    const outcome = await followJsonStream(Readable.from(pushOk), 'push', (l) => lines.push(l));
    assert.equal(outcome.aux?.Digest, 'sha256:f8ebbcb8e991378d1c71b5e7979a1896b39214a5765e5e696dc06d5b1bb2e6e2');
    assert.equal(outcome.aux?.Size, 524);
    assert.ok(lines.includes('a97d14ec11b2: Pushed'));
    assert.ok(!lines.some((l) => l.includes('Pushing')), 'progress-bar lines are left out');
  });

  it('rejects on an error line even though the stream ended normally', async () => {
    const stream = Readable.from([
      '{"status":"Preparing","id":"a"}\n',
      '{"errorDetail":{"message":"unknown: registry is read-only"},"error":"unknown: registry is read-only"}\n',
    ]);
    await assert.rejects(followJsonStream(stream, 'push of app:staging', () => undefined), (error: unknown) => {
      assert.ok(error instanceof PromotionError);
      assert.equal(error.kind, 'stream');
      assert.match(error.message, /push of app:staging failed: unknown: registry is read-only/);
      return true;
    });
  });

  it('classifies authentication failures', async () => {
    const stream = Readable.from(['{"error":"unauthorized: authentication required"}\n']);
    await assert.rejects(followJsonStream(stream, 'pull', () => undefined), (error: unknown) => error instanceof PromotionError && error.kind === 'unauthorized');
  });

  it('fails a stream that is cut off mid-line', async () => {
    const stream = new Readable({ read() {} });
    const done = followJsonStream(stream, 'push', () => undefined);
    stream.push('{"status":"Pushing","id":"a"');
    stream.destroy();
    await assert.rejects(done, /closed the stream before it finished/);
  });
});
