// A window's first look from outside: the Environments rows as the page draws them, and the files a
// code-server's windows write (the extension's log of a new window, its global storage). Shared by
// the benchmark's first look (test/bench/host.ts) and the UI suite's new-window test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Workbench } from '../ui/workbench';

/** Environments rows holding a build or digest, as the page shows them (aria-labels). */
export const ENVIRONMENT_ROWS = `(() => {
  const pane = [...document.querySelectorAll('.part.sidebar .pane')].find((p) => p.querySelector('.pane-header h3.title')?.textContent?.trim() === 'Environments');
  if (!pane) return [];
  const holds = /^[^,]+, \\S+ · (sha256:[0-9a-f]{12}|[0-9a-f]{7,40})( ·|$)/;
  return [...pane.querySelectorAll('.pane-body .monaco-list-row')].map((r) => r.getAttribute('aria-label') || '').filter((l) => holds.test(l));
})()`;

/** Waits in the page for `count` Environments rows holding a build or digest, marked refreshing… or not. */
export async function environmentRows(wb: Workbench, count: number, which: 'refreshing' | 'fresh', timeoutMs: number): Promise<void> {
  const check = `(() => {
    const labels = ${ENVIRONMENT_ROWS};
    return labels.length >= ${count} && labels.every((l) => l.includes('refreshing…') === ${which === 'refreshing'});
  })()`;
  await wb.page.waitForFunction(check, undefined, { polling: 10, timeout: timeoutMs });
}

export async function waitForFile(dir: string, name: string | RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (findFiles(dir, name, 5).length) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} was not written under ${dir}`);
}

/** The text of the extension log a new window wrote (not in `before`) once it holds `line`; the log is written with a delay. */
export async function newLog(userData: string, before: ReadonlySet<string>, line: RegExp): Promise<string | undefined> {
  for (let tries = 0; tries < 25; tries++) {
    for (const file of findFiles(join(userData, 'logs'), 'Image Promotion.log', 5)) {
      if (before.has(file)) continue;
      const text = readFileSync(file, 'utf8');
      if (line.test(text)) return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

export function findFiles(dir: string, name: string | RegExp, depth: number): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (typeof name === 'string' ? entry === name : name.test(entry)) return [path];
    try {
      return depth > 0 && statSync(path).isDirectory() ? findFiles(path, name, depth - 1) : [];
    } catch {
      return [];
    }
  });
}
