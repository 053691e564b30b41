// Multi-root workspaces in the trees: with two or more folders holding a config, each view's top level
// is one group row per folder (its name, its image), today's rows beneath; with one, no group row at all.
import * as vscode from 'vscode';
import type { PromotionModel } from '../../model/promotionModel';
import type { FolderNode } from './nodes';

/** What a tree needs of one workspace folder (FolderWorkspace provides it). */
export interface TreeFolder {
  readonly key: string;
  readonly name: string;
  readonly dir: string;
  readonly model: PromotionModel;
}

/** What a tree needs of the workspace's folders (Workspaces provides it). */
export interface TreeFolders {
  /** The folders with a config (valid or broken), in workspace order. */
  readonly configured: readonly TreeFolder[];
  /** Two or more configured folders: the trees show a group row per folder. */
  readonly grouped: boolean;
  get(key: string | undefined): TreeFolder | undefined;
  onDidChange(listener: () => void): vscode.Disposable;
}

/** The top level of a view: a group row per folder, or the one configured folder's rows, or nothing. */
export function topLevel<N>(folders: TreeFolders, rowsOf: (folder: TreeFolder) => N[]): (N | FolderNode)[] {
  const configured = folders.configured;
  if (folders.grouped) return configured.map((f): FolderNode => ({ kind: 'folder', folder: f.key }));
  return configured[0] ? rowsOf(configured[0]) : [];
}

/** The folder a row speaks for: its own, else (rows made without one, e.g. by tests) the only configured folder. */
export function folderOf(folders: TreeFolders, key: string | undefined): TreeFolder | undefined {
  return folders.get(key) ?? (folders.configured.length === 1 ? folders.configured[0] : undefined);
}

/** Tree item ids must be unique in a view: under group rows a row's id carries its folder; alone it stays as it was. */
export function scopedId(id: string | undefined, folder: string | undefined, folders: TreeFolders): string | undefined {
  return id !== undefined && folder !== undefined && folders.grouped ? `${folder}|${id}` : id;
}

/** The group row: the folder's name, its image as description, expanded. */
export function folderItem(folder: TreeFolder | undefined, view: string): vscode.TreeItem {
  const item = new vscode.TreeItem(folder?.name ?? 'folder', vscode.TreeItemCollapsibleState.Expanded);
  if (!folder) return item;
  const state = folder.model.config;
  item.id = `folder:${view}:${folder.key}`;
  item.description = state.kind === 'ready' ? state.config.image : state.kind === 'invalid' ? 'config has errors' : '';
  item.tooltip = `${folder.dir}${'file' in state ? `\n${state.file}` : ''}`;
  item.contextValue = 'folder';
  item.iconPath = new vscode.ThemeIcon(state.kind === 'invalid' ? 'error' : 'root-folder');
  item.accessibilityInformation = {
    label: `Workspace folder ${folder.name}, ${state.kind === 'invalid' ? 'its promotion config has errors' : item.description}`,
  };
  return item;
}
