// Messages joined from parts (an error, its hint, what the target holds now) end each sentence
// once: no "right?. Nothing was written", no "..", and nothing inside a part is changed.
import * as assert from 'node:assert/strict';
import { errorMessage, PromotionError } from '../../src/core/errors';
import { sentence, sentences } from '../../src/core/sentences';

const ENDINGS = ['', '.', '?', '!', '…', ' ', '.)', ')', '"', '?"'];
const STRAY = /[.?!…]["')\]]*\.(?!\.\/)|\?\./;

describe('sentences', () => {
  it('adds a full stop only where the sentence has no ending of its own', () => {
    assert.equal(sentence('registry r is unreachable (ECONNRESET)'), 'registry r is unreachable (ECONNRESET).');
    assert.equal(sentence('Is the registry running, and is the address right?'), 'Is the registry running, and is the address right?');
    assert.equal(sentence('Nothing was written.'), 'Nothing was written.');
    assert.equal(sentence('run "docker login r" again.'), 'run "docker login r" again.');
    assert.equal(sentence('  Stop!  '), 'Stop!');
    assert.equal(sentence(''), '');
  });

  it('joins finished sentences with one space and leaves out empty parts', () => {
    assert.equal(sentences('a', undefined, '', ' b? ', 'c.'), 'a. b? c.');
  });

  it('never changes what is inside a part (a relative path keeps its dots)', () => {
    assert.equal(
      sentences('Could not read ../.promotion/history.jsonl: EACCES', 'Nothing was written'),
      'Could not read ../.promotion/history.jsonl: EACCES. Nothing was written.',
    );
  });

  it('an error with a hint, then what happened: every combination of endings reads as sentences', () => {
    for (const m of ENDINGS)
      for (const h of ENDINGS)
        for (const a of ENDINGS) {
          const error = new PromotionError('registry-unreachable', `registry r is unreachable${m}`, `Is the registry running${h}`);
          const text = sentences(errorMessage(error), ` Nothing was written; staging still holds sha256:aaaa${a}`);
          assert.doesNotMatch(text, STRAY, text);
          assert.match(text, /[.?!…]["')]*$/, text);
        }
  });

  it('the registry-unreachable message as the promotion ends it', () => {
    const error = new PromotionError(
      'registry-unreachable',
      'registry 127.0.0.1:5000 is unreachable at http://127.0.0.1:5000 (ECONNREFUSED)',
      'Is the registry running, and is the address right?',
    );
    assert.equal(
      sentences(errorMessage(error), 'Nothing was written; staging still holds sha256:aaaa.'),
      'registry 127.0.0.1:5000 is unreachable at http://127.0.0.1:5000 (ECONNREFUSED). Is the registry running, and is the address right? Nothing was written; staging still holds sha256:aaaa.',
    );
  });
});
