// The number on the Image Promotion activity-bar icon: environments behind the one before or changed
// outside promotion (VS Code shows a view's badge on its container), summed over the workspace's
// folders. No badge when none needs a look.
import type * as vscode from 'vscode';
import { glanceOf, type EnvironmentGlance } from '../model/glance';
import type { PromotionModel } from '../model/promotionModel';

/** The folders the badge counts over (Workspaces). */
export interface BadgeFolders {
  readonly all: readonly { readonly key: string; readonly name: string; readonly model: PromotionModel }[];
  onDidChange(listener: () => void): { dispose(): void };
}

export class AttentionBadge implements vscode.Disposable {
  private readonly subscription: { dispose(): void };
  /** Each folder's last count: a refresh in progress keeps it rather than blinking to nothing. */
  private readonly counted = new Map<string, readonly EnvironmentGlance[]>();

  constructor(
    private readonly folders: BadgeFolders,
    private readonly view: vscode.TreeView<unknown>,
  ) {
    this.subscription = folders.onDidChange(() => this.update());
    this.update();
  }

  get badge(): vscode.ViewBadge | undefined {
    return this.view.badge;
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private update(): void {
    const present = new Set<string>();
    for (const folder of this.folders.all) {
      const { config, snapshot } = folder.model;
      if (config.kind !== 'ready') continue;
      present.add(folder.key);
      if (snapshot) this.counted.set(folder.key, glanceOf(snapshot)?.attention ?? []);
    }
    // Folders removed, or whose config is gone or broken, count nothing.
    for (const key of [...this.counted.keys()]) if (!present.has(key)) this.counted.delete(key);
    const named = this.counted.size > 1;
    const lines: string[] = [];
    let total = 0;
    for (const folder of this.folders.all) {
      const attention = this.counted.get(folder.key) ?? [];
      total += attention.length;
      for (const e of attention) lines.push(`${named ? `${folder.name}: ` : ''}${e.environment}: ${e.words}`);
    }
    this.view.badge = total ? { value: total, tooltip: lines.join('\n') } : undefined;
  }
}
