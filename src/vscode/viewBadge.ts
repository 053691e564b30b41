// The number on the Image Promotion activity-bar icon: environments behind the one before or changed
// outside promotion (VS Code shows a view's badge on its container). No badge when none needs a look.
import type * as vscode from 'vscode';
import { glanceOf } from '../model/glance';
import type { PromotionModel } from '../model/promotionModel';

export class AttentionBadge implements vscode.Disposable {
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly model: PromotionModel,
    private readonly view: vscode.TreeView<unknown>,
  ) {
    this.subscription = model.onDidChange(() => this.update());
    this.update();
  }

  get badge(): vscode.ViewBadge | undefined {
    return this.view.badge;
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private update(): void {
    const snapshot = this.model.config.kind === 'ready' ? this.model.snapshot : undefined;
    const attention = snapshot ? (glanceOf(snapshot)?.attention ?? []) : [];
    // A refresh in progress keeps the last count rather than blinking to nothing.
    if (!snapshot && this.model.config.kind === 'ready') return;
    this.view.badge = attention.length ? { value: attention.length, tooltip: attention.map((e) => `${e.environment}: ${e.words}`).join('\n') } : undefined;
  }
}
