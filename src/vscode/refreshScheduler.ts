// Refreshes on an interval only while a view is visible; catches up when one becomes visible. Every
// workspace folder's model at once (a multi-root workspace has one per folder).
import * as vscode from 'vscode';
import type { PromotionModel } from '../model/promotionModel';
import { affectsSetting, type Settings } from './settings';

export class RefreshScheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly folders: { readonly all: readonly { readonly model: Pick<PromotionModel, 'snapshot' | 'config'> }[]; refreshAll(): Promise<void> },
    private readonly views: readonly vscode.TreeView<unknown>[],
    private readonly settings: Settings,
  ) {
    for (const view of views) this.disposables.push(view.onDidChangeVisibility(() => this.update(true)));
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => affectsSetting(e, 'refreshInterval') && this.update(false)));
    this.update(false);
  }

  private update(visibilityChanged: boolean): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const visible = this.views.some((v) => v.visible);
    const seconds = this.settings.refreshIntervalSeconds();
    if (!visible || seconds <= 0) return;
    const stale = this.folders.all.some((f) => f.model.config.kind === 'ready' && (f.model.snapshot?.takenAt ?? 0) < Date.now() - seconds * 1000);
    if (visibilityChanged && stale) void this.folders.refreshAll();
    this.timer = setInterval(() => void this.folders.refreshAll(), seconds * 1000);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
