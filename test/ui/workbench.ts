// Drives a real VS Code workbench (code-server's server build) in headless Chromium for end-to-end UI tests.
// No tests payload: only extensionDevelopmentPath, so the extension runs as a user would see it and real
// dialogs show (an extension-test window refuses them).
//
//   const wb = await Workbench.open();                      // fixture workspace, trusted, this extension
//   await wb.openViewContainer();                           // clicks "Image Promotion" in the activity bar
//   const rows = await wb.waitForTreeRows('Environments', (rs) => rs.length === 3);
//   await wb.runCommand('Image Promotion: Promote to Staging');
//   await wb.clickDialogButton(/^Promote/);
//   await wb.screenshot('after-promotion');
//   await wb.close();
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { launchChromium } from '../vscode-host/chromium';
import { harnessClientEnv, repoRoot, startCodeServer, type CodeServer, type TrustMode } from '../vscode-host/codeServer';
import { prepareWorkspace, type FixtureWorkspace, type WorkspaceOptions } from '../vscode-host/workspace';

export const VIEW_CONTAINER_TITLE = 'Image Promotion';

/** The theme follows the page's prefers-color-scheme (light unless setColorTheme says otherwise). */
const THEME_SETTINGS = {
  'window.autoDetectColorScheme': true,
  'workbench.preferredLightColorTheme': 'Default Light Modern',
  'workbench.preferredDarkColorTheme': 'Default Dark Modern',
};

export interface OpenWorkbenchOptions {
  /** Folder to open. Default: a copy of test/fixtures/workspace made with `workspace`. */
  folder?: string;
  /** How to make the default folder (template, ${NAME} values, extra files). Ignored when `folder` is given. */
  workspace?: WorkspaceOptions;
  /** A `.code-workspace` file to open instead of a folder (a multi-root workspace); the caller removes it. */
  workspaceFile?: string;
  /** Default: the repository root (this extension). `null`: open VS Code without it. */
  extensionDevelopmentPath?: string | null;
  /** Default `trusted`. See TrustMode in test/vscode-host/codeServer.ts. */
  trust?: TrustMode;
  /**
   * Environment for the server and its extension host, over process.env. When the harness's IMGPROMO_TEST_*
   * variables are set, DOCKER_HOST / DOCKER_CONFIG / PATH already point at its services (harnessClientEnv).
   */
  env?: Record<string, string | undefined>;
  /** Extra user settings, e.g. `{ 'imagePromotion.refreshInterval': 0 }`. */
  userSettings?: Record<string, unknown>;
  /** Default 1280×800. */
  viewport?: { width: number; height: number };
  /** Reuse a running server instead of starting one (it is not stopped by close()). */
  server?: CodeServer;
  /** Print the server's output and the page's console. Default `IMGPROMO_VERBOSE=1`. */
  verbose?: boolean;
  /**
   * The activity-bar item `open` waits for (it appears once the extensions are registered).
   * Default "Image Promotion" when this extension is loaded, else none.
   */
  readyActivity?: string | null;
  /** How long `open` waits for the workbench and that activity-bar item. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface TreeRow {
  /** The row's accessible label (what a screen reader says; TreeItem.accessibilityInformation or label + description). */
  ariaLabel: string;
  /** TreeItem.label as shown. */
  label: string;
  /** TreeItem.description as shown ('' when none). */
  description: string;
  /** 1 for top-level rows. */
  level: number;
  /** undefined for leaves. */
  expanded: boolean | undefined;
  selected: boolean;
}

export interface QuickPickEntry {
  label: string;
  description: string;
  detail: string;
  /** The entry the quick pick preselected (or the one the keyboard is on). */
  focused: boolean;
}

export type ThemeKind = 'light' | 'dark';

export interface ScreenshotOptions {
  /** Element to capture instead of the whole page, e.g. `wb.viewContainer()`. */
  locator?: Locator;
  /**
   * Also write this file (relative to the repository root, e.g. `media/screenshot-tree.png`) for the README,
   * but only when IMGPROMO_README_SCREENSHOTS=1. Default off, so test runs never touch tracked files.
   */
  readme?: string;
}

/** test-results/ in the repository (gitignored). */
export function resultsDir(): string {
  const dir = join(repoRoot(), 'test-results');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * PNG of a page or element in test-results/<name>.png; with `options.readme` and IMGPROMO_README_SCREENSHOTS=1
 * also copied there (the README's image). Returns the paths written.
 */
export async function screenshot(target: Page | Locator, name: string, options: ScreenshotOptions = {}): Promise<string[]> {
  const file = join(resultsDir(), name.endsWith('.png') ? name : `${name}.png`);
  const subject = options.locator ?? target;
  const page = 'mainFrame' in target ? target : target.page();
  // The harness's engine socket and workspace live in temp folders: masked, so no picture names a path of this machine.
  const machinePaths = page.locator('.label-description, .monaco-highlighted-label, .statusbar-item', { hasText: /\/tmp\// });
  await subject.screenshot({ path: file, animations: 'disabled', mask: [machinePaths], maskColor: '#808080' });
  const written = [file];
  if (options.readme && process.env.IMGPROMO_README_SCREENSHOTS === '1') {
    const readme = isAbsolute(options.readme) ? options.readme : join(repoRoot(), options.readme);
    mkdirSync(dirname(readme), { recursive: true });
    copyFileSync(file, readme);
    written.push(readme);
  }
  return written;
}

function exact(text: string | RegExp): RegExp {
  return typeof text === 'string' ? new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) : text;
}

/** Workbenches open now, so a failed test's windows can be photographed (screenshotsOfFailure). */
const openWorkbenches = new Set<Workbench>();

/** After a failed test: a screenshot of every open workbench, `failed-<test title>.png` in test-results/. */
export async function screenshotsOfFailure(title: string): Promise<string[]> {
  const name = `failed-${title.replace(/[^\w.-]+/g, '-').slice(0, 80)}`;
  const written: string[] = [];
  for (const wb of openWorkbenches) written.push(...(await screenshot(wb.page, name).catch(() => [])));
  return written;
}

export class Workbench {
  private constructor(
    readonly page: Page,
    readonly server: CodeServer,
    /** Absolute path of the open folder. */
    readonly folder: string,
    readonly url: string,
    private readonly browser: Browser,
    private readonly owned: { server: boolean; workspace?: FixtureWorkspace },
  ) {}

  /** Starts code-server (unless given one), opens the folder in headless Chromium and waits until the workbench is ready. */
  static async open(options: OpenWorkbenchOptions = {}): Promise<Workbench> {
    const verbose = options.verbose ?? process.env.IMGPROMO_VERBOSE === '1';
    const own = !options.folder && !options.workspaceFile;
    const workspace = own ? prepareWorkspace({ ...options.workspace, env: { ...options.env, ...options.workspace?.env } }) : undefined;
    const folder = options.workspaceFile ?? options.folder ?? (workspace as FixtureWorkspace).path;
    let server = options.server;
    let browser: Browser | undefined;
    try {
      server ??= await startCodeServer({
        trust: options.trust,
        env: { ...harnessClientEnv({ ...process.env, ...options.env }), ...options.env },
        userSettings: { ...THEME_SETTINGS, ...options.userSettings },
        log: verbose ? (line) => console.log(`[code-server] ${line}`) : undefined,
      });
      const extensionDevelopmentPath = options.extensionDevelopmentPath === undefined ? repoRoot() : options.extensionDevelopmentPath;
      const url = server.workbenchUrl({
        ...(options.workspaceFile ? { workspace: options.workspaceFile } : { folder }),
        ...(extensionDevelopmentPath ? { extensionDevelopmentPath } : {}),
      });
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 }, colorScheme: 'light' });
      if (verbose) page.on('console', (m) => console.log(`[browser ${m.type()}] ${m.text()}`));
      const wb = new Workbench(page, server, folder, url, browser, { server: options.server === undefined, workspace });
      openWorkbenches.add(wb);
      await page.goto(url);
      const activity = options.readyActivity === undefined ? (extensionDevelopmentPath ? VIEW_CONTAINER_TITLE : undefined) : options.readyActivity;
      await wb.waitReady({ activity: activity ?? undefined, timeoutMs: options.readyTimeoutMs ?? 60_000 });
      return wb;
    } catch (error) {
      await browser?.close().catch(() => undefined);
      if (options.server === undefined) await server?.stop().catch(() => undefined);
      workspace?.dispose();
      throw error;
    }
  }

  /** Waits for the workbench parts and (when given) an activity-bar item, which appears once extensions are registered. */
  async waitReady(options: { activity?: string; timeoutMs?: number } = {}): Promise<void> {
    const timeout = options.timeoutMs ?? 60_000;
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout });
    if (options.activity) await this.activityItem(options.activity).waitFor({ state: 'attached', timeout });
  }

  /** The activity-bar entry whose title is `title` (its aria-label may add a keybinding, "Explorer (Ctrl+Shift+E)", or a badge's tooltip, "Image Promotion - …"). */
  activityItem(title: string = VIEW_CONTAINER_TITLE): Locator {
    return this.page
      .locator(
        `.part.activitybar a.action-label[aria-label="${title}"], .part.activitybar a.action-label[aria-label^="${title} ("], .part.activitybar a.action-label[aria-label^="${title}"]`,
      )
      .first();
  }

  /** Clicks the activity-bar item (unless its container is already showing) and waits for the side bar to show it. */
  async openViewContainer(title: string = VIEW_CONTAINER_TITLE): Promise<void> {
    const item = this.activityItem(title);
    const heading = this.page.locator('.part.sidebar .composite.title h2', { hasText: new RegExp(title, 'i') }).first();
    // Right after a (re)load the workbench restores its layout: the item can read as checked while the
    // side bar stays hidden (seen after a reload, and after a killed extension host). Click until the title shows.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const checked = (await item.locator('xpath=..').getAttribute('class'))?.split(' ').includes('checked');
      const showing =
        checked &&
        (await heading.waitFor({ state: 'visible', timeout: 2_000 }).then(
          () => true,
          () => false,
        ));
      if (showing) return;
      // The action item, not its label: the item's badge lies over the label and takes the click (the badge
      // is inside the item, so a click anywhere on it opens the container, as a person's does).
      await item.locator('xpath=..').click();
      await this.parkMouse();
      try {
        await heading.waitFor({ state: 'visible', timeout: 5_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  /** Drags the sash between the side bar and the editor so the side bar is `width` pixels wide (long descriptions fit). */
  async resizeSideBar(width: number): Promise<void> {
    const box = await this.viewContainer().boundingBox();
    if (!box) throw new Error('the side bar is not showing');
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 8 });
    await this.page.mouse.up();
    await this.parkMouse();
  }

  /** The side bar (the open view container). */
  viewContainer(): Locator {
    return this.page.locator('.part.sidebar');
  }

  /** The pane of the view titled `title` in the side bar ("Environments", "Builds"). */
  view(title: string | RegExp): Locator {
    return this.page
      .locator('.part.sidebar .pane')
      .filter({ has: this.page.locator('.pane-header h3.title', { hasText: exact(title) }) })
      .first();
  }

  /** Expands the view's pane if it is collapsed. */
  async expandView(title: string | RegExp): Promise<Locator> {
    const pane = this.view(title);
    const header = pane.locator('.pane-header').first();
    await header.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return pane;
  }

  /** Collapses a view's pane (its header), so the panes below it get its height. */
  async collapseView(title: string | RegExp): Promise<void> {
    const header = this.view(title).locator('.pane-header').first();
    await header.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
  }

  /** The rows the view's tree shows now (only rendered rows: expanded parents' children, within the viewport). */
  async treeRows(viewTitle: string | RegExp): Promise<TreeRow[]> {
    const pane = await this.expandView(viewTitle);
    const rows = pane.locator('.pane-body .monaco-list-row');
    const count = await rows.count();
    const out: TreeRow[] = [];
    for (let i = 0; i < count; i++) {
      const row = rows.nth(i);
      const [ariaLabel, level, expanded, selected, label, description] = await Promise.all([
        row.getAttribute('aria-label'),
        row.getAttribute('aria-level'),
        row.getAttribute('aria-expanded'),
        row.getAttribute('aria-selected'),
        row
          .locator('.label-name')
          .first()
          .innerText()
          .catch(() => ''),
        row
          .locator('.label-description')
          .first()
          .innerText()
          .catch(() => ''),
      ]);
      out.push({
        ariaLabel: ariaLabel ?? '',
        label: label.trim(),
        description: description.trim(),
        level: Number(level ?? 1),
        expanded: expanded === null ? undefined : expanded === 'true',
        selected: selected === 'true',
      });
    }
    // The list renders rows in DOM order that may differ from their visual order; sort by position.
    const tops = await rows.evaluateAll((els) => els.map((e) => Number.parseFloat((e as unknown as { style: { top: string } }).style.top) || 0));
    return out
      .map((r, i) => ({ r, top: tops[i] ?? 0 }))
      .sort((a, b) => a.top - b.top)
      .map((x) => x.r);
  }

  /** Polls treeRows until `predicate` holds; returns those rows. Throws with the last rows seen on timeout. */
  async waitForTreeRows(viewTitle: string | RegExp, predicate: (rows: TreeRow[]) => boolean, timeoutMs = 30_000): Promise<TreeRow[]> {
    const deadline = Date.now() + timeoutMs;
    let rows: TreeRow[] = [];
    while (Date.now() < deadline) {
      rows = await this.treeRows(viewTitle);
      if (predicate(rows)) return rows;
      await this.page.waitForTimeout(250);
    }
    throw new Error(
      `view "${String(viewTitle)}": rows never matched within ${timeoutMs} ms; last seen:\n${rows.map((r) => `  ${'  '.repeat(r.level - 1)}${r.ariaLabel}${r.expanded === undefined ? '' : r.expanded ? ' [expanded]' : ' [collapsed]'}`).join('\n')}`,
    );
  }

  /** The row of `viewTitle` whose label (or aria-label) matches. */
  row(viewTitle: string | RegExp, label: string | RegExp): Locator {
    const pane = this.view(viewTitle);
    const byName = pane.locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exact(label) }) });
    return byName.first();
  }

  /** Expands a collapsed tree row. */
  async expandRow(viewTitle: string | RegExp, label: string | RegExp): Promise<void> {
    const row = this.row(viewTitle, label);
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
  }

  /** The text of the view's welcome content (viewsWelcome), '' when the view shows a tree instead. */
  async welcomeText(viewTitle: string | RegExp): Promise<string> {
    const pane = await this.expandView(viewTitle);
    const welcome = pane.locator('.welcome-view-content');
    return (await welcome.count()) > 0 ? (await welcome.first().innerText()).trim() : '';
  }

  /** Right-clicks a row and returns the labels of its context menu (separators left out). The menu stays open. */
  async openContextMenu(viewTitle: string | RegExp, label: string | RegExp): Promise<string[]> {
    const row = this.row(viewTitle, label);
    await row.click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.first().waitFor({ state: 'visible', timeout: 10_000 });
    return this.menuItems();
  }

  /** Labels of the open context menu. */
  async menuItems(): Promise<string[]> {
    const labels = await this.page.locator('.context-view .monaco-menu .action-menu-item .action-label').allInnerTexts();
    return labels.map((l) => l.trim()).filter((l) => l !== '');
  }

  /** Clicks an entry of the open context menu. */
  async clickMenuItem(label: string | RegExp): Promise<void> {
    await this.page
      .locator('.context-view .monaco-menu .action-menu-item')
      .filter({ has: this.page.locator('.action-label', { hasText: exact(label) }) })
      .first()
      .click();
  }

  /** Hovers a row and clicks one of its inline actions by its title (e.g. "Promote to Next Environment…"). */
  async clickInlineAction(viewTitle: string | RegExp, label: string | RegExp, actionTitle: string): Promise<void> {
    const row = this.row(viewTitle, label);
    await row.hover();
    await row.locator(`.actions a.action-label[aria-label^="${actionTitle}"]`).first().click();
  }

  /** Clicks a view's title-bar action by its title ("Refresh"). */
  async clickViewAction(viewTitle: string | RegExp, actionTitle: string): Promise<void> {
    const pane = await this.expandView(viewTitle);
    await pane.locator('.pane-header').hover();
    await pane.locator(`.pane-header .actions a.action-label[aria-label^="${actionTitle}"]`).first().click();
  }

  /** The quick input (command palette, quick picks, input boxes). */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Opens the command palette, types `title` and runs the entry whose label is exactly `title` ("Image Promotion: Refresh"). */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.quickInput().locator('.quick-input-box input');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
    } catch {
      await this.page.keyboard.press('Control+Shift+P');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    }
    await input.fill(`>${title}`);
    const entry = this.quickInput()
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exact(title) }) })
      .first();
    try {
      await entry.waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      const seen = await this.quickPickItems();
      await this.page.keyboard.press('Escape');
      throw new Error(`command palette: no entry "${title}"; it offered: ${seen.join(' | ') || '(nothing)'}`);
    }
    await entry.click();
  }

  /** Labels of the entries the quick input shows now. */
  async quickPickItems(): Promise<string[]> {
    const labels = await this.quickInput().locator('.monaco-list-row .label-name').allInnerTexts();
    return labels.map((l) => l.replace(/\s+/g, ' ').trim());
  }

  /** Waits for a quick pick (showQuickPick) and picks the entry whose label matches. */
  async pickQuickPickItem(label: string | RegExp, timeoutMs = 15_000): Promise<void> {
    const entry = this.quickInput()
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exact(label) }) })
      .first();
    await entry.waitFor({ state: 'visible', timeout: timeoutMs });
    await entry.click();
  }

  /** Types into an input box (showInputBox) and presses Enter. */
  async submitInputBox(text: string, timeoutMs = 15_000): Promise<void> {
    const input = this.quickInput().locator('.quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
    await input.fill(text);
    await input.press('Enter');
  }

  /** The modal dialog (showInformationMessage/showWarningMessage with `modal: true`, the trust prompt). */
  dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  /** Waits for a modal dialog; returns its message, detail and button labels. */
  async waitForDialog(timeoutMs = 30_000): Promise<{ message: string; detail: string; buttons: string[] }> {
    const box = this.dialog();
    await box.waitFor({ state: 'visible', timeout: timeoutMs });
    const message = (
      await box
        .locator('.dialog-message-text')
        .first()
        .innerText()
        .catch(() => '')
    ).trim();
    const detail = (
      await box
        .locator('.dialog-message-detail')
        .first()
        .innerText()
        .catch(() => '')
    ).trim();
    const buttons = (await box.locator('.dialog-buttons .monaco-button').allInnerTexts()).map((b) => b.trim()).filter((b) => b !== '');
    return { message, detail, buttons };
  }

  /** Clicks a button of the modal dialog by its label ("Promote", "Cancel"; a RegExp matches part of it). */
  async clickDialogButton(label: string | RegExp, timeoutMs = 15_000): Promise<void> {
    const box = this.dialog();
    await box.waitFor({ state: 'visible', timeout: timeoutMs });
    const button = box
      .locator('.dialog-buttons .monaco-button')
      .filter({ hasText: exact(label) })
      .first();
    try {
      await button.waitFor({ state: 'visible', timeout: 2_000 });
    } catch {
      const { message, buttons } = await this.waitForDialog(1_000);
      throw new Error(`dialog "${message}" has no button ${String(label)}; its buttons: ${buttons.join(' | ')}`);
    }
    await button.click();
    await box.waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /** Texts of the notification toasts showing now. */
  async notifications(): Promise<string[]> {
    const texts = await this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
    return texts.map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** Waits for a toast whose text matches; returns its text. */
  async waitForNotification(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const pattern = typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text;
    const toast = this.page.locator('.notifications-toasts .notification-list-item-message').filter({ hasText: pattern }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return (await toast.innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Clears every notification toast (so a screenshot shows only what it is of); waits until none shows. */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** Reloads the page (the browser's reload: a new window on the same server and folder) and waits until it is ready. */
  async reload(): Promise<void> {
    await this.page.reload();
    await this.waitReady({ activity: VIEW_CONTAINER_TITLE });
  }

  /** Whether the window shows Restricted Mode (the status-bar entry). */
  async isRestricted(): Promise<boolean> {
    return (await this.page.locator('.part.statusbar').getByText('Restricted Mode').count()) > 0;
  }

  /** Moves the pointer to an empty spot of the editor area, so no hover or tooltip shows. */
  async parkMouse(): Promise<void> {
    const size = this.page.viewportSize() ?? { width: 1280, height: 800 };
    await this.page.mouse.move(size.width - 40, size.height - 60);
  }

  /**
   * Waits until the showing quick input lists entries that satisfy `predicate`; returns them. The widget is
   * reused and can show the previous list (the command palette's) for a moment: say what the new one holds.
   */
  async waitForQuickPick(predicate: (entries: QuickPickEntry[]) => boolean, timeoutMs = 15_000): Promise<QuickPickEntry[]> {
    const rows = this.quickInput().locator('.monaco-list-row');
    const deadline = Date.now() + timeoutMs;
    let entries: QuickPickEntry[] = [];
    while (Date.now() < deadline) {
      if (!(await this.quickInput().isVisible())) {
        await this.page.waitForTimeout(150);
        continue;
      }
      entries = await rows.evaluateAll((els) =>
        els.map((e) => ({
          label: (e.querySelector('.label-name')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
          description: (e.querySelector('.label-description')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
          detail: (e.querySelector('.quick-input-list-label-meta')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
          focused: e.classList.contains('focused'),
        })),
      );
      if (predicate(entries)) return entries;
      await this.page.waitForTimeout(150);
    }
    throw new Error(
      `quick pick never matched within ${timeoutMs} ms; it showed: ${entries.map((e) => `${e.label} (${e.description})`).join(' | ') || '(nothing)'}`,
    );
  }

  /** The quick input's title ("Roll back production: earlier digest"), '' when it has none. */
  async quickInputTitle(): Promise<string> {
    return (
      await this.quickInput()
        .locator('.quick-input-title')
        .innerText()
        .catch(() => '')
    ).trim();
  }

  /** Texts of every notification toast, progress ones included ("Promoting…: Waiting for your confirmation…"). */
  /** After a failed step: closes an open dialog and input box (Escape), so the next test is not stuck behind them. */
  async dismissModals(): Promise<void> {
    for (let i = 0; i < 4; i++) {
      const open = (await this.dialog().isVisible()) || (await this.quickInput().isVisible());
      if (!open) return;
      await this.page.keyboard.press('Escape');
      await this.page.waitForTimeout(200);
    }
  }

  /** Waits until some notification toast reads `text` (progress messages reach the window up to 100 ms late); returns all toasts' texts. */
  async waitForToast(text: RegExp, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const texts = await this.toastTexts();
      if (texts.some((t) => text.test(t))) return texts;
      if (Date.now() > deadline) throw new Error(`no notification reads ${text} within ${timeoutMs} ms: ${texts.join(' | ') || 'none shown'}`);
      await this.page.waitForTimeout(100);
    }
  }

  async toastTexts(): Promise<string[]> {
    const texts = await this.page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    return texts.map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** Hovers a tree row and waits for its tooltip to contain `text`; returns the tooltip's text. */
  async rowTooltip(viewTitle: string | RegExp, label: string | RegExp, text: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const hover = this.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: text }).first();
    const deadline = Date.now() + timeoutMs;
    // A tooltip is resolved lazily and a hover can be lost to a repaint: hover again until it shows.
    while (Date.now() < deadline) {
      await this.parkMouse();
      await this.row(viewTitle, label).locator('.label-name').first().hover();
      try {
        await hover.waitFor({ state: 'visible', timeout: 4_000 });
        return (await hover.innerText()).trim();
      } catch {
        // try again
      }
    }
    throw new Error(`row "${String(label)}" of "${String(viewTitle)}": no tooltip with ${String(text)} within ${timeoutMs} ms`);
  }

  /** The editor tab whose label matches. */
  tab(label: string | RegExp): Locator {
    return this.page.locator('.part.editor .tabs-container .tab').filter({ has: this.page.locator('.label-name', { hasText: exact(label) }) });
  }

  /** The content frame of the webview showing now (Compare, Markdown preview); VS Code nests it in two iframes. */
  webview(): FrameLocator {
    return this.page.locator('iframe.webview.ready:visible').first().contentFrame().locator('iframe#active-frame').contentFrame();
  }

  /**
   * Switches between the light and the dark theme the way an OS setting does: the page's prefers-color-scheme,
   * which VS Code follows (window.autoDetectColorScheme, on in every workbench opened here). Unlike the theme
   * picker it works while a modal dialog or a quick pick is open. Waits for the workbench to repaint.
   */
  async setColorTheme(kind: ThemeKind): Promise<void> {
    await this.page.emulateMedia({ colorScheme: kind });
    await this.page
      .locator(kind === 'dark' ? '.monaco-workbench.vs-dark' : '.monaco-workbench.vs')
      .first()
      .waitFor({ state: 'attached', timeout: 15_000 });
  }

  /**
   * The same screenshot in the light and the dark theme: test-results/<name>-light.png and -dark.png, and with
   * IMGPROMO_README_SCREENSHOTS=1 media/screenshot-<name>-<theme>.png. `ready` waits for what only repaints later
   * (a webview's own theme). Leaves the light theme on.
   */
  async themedScreenshots(name: string, locator: () => Locator, ready?: (kind: ThemeKind) => Promise<void>): Promise<string[]> {
    const written: string[] = [];
    for (const kind of ['light', 'dark'] as const) {
      await this.setColorTheme(kind);
      await ready?.(kind);
      await this.parkMouse();
      await this.page.waitForTimeout(300); // the theme's transition and a hover tooltip fading: only the picture depends on it
      written.push(...(await screenshot(this.page, `${name}-${kind}`, { locator: locator(), readme: `media/screenshot-${name}-${kind}.png` })));
    }
    await this.setColorTheme('light');
    return written;
  }

  /** test-results/<name>.png of the page (or `options.locator`), taken with the pointer parked; see the module-level `screenshot`. */
  async screenshot(name: string, options: ScreenshotOptions = {}): Promise<string[]> {
    await this.parkMouse();
    await this.page.waitForTimeout(300); // let a hover tooltip fade
    return screenshot(this.page, name, options);
  }

  /** Closes the browser, stops the server it started and removes the fixture workspace it made. */
  async close(): Promise<void> {
    openWorkbenches.delete(this);
    await this.browser.close().catch(() => undefined);
    if (this.owned.server) await this.server.stop().catch(() => undefined);
    this.owned.workspace?.dispose();
  }
}

/** Same as Workbench.open. */
export function openWorkbench(options: OpenWorkbenchOptions = {}): Promise<Workbench> {
  return Workbench.open(options);
}
