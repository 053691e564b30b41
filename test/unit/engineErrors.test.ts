// The engine's own words out of dockerode's errors: for a streaming call (pull, push) docker-modem
// puts the body in the message and its `reason` is only "server error".
import * as assert from 'node:assert/strict';
import { engineErrorText } from '../../src/engine/dockerodeEngine';

describe('engine error text', () => {
  it('takes the message a streaming call buried in the error text, not the generic reason', () => {
    const e = {
      reason: 'server error',
      statusCode: 500,
      json: null,
      message: '(HTTP code 500) server error - Head "http://127.0.0.1:5000/v2/app/manifests/sha256:ab": unauthorized: authentication required ',
    };
    assert.equal(engineErrorText(e), 'Head "http://127.0.0.1:5000/v2/app/manifests/sha256:ab": unauthorized: authentication required');
  });

  it('prefers the parsed JSON body of a non-streaming call', () => {
    assert.equal(
      engineErrorText({
        reason: 'no such image',
        json: { message: 'No such image: app:dev' },
        message: '(HTTP code 404) no such image - No such image: app:dev ',
      }),
      'No such image: app:dev',
    );
  });

  it('reads a JSON body left in the text, and falls back to the reason, then the message', () => {
    assert.equal(
      engineErrorText({ message: '(HTTP code 500) server error - {"message":"denied: requested access to the resource is denied"} ' }),
      'denied: requested access to the resource is denied',
    );
    assert.equal(engineErrorText({ reason: 'server error', message: '(HTTP code 500) server error - ' }), 'server error');
    assert.equal(engineErrorText({ message: 'socket hang up' }), 'socket hang up');
  });
});
