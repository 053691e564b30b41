// Shared by the host tests. Not a test file itself (importing a *.test.js would register its tests again).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { publisher: string; name: string };

/** `publisher.name` from package.json: `image-promotion.image-promotion`. */
export const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;

/** Polls until `predicate()` holds or `timeoutMs` passes; returns its last value. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return predicate();
}

export { log } from './index';
