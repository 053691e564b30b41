// Headless Chromium (Debian's package) driven by playwright-core: no browser download needed.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** `IMGPROMO_CHROMIUM` or `CHROMIUM_PATH` if set, else the first of the usual Debian/Ubuntu paths that exists. */
export function chromiumPath(): string {
  const candidates = [
    process.env.IMGPROMO_CHROMIUM,
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`No Chromium found (tried ${candidates.join(', ')}). Install Debian's "chromium" or set IMGPROMO_CHROMIUM.`);
  return found;
}

export interface LaunchOptions {
  /** Default true; `IMGPROMO_HEADED=1` shows the window (needs a display). */
  headless?: boolean;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const headless = options.headless ?? process.env.IMGPROMO_HEADED !== '1';
  return chromium.launch({ executablePath: chromiumPath(), headless, args: [...CHROMIUM_FLAGS] });
}
