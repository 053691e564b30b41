// Multi-root workspaces, the pure part: which folders count as configured, which one a command or the
// status bar means, whether the views group by folder, and what the editor's when-clauses see.
import * as path from 'node:path';
import { isWithinFolder } from '../core/folders';

export type ConfigKind = 'no-workspace' | 'no-config' | 'invalid' | 'ready';

/** What the choices need to know of one workspace folder. */
export interface FolderFacts {
  /** Stable identity (the folder's URI as a string). */
  readonly key: string;
  readonly name: string;
  /** The folder on disk. */
  readonly dir: string;
  readonly config: ConfigKind;
}

/** A folder "has a config" when one was found there, valid or not: a broken config is still that folder's. */
export function hasConfig(folder: Pick<FolderFacts, 'config'>): boolean {
  return folder.config === 'ready' || folder.config === 'invalid';
}

/** The folders with a config, in workspace order. */
export function configuredFolders<F extends Pick<FolderFacts, 'config'>>(folders: readonly F[]): F[] {
  return folders.filter(hasConfig);
}

/** The views show a group node per folder only with two or more configured folders; one looks as it always did. */
export function groupsByFolder(folders: readonly FolderFacts[]): boolean {
  return configuredFolders(folders).length >= 2;
}

/**
 * The folder a file lies in: the deepest folder holding it (a folder nested in another is the more
 * precise answer), undefined when it is in none.
 */
export function folderOfFile<F extends Pick<FolderFacts, 'dir'>>(folders: readonly F[], file: string | undefined): F | undefined {
  if (!file) return undefined;
  const resolved = path.resolve(file);
  let best: F | undefined;
  for (const folder of folders) {
    const dir = path.resolve(folder.dir);
    if (isWithinFolder(dir, resolved) && (!best || dir.length > path.resolve(best.dir).length)) best = folder;
  }
  return best;
}

/**
 * The folder the status bar speaks for: the active editor's folder when its config is valid, else the
 * first folder with a valid config (a broken config has nothing to show at a glance).
 */
export function statusFolder<F extends FolderFacts>(folders: readonly F[], activeFile: string | undefined): F | undefined {
  const ready = folders.filter((f) => f.config === 'ready');
  return folderOfFile(ready, activeFile) ?? ready[0];
}

/**
 * Which folders a palette command chooses among: `configured` (most commands; with none, the first
 * folder, whose missing config the command then explains), `unconfigured` (Create Config: those
 * without one, else all), `open` (Open Config: those with one, else all, to create one).
 */
export type FolderPool = 'configured' | 'unconfigured' | 'open';

export function folderPool<F extends Pick<FolderFacts, 'config'>>(folders: readonly F[], pool: FolderPool): F[] {
  const configured = configuredFolders(folders);
  if (pool === 'configured') return configured.length ? configured : folders.slice(0, 1);
  if (pool === 'open') return configured.length ? configured : [...folders];
  const without = folders.filter((f) => !hasConfig(f));
  return without.length ? without : [...folders];
}

/** How a palette command picks its folder: nothing to ask with one candidate; else the candidates, the active editor's first and preselected. */
export type FolderChoice<F> =
  | { readonly kind: 'none' }
  | { readonly kind: 'only'; readonly folder: F }
  | { readonly kind: 'ask'; readonly folders: readonly { readonly folder: F; readonly picked: boolean }[] };

export function folderChoice<F extends Pick<FolderFacts, 'dir'>>(candidates: readonly F[], activeFile: string | undefined): FolderChoice<F> {
  if (candidates.length === 0) return { kind: 'none' };
  if (candidates.length === 1) return { kind: 'only', folder: candidates[0]! };
  const active = folderOfFile(candidates, activeFile);
  const ordered = active ? [active, ...candidates.filter((f) => f !== active)] : [...candidates];
  return { kind: 'ask', folders: ordered.map((folder) => ({ folder, picked: folder === active })) };
}

/**
 * The `imagePromotion.state` context the menus and welcome views read: ready when any folder is, else
 * invalid when any config is broken, else noConfig with folders open, else noWorkspace. With one folder
 * it is that folder's state, as before.
 */
export function combinedState(folders: readonly Pick<FolderFacts, 'config'>[]): 'ready' | 'invalid' | 'noConfig' | 'noWorkspace' {
  if (folders.some((f) => f.config === 'ready')) return 'ready';
  if (folders.some((f) => f.config === 'invalid')) return 'invalid';
  if (folders.some((f) => f.config === 'no-config')) return 'noConfig';
  return 'noWorkspace';
}

/** Some folder of a multi-root workspace has no config yet: Create Promotion Config stays in the palette. */
export function someFolderWithoutConfig(folders: readonly Pick<FolderFacts, 'config'>[]): boolean {
  return folders.some((f) => f.config === 'no-config');
}
