// The workspace's image at a glance in the status bar: what the last environment holds, and a warning
// state when it is behind the environment before or changed outside promotion. Hidden without a
// valid config and when imagePromotion.statusBar is off; a click reveals the Environments view.
// In a multi-root workspace it speaks for the active editor's folder (else the first configured one)
// and its tooltip says which.
import * as vscode from 'vscode';
import { glanceOf, type Glance } from '../model/glance';
import type { PromotionModel } from '../model/promotionModel';
import { affectsSetting } from './settings';

export const REVEAL_COMMAND = 'imagePromotion.environments.focus';

/** What the status bar shows, for tests (a StatusBarItem cannot be read from outside the extension). */
export interface StatusBarState {
  readonly visible: boolean;
  readonly text: string;
  readonly tooltip: string;
  readonly warning: boolean;
  readonly accessibilityLabel: string;
}

/** The folders the status bar chooses from (Workspaces). */
export interface StatusFolders {
  /** The folder to show: the active editor's, else the first with a valid config. */
  readonly active: { readonly name: string; readonly model: PromotionModel } | undefined;
  readonly configured: readonly unknown[];
  onDidChange(listener: () => void): { dispose(): void };
}

export class PromotionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('imagePromotion.status', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private shown = false;

  constructor(
    private readonly folders: StatusFolders,
    private readonly enabled: () => boolean,
  ) {
    this.item.name = 'Image Promotion';
    this.item.command = { command: REVEAL_COMMAND, title: 'Show the environments' };
    const subscription = folders.onDidChange(() => this.update());
    this.disposables.push(
      { dispose: () => subscription.dispose() },
      vscode.workspace.onDidChangeConfiguration((e) => affectsSetting(e, 'statusBar') && this.update()),
      // It speaks for the active editor's folder (multi-root workspaces).
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
    );
    this.update();
  }

  get state(): StatusBarState {
    return {
      visible: this.shown,
      text: this.item.text,
      tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? ''),
      warning: this.item.backgroundColor !== undefined,
      accessibilityLabel: this.item.accessibilityInformation?.label ?? '',
    };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }

  private update(): void {
    const folder = this.folders.active;
    const config = folder?.model.config;
    if (!this.enabled() || !folder || config?.kind !== 'ready') return this.hide();
    // Several folders with a config: say which one this is (only then: one folder reads as it always did).
    const which = this.folders.configured.length > 1 ? folder.name : undefined;
    const snapshot = folder.model.snapshot;
    const glance = snapshot ? glanceOf(snapshot) : undefined;
    if (!glance) {
      const last = config.config.environments[config.config.environments.length - 1];
      this.render(
        `$(sync~spin) ${last?.name ?? 'Image Promotion'}`,
        `Image Promotion${which ? ` (${which})` : ''}: looking up what each environment holds…`,
        `${which ? `${which}: ` : ''}${last?.name ?? 'Image Promotion'}: looking up`,
        false,
      );
      return;
    }
    const { last } = glance;
    const warning = last.state === 'behind' || last.state === 'drift' || last.state === 'not-redeployed' || last.state === 'mixed' || last.state === 'error';
    // The icon repeats what the words say; the words alone carry the state (screen readers, no colour).
    const icon = warning ? '$(warning)' : last.state === 'in-step' ? '$(pass)' : '$(package)';
    const what = last.build ?? last.words;
    const suffix = (warning && last.build ? ` · ${last.words}` : '') + heldWords(glance);
    this.render(
      `${icon} ${last.environment}: ${what}${suffix}`,
      tooltipOf(glance, which, this.folders.configured.length),
      `Image Promotion: ${which ? `${which}: ` : ''}${last.environment} holds ${last.build ?? 'nothing'}, ${last.words}${attentionWords(glance)}${heldWords(glance, '; ')}`,
      warning,
    );
  }

  private render(text: string, tooltip: string, label: string, warning: boolean): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label, role: 'button' };
    this.item.backgroundColor = warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    if (!this.shown) this.item.show();
    this.shown = true;
  }

  private hide(): void {
    this.item.hide();
    this.shown = false;
  }
}

function tooltipOf(glance: Glance, folder: string | undefined, folders: number): string {
  const lines = glance.environments.map(
    (e) => `${e.environment}: ${e.build ? `${e.build}, ` : ''}${e.words}${e.hold ? `; ${e.hold}` : ''}${e.pending ? `; ${e.pending}` : ''}`,
  );
  const heading = folder ? [`Image Promotion: workspace folder ${folder}`] : ['Image Promotion'];
  const which = folder ? ['', `${folders} folders have a promotion config; this is the active editor's folder (or the first).`] : [];
  return [...heading, ...lines, ...which, '', 'Click to show the environments.'].join('\n');
}

function attentionWords(glance: Glance): string {
  const n = glance.attention.length;
  return n ? `; ${n} environment${n === 1 ? '' : 's'} need${n === 1 ? 's' : ''} a look` : '';
}

/** ` · production held`, ` · staging, production held`, or nothing. */
function heldWords(glance: Glance, separator = ' · '): string {
  return glance.held.length ? `${separator}${glance.held.map((e) => e.environment).join(', ')} held` : '';
}
