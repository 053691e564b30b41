// The command boundary: a handler's error is logged whole and shown short; a cancellation is not an error.
import * as assert from 'node:assert/strict';
import { CancelledError, PromotionError } from '../../src/core/errors';
import { describeError, guardCommand, shortFailure } from '../../src/vscode/commands/commandBoundary';

function recorder(): { logged: { level: string; text: string }[]; shown: string[]; deps: Parameters<typeof guardCommand>[2] } {
  const logged: { level: string; text: string }[] = [];
  const shown: string[] = [];
  return {
    logged,
    shown,
    deps: {
      log: {
        info: (text: string) => void logged.push({ level: 'info', text }),
        error: (text: string | Error) => void logged.push({ level: 'error', text: String(text) }),
      },
      show: (message) => void shown.push(message),
      title: (id) => (id === 'imagePromotion.rollBack' ? 'Roll Back…' : id),
    },
  };
}

describe('command boundary', () => {
  it('passes the handler its arguments and returns what it returns', async () => {
    const r = recorder();
    const guarded = guardCommand('imagePromotion.rollBack', async (a: number, b: string) => `${a}${b}`, r.deps);
    assert.equal(await guarded(1, 'x'), '1x');
    assert.deepEqual(r.logged, []);
    assert.deepEqual(r.shown, []);
  });

  it('catches a thrown error: resolves undefined, logs the stack and its cause, shows one short line with the title', async () => {
    const r = recorder();
    const cause = new Error('EISDIR: illegal operation on a directory, read');
    const guarded = guardCommand(
      'imagePromotion.rollBack',
      () => {
        throw new Error('the promotion history could not be read\nsecond line with details', { cause });
      },
      r.deps,
    );
    assert.equal(await guarded(), undefined);
    assert.deepEqual(r.shown, ['Roll Back failed: the promotion history could not be read']);
    assert.equal(r.logged.length, 1);
    const { level, text } = r.logged[0]!;
    assert.equal(level, 'error');
    assert.match(text, /^imagePromotion\.rollBack failed: Error: the promotion history could not be read\nsecond line with details\n\s+at /);
    assert.match(text, /\ncaused by: Error: EISDIR: illegal operation on a directory, read\n\s+at /);
  });

  it('catches a rejected promise the same way', async () => {
    const r = recorder();
    const guarded = guardCommand(
      'imagePromotion.other',
      async () => Promise.reject(new PromotionError('denied', 'push to 127.0.0.1:5000/app was refused', 'Check the credentials')),
      r.deps,
    );
    assert.equal(await guarded(), undefined);
    assert.deepEqual(r.shown, ['imagePromotion.other failed: push to 127.0.0.1:5000/app was refused. Check the credentials']);
    assert.match(r.logged[0]!.text, /\[denied\] PromotionError: push to 127\.0\.0\.1:5000\/app was refused\n/);
    assert.match(r.logged[0]!.text, /\nhint: Check the credentials$/);
  });

  for (const [name, error] of [
    ['CancelledError', new CancelledError()],
    ['an AbortSignal abort (AbortError)', AbortSignal.abort().reason as Error],
    ['vscode.CancellationError (named Canceled)', Object.assign(new Error('Canceled'), { name: 'Canceled' })],
  ] as const) {
    it(`treats ${name} as a cancellation: logged as info, nothing shown`, async () => {
      const r = recorder();
      assert.equal(await guardCommand('imagePromotion.rollBack', () => Promise.reject(error), r.deps)(), undefined);
      assert.deepEqual(r.shown, []);
      assert.deepEqual(r.logged, [{ level: 'info', text: 'imagePromotion.rollBack: cancelled' }]);
    });
  }

  it('keeps the shown line short and never empty; describes non-errors and cyclic causes', () => {
    assert.equal(shortFailure('Promote…', new Error('x'.repeat(1000))).length, 'Promote failed: '.length + 240);
    assert.equal(shortFailure('Promote…', new Error('')), 'Promote failed: unknown error');
    assert.equal(describeError('a string'), 'a string');
    const system = Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR', syscall: 'read', errno: -21 });
    system.stack = `Error: ${system.message}`; // as Node's fs/promises gives it: no frames
    assert.equal(describeError(system), 'Error: EISDIR: illegal operation on a directory, read\ncode: EISDIR, syscall: read');
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    assert.equal(describeError(b).split('caused by:').length, 2, 'each error once');
  });
});
