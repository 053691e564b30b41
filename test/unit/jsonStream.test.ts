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
    await assert.rejects(
      followJsonStream(stream, 'push of app:staging', () => undefined),
      (error: unknown) => {
        assert.ok(error instanceof PromotionError);
        assert.equal(error.kind, 'stream');
        assert.match(error.message, /push of app:staging failed: unknown: registry is read-only/);
        return true;
      },
    );
  });

  it('classifies authentication failures', async () => {
    const stream = Readable.from(['{"error":"unauthorized: authentication required"}\n']);
    await assert.rejects(
      followJsonStream(stream, 'pull', () => undefined),
      (error: unknown) => error instanceof PromotionError && error.kind === 'unauthorized',
    );
  });

  it('fails a stream that is cut off mid-line', async () => {
    const stream = new Readable({ read() {} });
    const done = followJsonStream(stream, 'push', () => undefined);
    stream.push('{"status":"Pushing","id":"a"');
    stream.destroy();
    await assert.rejects(done, /closed the stream before it finished/);
  });

  it('fails a stream that goes silent for the idle time, and stops reading it', async () => {
    const stream = new Readable({ read() {} });
    const started = Date.now();
    const done = followJsonStream(stream, 'push of app:staging', () => undefined, undefined, { idleMs: 200 });
    stream.push('{"status":"The push refers to repository [127.0.0.1:5000/app]"}\n');
    setTimeout(() => stream.push('{"status":"Preparing","id":"a"}\n'), 120); // progress resets the timer
    await assert.rejects(done, (error: unknown) => {
      assert.ok(error instanceof PromotionError && error.kind === 'timeout', String(error));
      assert.match(error.message, /push of app:staging: the engine sent nothing for 0\.2 s/);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 300 && elapsed < 2000, `timed out after ${elapsed} ms`);
    assert.ok(stream.destroyed, 'the stalled stream is closed');
  });

  it('fails on a line past the cap without keeping it: memory stays flat', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    let pushed = 0;
    const stream = new Readable({
      read() {
        // An endless line: without a cap the buffer grows until the process runs out of memory.
        pushed += chunk.length;
        this.push(pushed === chunk.length ? `{"status":"${chunk}` : chunk);
      },
    });
    const before = process.memoryUsage().heapUsed;
    await assert.rejects(
      followJsonStream(stream, 'pull of app@sha256:1', () => undefined, undefined, { maxLineBytes: 1024 * 1024 }),
      (error: unknown) => {
        assert.ok(error instanceof PromotionError && error.kind === 'protocol', String(error));
        assert.match(error.message, /a line longer than 1048576 characters/);
        return true;
      },
    );
    assert.ok(pushed < 4 * 1024 * 1024, `read ${pushed} bytes before giving up`);
    assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024);
  });

  it('keeps lines up to the cap', async () => {
    const long = `{"status":"${'y'.repeat(1000)}"}\n`;
    const lines: string[] = [];
    await followJsonStream(Readable.from([long, '{"aux":{"Digest":"sha256:ab"}}\n']), 'push', (l) => lines.push(l), undefined, { maxLineBytes: 2000 });
    assert.equal(lines[0]?.length, 1000);
  });
});
