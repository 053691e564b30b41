// Refreshes on an interval only while a view is visible; catches up when one becomes visible.
import * as vscode from 'vscode';
import type { PromotionModel } from '../model/promotionModel';
import { affectsSetting, type Settings } from './settings';

export class RefreshScheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly model: PromotionModel,
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
    const stale = (this.model.snapshot?.takenAt ?? 0) < Date.now() - seconds * 1000;
    if (visibilityChanged && stale) void this.model.refresh();
    this.timer = setInterval(() => void this.model.refresh(), seconds * 1000);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
