// Which workspace folder a command acts in: a tree row's own folder; from the palette the only
// candidate, or the person picks one (the active editor's folder preselected). See Workspaces.choose.
import type { FolderWorkspace } from '../folderWorkspace';
import type { UserInteraction } from '../interaction';
import type { FolderPool, Workspaces } from '../workspaces';

/** Anything a command may receive from a tree: a row (with its folder), a folder's group row, or nothing. */
type FromTree = { readonly kind?: string; readonly folder?: string | undefined };
type Row<N> = Exclude<N, { readonly kind: 'folder' }>;

export function inFolder(workspaces: Pick<Workspaces, 'choose'>, interaction: () => UserInteraction) {
  return async <N extends FromTree, R>(
    title: string,
    node: N | undefined,
    act: (folder: FolderWorkspace, row: Row<N> | undefined) => R,
    pool: FolderPool = 'configured',
  ): Promise<Awaited<R> | undefined> => {
    const folder = await workspaces.choose(interaction(), title, node?.folder, pool);
    if (!folder) return undefined;
    // A group row names the folder only: the command then acts as from the palette, in that folder.
    const row = node === undefined || node.kind === 'folder' || node.kind === undefined ? undefined : (node as Row<N>);
    return await act(folder, row);
  };
}
