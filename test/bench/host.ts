// The extension in the real VS Code host (code-server's server build in headless Chromium): from
// opening the workbench page to the first rendered environment rows holding digests, and the
// Builds view over a repository of 2,000 tags (time to its first rows, extension host memory).
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startCodeServer, harnessClientEnv, type CodeServer } from '../vscode-host/codeServer';
import { Workbench } from '../ui/workbench';

export interface HostFigures {
  readonly serverStartMs: number;
  /** page opened → rows of `view` rendered with digests (workbench start, activation, refresh, render). */
  readonly toRowsMs: number;
  /** Of which: until the workbench showed (activity bar, status bar, our view container's icon). */
  readonly workbenchMs: number;
  readonly rows: number;
  /** Resident memory of the extension host process once the rows show. */
  readonly extensionHostRssMiB: number | undefined;
}

/** Waits in the page itself (20 ms polling) for `count` rows of the view whose accessible label holds a digest. */
async function rowsWithDigests(wb: Workbench, view: string, count: number, timeoutMs: number): Promise<void> {
  const check = `(() => {
    const pane = [...document.querySelectorAll('.part.sidebar .pane')].find((p) => p.querySelector('.pane-header h3.title')?.textContent?.trim() === ${JSON.stringify(view)});
    if (!pane) return false;
    const rows = [...pane.querySelectorAll('.pane-body .monaco-list-row')].filter((r) => /[0-9a-f]{12}/.test(r.getAttribute('aria-label') || ''));
    return rows.length >= ${count};
  })()`;
  await wb.page.waitForFunction(check, undefined, { polling: 20, timeout: timeoutMs });
}

export async function hostFigures(options: {
  registry: string;
  repository: string;
  view: 'Environments' | 'Builds';
  rows: number;
  env: Record<string, string>;
}): Promise<HostFigures> {
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  try {
    server = await startCodeServer({ env: harnessClientEnv({ ...process.env, ...options.env }), userSettings: { 'imagePromotion.refreshInterval': 0 } });
    const started = performance.now();
    wb = await Workbench.open({ server, workspace: { env: { IMGPROMO_TEST_REGISTRY: options.registry, IMGPROMO_TEST_REPOSITORY: options.repository } } });
    const workbenchMs = performance.now() - started;
    await wb.openViewContainer();
    if (options.view === 'Builds') await wb.expandView('Builds');
    await rowsWithDigests(wb, options.view, options.rows, 120_000);
    const toRowsMs = performance.now() - started;
    return { serverStartMs: server.startMs, toRowsMs, workbenchMs, rows: options.rows, extensionHostRssMiB: extensionHostRss(server.pid) };
  } finally {
    await wb?.close();
    await server?.stop();
  }
}

/** The RSS of the server's descendant running `--type=extensionHost`, from /proc. */
function extensionHostRss(serverPid: number): number | undefined {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === serverPid) return true;
    return false;
  };
  for (const pid of parents.keys()) {
    if (!descends(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('extensionHost')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) return Number(rss[1]) / 1024;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
