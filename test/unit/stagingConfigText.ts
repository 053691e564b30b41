// Config text for the tests of staging's settings (verify:, runs:, deploy:): two environments, the
// given lines under staging, and the line a needle sits on (diagnostics are 0-based lines).
import * as assert from 'node:assert/strict';

export const staging = (...lines: string[]): string =>
  [
    'image: registry.example.com/app',
    'environments:',
    '  - name: dev',
    '    tag: dev',
    '  - name: staging',
    '    tag: staging',
    ...lines.map((l) => `    ${l}`),
    '',
  ].join('\n');

export function lineOf(text: string, needle: string): number {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `test text has no ${JSON.stringify(needle)}`);
  return text.slice(0, offset).split('\n').length - 1;
}
