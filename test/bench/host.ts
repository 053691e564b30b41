// The extension in the real VS Code host (code-server's server build in headless Chromium): from
// opening the workbench page to the first rendered environment rows holding digests, and the
// Builds view over a repository of 2,000 tags (time to its first rows, extension host memory).
// Each run also reads the extension's own start-up line from its log (promotionModel.ts), which
// splits "activation → rows" into the config and the digests, measured inside the extension host.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCodeServer, harnessClientEnv, type CodeServer } from '../vscode-host/codeServer';
import { prepareWorkspace } from '../vscode-host/workspace';
import { ENVIRONMENT_ROWS, environmentRows, findFiles, newLog, waitForFile } from '../vscode-host/windowFiles';
import { Workbench } from '../ui/workbench';
import { median } from './stats';

/** What the extension logged about its own start-up (see PromotionModel.logFirstRows). */
export interface ExtensionStartup {
  /** Activation → the environments' rows ready to draw. */
  readonly rowsMs: number;
  /** Of which: activation → the config parsed and handed to the model. */
  readonly configMs: number;
  /** Of which: the first refresh's start → every environment's digest known. */
  readonly digestsMs: number;
  /** How long the extension host process had run by then (its own start-up, other extensions). */
  readonly hostUptimeMs: number;
}

export interface HostRun {
  readonly serverStartMs: number;
  /** Page opened → rows of `view` rendered with their digests (workbench start, activation, refresh, render). */
  readonly toRowsMs: number;
  /** Of which: until the workbench showed (activity bar, status bar, our view container's icon). */
  readonly workbenchMs: number;
  /** Of which: until the side bar showed our view container (clicked once the workbench showed). */
  readonly viewOpenedMs: number;
  /** The view opened → its rows: activation (the view's opening activates the extension here), config, refresh, render. */
  readonly viewToRowsMs: number;
  readonly extension: ExtensionStartup | undefined;
  /** Resident memory of the extension host process once the rows show. */
  readonly extensionHostRssMiB: number | undefined;
}

/** Medians over the runs (each from a fresh server and browser), and the runs themselves. */
export interface HostFigures extends HostRun {
  readonly rows: number;
  readonly runs: readonly HostRun[];
}

/**
 * Waits in the page itself (20 ms polling) for `count` rows of the view that say which build or digest
 * they hold: an environment row reads `name, tag · <build tag or sha256:…>`, a build row `tag, sha256:…`.
 * (Not just "12 hex digits somewhere": once the builds are known an environment row names its build
 * tag instead of the digest, so that only matched while the first refresh was still partial.)
 */
async function rowsWithDigests(wb: Workbench, view: string, count: number, timeoutMs: number): Promise<void> {
  const check = `(() => {
    const pane = [...document.querySelectorAll('.part.sidebar .pane')].find((p) => p.querySelector('.pane-header h3.title')?.textContent?.trim() === ${JSON.stringify(view)});
    if (!pane) return false;
    const holds = /^[^,]+, (\\S+ · (sha256:[0-9a-f]{12}|[0-9a-f]{7,40})( ·|$)|.*sha256:[0-9a-f]{12})/;
    const rows = [...pane.querySelectorAll('.pane-body .monaco-list-row')].filter((r) => holds.test(r.getAttribute('aria-label') || ''));
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
  /** Fresh server and browser each (default 1: a run takes half a minute on a loaded machine). */
  rounds?: number;
}): Promise<HostFigures> {
  const runs: HostRun[] = [];
  for (let i = 0; i < (options.rounds ?? 1); i++) runs.push(await hostRun(options));
  const med = (pick: (r: HostRun) => number | undefined): number => median(runs.map(pick).filter((v): v is number => v !== undefined));
  const withStartup = runs.filter((r) => r.extension);
  return {
    serverStartMs: med((r) => r.serverStartMs),
    toRowsMs: med((r) => r.toRowsMs),
    workbenchMs: med((r) => r.workbenchMs),
    viewOpenedMs: med((r) => r.viewOpenedMs),
    viewToRowsMs: med((r) => r.viewToRowsMs),
    extension: withStartup.length
      ? {
          rowsMs: med((r) => r.extension?.rowsMs),
          configMs: med((r) => r.extension?.configMs),
          digestsMs: med((r) => r.extension?.digestsMs),
          hostUptimeMs: med((r) => r.extension?.hostUptimeMs),
        }
      : undefined,
    extensionHostRssMiB: runs.some((r) => r.extensionHostRssMiB !== undefined) ? med((r) => r.extensionHostRssMiB) : undefined,
    rows: options.rows,
    runs,
  };
}

async function hostRun(options: {
  registry: string;
  repository: string;
  view: 'Environments' | 'Builds';
  rows: number;
  env: Record<string, string>;
}): Promise<HostRun> {
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  try {
    server = await startCodeServer({ env: harnessClientEnv({ ...process.env, ...options.env }), userSettings: { 'imagePromotion.refreshInterval': 0 } });
    const started = performance.now();
    wb = await Workbench.open({ server, workspace: { env: { IMGPROMO_TEST_REGISTRY: options.registry, IMGPROMO_TEST_REPOSITORY: options.repository } } });
    const workbenchMs = performance.now() - started;
    await wb.openViewContainer();
    const viewOpenedMs = performance.now() - started;
    if (options.view === 'Builds') await wb.expandView('Builds');
    await rowsWithDigests(wb, options.view, options.rows, 120_000);
    const toRowsMs = performance.now() - started;
    return {
      serverStartMs: server.startMs,
      toRowsMs,
      workbenchMs,
      viewOpenedMs,
      viewToRowsMs: toRowsMs - viewOpenedMs,
      extension: await extensionStartup(server.dirs.userData),
      extensionHostRssMiB: extensionHostRss(server),
    };
  } finally {
    await wb?.close();
    await server?.stop();
  }
}

/** One window of the first look: the view's last rows from the window before, then the fresh ones. */
export interface FirstLookRun {
  /** Inside the extension host: activation → the remembered rows drawn (the extension's log line); undefined: never shown. */
  readonly rememberedMs: number | undefined;
  /** Inside the extension host: activation → the fresh rows (the start-up line). */
  readonly freshMs: number | undefined;
  /** In the page: activation → the remembered rows seen, marked refreshing… (undefined: never seen, the fresh ones came first). */
  readonly seenRememberedMs: number | undefined;
  /** In the page: activation → the fresh rows seen. */
  readonly seenFreshMs: number | undefined;
  /** The extension's start-up lines of that window. */
  readonly lines: readonly string[];
}

export interface FirstLookFigures {
  readonly rememberedMs: number;
  readonly freshMs: number;
  /** Medians of what the page showed (the rows drawn), and of each window's remembered → fresh where both were seen. */
  readonly seenRememberedMs: number;
  readonly seenFreshMs: number;
  readonly seenGapMs: number;
  /** Median of each window's first rows drawn, remembered or fresh (the view is empty until then). */
  readonly seenFirstMs: number;
  /** Windows whose page showed the remembered rows before the fresh ones. */
  readonly rememberedSeen: number;
  readonly runs: readonly FirstLookRun[];
}

/**
 * The first look of a window whose extension has refreshed before (its global storage kept, as a
 * person's is): one window opens the view and refreshes; then each round opens a new window (a
 * new extension host) on the same server and folder, waits for the fresh rows in the page, and
 * reads from the extension's log how long after activation the remembered rows and then the fresh
 * ones were ready. (The extension activates with the window, seconds before a click can open the
 * view: the page sees the fresh rows; test/host/firstLook.test.ts checks the remembered ones are
 * drawn, marked, while a slow registry has not answered.)
 */
export async function firstLookFigures(options: {
  registry: string;
  repository: string;
  env: Record<string, string>;
  rounds: number;
}): Promise<FirstLookFigures> {
  const server = await startCodeServer({ env: harnessClientEnv({ ...process.env, ...options.env }), userSettings: { 'imagePromotion.refreshInterval': 0 } });
  const workspace = prepareWorkspace({ env: { IMGPROMO_TEST_REGISTRY: options.registry, IMGPROMO_TEST_REPOSITORY: options.repository } });
  const runs: FirstLookRun[] = [];
  try {
    const first = await Workbench.open({ server, folder: workspace.path });
    try {
      await first.openViewContainer();
      await environmentRows(first, 3, 'fresh', 120_000);
      await waitForFile(server.dirs.userData, 'last-rows.json', 10_000);
      // The windows below start as a person's next ones do: with the code cache this one saves (src/extensionLoader.ts).
      if (process.env['IMGPROMO_CODE_CACHE'] !== 'off') await waitForFile(server.dirs.userData, /^extension-main-[0-9a-f]+\.v8cache$/, 20_000);
    } finally {
      await first.close();
      // Each window starts as a person's next one does: with no closed window's host still running.
      await server.endExtensionHosts();
    }
    for (let round = 0; round < options.rounds; round++) {
      const before = new Set(findFiles(join(server.dirs.userData, 'logs'), 'Image Promotion.log', 5));
      const wb = await Workbench.open({ server, folder: workspace.path });
      try {
        // The page notes when it first shows the rows marked refreshing… and the fresh ones (wall clock,
        // as the extension's log says when it activated): what a person sees, VS Code's tree updates included.
        await wb.page.evaluate(SEEN_RECORDER);
        await wb.openViewContainer();
        await environmentRows(wb, 3, 'fresh', 120_000);
        const seen = (await wb.page.evaluate('window.__imgpromoSeen')) as { refreshing?: number; fresh?: number };
        const log = await newLog(server.dirs.userData, before, STARTUP_LINE);
        const remembered = log && REMEMBERED_LINE.exec(log);
        const fresh = log && STARTUP_LINE.exec(log);
        const activated = remembered ? Date.parse(remembered[2]!) : undefined;
        const since = (at: number | undefined): number | undefined => (at !== undefined && activated !== undefined ? at - activated : undefined);
        runs.push({
          rememberedMs: remembered ? Number(remembered[1]) : undefined,
          freshMs: fresh ? Number(fresh[1]) : undefined,
          seenRememberedMs: since(seen.refreshing),
          seenFreshMs: since(seen.fresh),
          lines: (log ?? '').split('\n').filter((l) => /start-up:/.test(l)),
        });
      } finally {
        await wb.close();
        await server.endExtensionHosts();
      }
    }
  } finally {
    await server.stop();
    workspace.dispose();
  }
  const med = (pick: (r: FirstLookRun) => number | undefined): number => median(runs.map(pick).filter((v): v is number => v !== undefined));
  return {
    rememberedMs: med((r) => r.rememberedMs),
    freshMs: med((r) => r.freshMs),
    seenRememberedMs: med((r) => r.seenRememberedMs),
    seenFreshMs: med((r) => r.seenFreshMs),
    seenGapMs: med((r) => (r.seenRememberedMs !== undefined && r.seenFreshMs !== undefined ? r.seenFreshMs - r.seenRememberedMs : undefined)),
    seenFirstMs: med((r) => r.seenRememberedMs ?? r.seenFreshMs),
    rememberedSeen: runs.filter((r) => r.seenRememberedMs !== undefined).length,
    runs,
  };
}

/** Every 5 ms in the page: the wall-clock time 3 rows were first shown marked refreshing…, and fresh. */
const SEEN_RECORDER = `(() => {
  const seen = (window.__imgpromoSeen = {});
  const timer = setInterval(() => {
    const labels = ${ENVIRONMENT_ROWS};
    if (labels.length < 3) return;
    const refreshing = labels.every((l) => l.includes('refreshing…'));
    if (refreshing) seen.refreshing ??= Date.now();
    else if (labels.every((l) => !l.includes('refreshing…'))) {
      seen.fresh ??= Date.now();
      clearInterval(timer);
    }
  }, 5);
})()`;

const REMEMBERED_LINE = /start-up: \d+ remembered environment rows shown (\d+) ms after activation.*; activated at (\S+)\)/;

const STARTUP_LINE =
  /start-up: \d+ environment rows ready (\d+) ms after activation \(the config ready after (\d+) ms, their digests (\d+) ms into the first refresh, [^;]*; the extension host has run (\d+) ms\)/;

/** The start-up line of the extension's log (`<user data>/logs/<session>/exthost*\/<extension id>/Image Promotion.log`); the log is written with a delay, so wait a little. */
async function extensionStartup(userData: string): Promise<ExtensionStartup | undefined> {
  for (let tries = 0; tries < 25; tries++) {
    for (const file of findFiles(join(userData, 'logs'), 'Image Promotion.log', 4)) {
      const m = STARTUP_LINE.exec(readFileSync(file, 'utf8'));
      if (m) return { rowsMs: Number(m[1]), configMs: Number(m[2]), digestsMs: Number(m[3]), hostUptimeMs: Number(m[4]) };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/** The RSS of the server's extension host, from /proc. */
function extensionHostRss(server: CodeServer): number | undefined {
  for (const pid of server.extensionHosts()) {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) return Number(rss[1]) / 1024;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
