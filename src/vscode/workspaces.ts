// Every workspace folder's promotion state (a FolderWorkspace each), following folders added and
// removed at runtime. Views, the status bar and the badge listen here; commands ask it which folder.
import * as vscode from 'vscode';
import {
  combinedState,
  folderChoice,
  folderPool,
  groupsByFolder,
  hasConfig,
  someFolderWithoutConfig,
  statusFolder,
  type FolderPool,
} from '../app/workspaceFolders';
import { PromotionModel } from '../model/promotionModel';
import { FolderWorkspace, type FolderWorkspaceDeps } from './folderWorkspace';
import type { PickItem, UserInteraction } from './interaction';

export type { FolderPool } from '../app/workspaceFolders';

export class Workspaces implements vscode.Disposable {
  private folders: FolderWorkspace[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Stands in for a folder when the window has none, so `model` always answers (state no-workspace). */
  private readonly empty: PromotionModel;
  private lastState: ReturnType<typeof combinedState> | undefined;
  private lastWithout: boolean | undefined;

  constructor(
    private readonly deps: FolderWorkspaceDeps & { readonly onState: (state: ReturnType<typeof combinedState>, folderWithoutConfig: boolean) => void },
  ) {
    this.empty = new PromotionModel(deps.app.snapshotServices(undefined));
    this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders(() => this.sync()));
    this.sync();
  }

  /** Every folder of the window, in workspace order. */
  get all(): readonly FolderWorkspace[] {
    return this.folders;
  }

  /** The folders with a config (valid or broken), in workspace order. */
  get configured(): readonly FolderWorkspace[] {
    return this.folders.filter((f) => hasConfig(f.facts));
  }

  /** Whether the views show a group node per folder (two or more configured folders). */
  get grouped(): boolean {
    return groupsByFolder(this.folders.map((f) => f.facts));
  }

  /** The folder of the active editor when it has a config, else the first configured one. */
  get active(): FolderWorkspace | undefined {
    return this.get(
      statusFolder(
        this.folders.map((f) => f.facts),
        activeFile(),
      )?.key,
    );
  }

  /** The first configured folder's model, else the first folder's, else an empty one (what `api.model` is). */
  get primaryModel(): PromotionModel {
    return (this.configured[0] ?? this.folders[0])?.model ?? this.empty;
  }

  get(key: string | undefined): FolderWorkspace | undefined {
    return key === undefined ? undefined : this.folders.find((f) => f.key === key);
  }

  onDidChange(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * The folder a command acts on: the row's own when it came from a tree; else the only candidate;
   * else the person picks (the active editor's folder first and preselected). Candidates: the
   * `pool` (see FolderPool).
   */
  async choose(
    interaction: UserInteraction,
    title: string,
    folderKey: string | undefined,
    pool: FolderPool = 'configured',
  ): Promise<FolderWorkspace | undefined> {
    const own = this.get(folderKey);
    if (own) return own;
    const choice = folderChoice(this.candidates(pool), activeFile());
    if (choice.kind === 'none') return undefined;
    if (choice.kind === 'only') return choice.folder;
    const items: PickItem<FolderWorkspace>[] = choice.folders.map(({ folder, picked }) => ({
      label: folder.name,
      description: folderDescription(folder),
      detail: folder.folder.uri.fsPath,
      value: folder,
      picked,
    }));
    return interaction.pick(items, { title: `${title.replace(/…$/, '')}: which folder?`, placeholder: 'Workspace folder whose promotion config to use' });
  }

  private candidates(pool: FolderPool): FolderWorkspace[] {
    const keys = new Set(
      folderPool(
        this.folders.map((f) => f.facts),
        pool,
      ).map((f) => f.key),
    );
    return this.folders.filter((f) => keys.has(f.key));
  }

  async reloadAll(): Promise<void> {
    await Promise.all(this.folders.map((f) => f.loader.reload()));
  }

  async refreshAll(): Promise<void> {
    await Promise.all(this.folders.map((f) => f.model.refresh()));
  }

  dispose(): void {
    for (const f of this.folders) f.dispose();
    this.folders = [];
    this.empty.dispose();
    for (const d of this.disposables) d.dispose();
    this.listeners.clear();
  }

  /** Matches the FolderWorkspaces to vscode.workspace.workspaceFolders: new ones load, removed ones are disposed. */
  private sync(): void {
    const current = vscode.workspace.workspaceFolders ?? [];
    const keep = new Map(this.folders.map((f) => [f.key, f]));
    const next: FolderWorkspace[] = [];
    for (const folder of current) {
      const key = folder.uri.toString();
      const existing = keep.get(key);
      if (existing) {
        keep.delete(key);
        next.push(existing);
        continue;
      }
      const created = new FolderWorkspace(folder, this.deps);
      created.model.onDidChange(() => this.fire());
      next.push(created);
      void created.loader.reload();
    }
    for (const removed of keep.values()) removed.dispose();
    this.folders = next;
    this.fire();
  }

  private fire(): void {
    const facts = this.folders.map((f) => f.facts);
    const state = combinedState(facts);
    const without = someFolderWithoutConfig(facts);
    if (state !== this.lastState || without !== this.lastWithout) this.deps.onState(state, without);
    this.lastState = state;
    this.lastWithout = without;
    for (const listener of [...this.listeners]) listener();
  }
}

function folderDescription(folder: FolderWorkspace): string {
  const state = folder.model.config;
  if (state.kind === 'ready') return state.config.image;
  if (state.kind === 'invalid') return 'the promotion config has errors';
  return 'no promotion config';
}

function activeFile(): string | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === 'file' ? uri.fsPath : undefined;
}
